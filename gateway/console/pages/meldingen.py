"""The review queue and one melding: view (audited), fill in its content, approve, withdraw."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import Response

from gateway import pipeline
from gateway.api.app_state import store_of, today_of
from gateway.console import auth
from gateway.console.content_form import FormValues, content_data
from gateway.console.pages.common import (
    HOME,
    Csrf,
    MeldingForm,
    SessionDep,
    melding_form,
    melding_or_404,
    page_router,
    refused_as,
    see_other,
)
from gateway.console.pages.melding_page import PostedForm, Refusal, render_melding
from gateway.domain.errors import GatewayError, IncompleteMelding, InvalidInput
from gateway.domain.lifecycle import State
from gateway.intake.melding_content import parse_content
from gateway.store import audit

NOT_EDITABLE = "deze melding is al verzonden of ingetrokken; de inhoud kan niet meer worden aangepast"


def _save(request: Request, session: auth.Session, posted: MeldingForm, values: FormValues) -> Refusal | None:
    """Check and store a posted content form; the refusal when it may not be stored (409) or is
    invalid (422)."""
    if State(posted.melding.status) not in pipeline.EDITABLE:
        return Refusal(NOT_EDITABLE, status.HTTP_409_CONFLICT)
    try:
        content = parse_content(content_data(values), today=today_of(request))
        pipeline.save_content(posted.store, session.user.school_id, posted.melding.id, content,
                              session.user.username)
    except IncompleteMelding as exc:  # a released melding must stay complete
        return Refusal(str(exc), status.HTTP_409_CONFLICT)
    except InvalidInput as exc:
        return Refusal(str(exc))
    return None


def meldingen_router() -> APIRouter:
    """``/console`` (opens the queue), one melding and the forms on it (the list: ``melding_list``)."""
    router = page_router()

    @router.get("")
    @router.get("/")
    def home() -> Response:
        return see_other(HOME)

    @router.get("/meldingen/{melding_id}")
    def melding_detail(request: Request, session: SessionDep, melding_id: str) -> Response:
        store = store_of(request)
        melding = melding_or_404(store, session, melding_id)
        with store.write() as conn:  # viewing a melding is an audit entry (DESIGN.md section 5)
            audit.append(conn, actor=session.user.username, action="melding.bekeken",
                         school_id=session.user.school_id, subject=melding.id, data={})
        return render_melding(request, session, melding)

    @router.post("/meldingen/{melding_id}/inhoud")
    def melding_content(request: Request, session: SessionDep, melding_id: str,
                        values: PostedForm) -> Response:
        posted = melding_form(request, session, melding_id, values.get("csrf", ""))
        refusal = _save(request, session, posted, values)
        if refusal is not None:
            return render_melding(request, session, posted.melding, values=values, refusal=refusal)
        return see_other(f"{HOME}/{posted.melding.id}?bericht=opgeslagen")

    @router.post("/meldingen/{melding_id}/goedkeuren")
    def melding_approve(request: Request, session: SessionDep, melding_id: str, csrf: Csrf) -> Response:
        posted = melding_form(request, session, melding_id, csrf)
        try:
            pipeline.approve(posted.store, session.user.school_id, posted.melding.id, session.user.username)
        except GatewayError as exc:
            return render_melding(request, session, posted.melding,
                                  refusal=Refusal(str(exc), status.HTTP_409_CONFLICT))
        return see_other(f"{HOME}/{posted.melding.id}?bericht=goedgekeurd")

    @router.post("/meldingen/{melding_id}/intrekken")
    def melding_withdraw(request: Request, session: SessionDep, melding_id: str, csrf: Csrf,
                         reden: Annotated[str, Form(min_length=3, max_length=500)]) -> Response:
        posted = melding_form(request, session, melding_id, csrf, beheerder=True)
        with refused_as(status.HTTP_409_CONFLICT), posted.store.write() as conn:
            pipeline.withdraw(conn, posted.melding.id, session.user.username, reden.strip())
        return see_other(f"{HOME}/{posted.melding.id}?bericht=ingetrokken")

    return router
