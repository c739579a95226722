"""Dead letters (onbestelbaar): meldingen the worker gave up on, and offering one again (beheerder)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import Response

from gateway.api.app_state import store_of
from gateway.console.pages.common import (
    PREFIX,
    Csrf,
    SessionDep,
    base_context,
    melding_form,
    page,
    page_router,
    refused_as,
    see_other,
)
from gateway.console.queries import dead_letters_of, display_names
from gateway.delivery import outbox


def dead_letters_router() -> APIRouter:
    """``/console/onbestelbaar`` and its retry form."""
    router = page_router()

    @router.get("/onbestelbaar")
    def dead_letters(request: Request, session: SessionDep) -> Response:
        store = store_of(request)
        rows = dead_letters_of(store, session.user.school_id)
        names = display_names(store, session.user.school_id, {r["student_id"] for r in rows})
        return page(request, "onbestelbaar.html", base_context(session, request, rows=rows, names=names))

    @router.post("/onbestelbaar/{melding_id}/opnieuw")
    def dead_letter_retry(request: Request, session: SessionDep, melding_id: str, csrf: Csrf,
                          reden: Annotated[str, Form(max_length=500)] = "") -> Response:
        posted = melding_form(request, session, melding_id, csrf, beheerder=True)
        with refused_as(status.HTTP_409_CONFLICT):
            outbox.replay(posted.store, posted.melding.id, session.user.username,
                          reden.strip() or "opnieuw aangeboden via console")
        return see_other(f"{PREFIX}/onbestelbaar?bericht=opnieuw")

    return router
