"""Dead letters (onbestelbaar): meldingen the worker gave up on, filtered and paged, and offering one
again (beheerder)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import Response

from gateway.api.app_state import store_of
from gateway.console.listing import AAN, REGEL, TOT, VAN, ZOEK, ListSpec, melding_query
from gateway.console.pages.common import (
    PREFIX,
    Csrf,
    SessionDep,
    melding_form,
    page_router,
    refused_as,
    see_other,
)
from gateway.console.pages.lists import read_view, recipient_options, render_list, rule_options
from gateway.console.queries import DEAD_LETTER_SORTS, dead_letters_page, display_names
from gateway.delivery import outbox

SPEC: Final = ListSpec(filters=frozenset({ZOEK, REGEL, AAN, VAN, TOT}), sort_keys=tuple(DEAD_LETTER_SORTS),
                       default_sort="-bijgewerkt", choices={})


def dead_letters_router() -> APIRouter:
    """``/console/onbestelbaar`` and its retry form."""
    router = page_router()

    @router.get("/onbestelbaar")
    def dead_letters(request: Request, session: SessionDep) -> Response:
        store, school = store_of(request), session.user.school_id
        view = read_view(request, SPEC, {REGEL: rule_options(), AAN: recipient_options()})
        if isinstance(view, Response):
            return view
        if view.errors:
            return render_list(request, session, "onbestelbaar.html", view, rows=[], names={})
        found = dead_letters_page(store, school, melding_query(view.filters))
        names = display_names(store, school, {r["student_id"] for r in found.rows})
        return render_list(request, session, "onbestelbaar.html", replace(view, total=found.total),
                           rows=found.rows, names=names)

    @router.post("/onbestelbaar/{melding_id}/opnieuw")
    def dead_letter_retry(request: Request, session: SessionDep, melding_id: str, csrf: Csrf,
                          reden: Annotated[str, Form(max_length=500)] = "") -> Response:
        posted = melding_form(request, session, melding_id, csrf, beheerder=True)
        with refused_as(status.HTTP_409_CONFLICT):
            outbox.replay(posted.store, posted.melding.id, session.user.username,
                          reden.strip() or "opnieuw aangeboden via console")
        return see_other(f"{PREFIX}/onbestelbaar?bericht=opnieuw")

    return router
