"""The review queue and one melding: view (audited), add content, approve, withdraw."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import Response

from gateway import pipeline
from gateway.api.app_state import store_of
from gateway.console.content import EDITABLE, build_content, content_of, save_content
from gateway.console.feedback import feedback_for
from gateway.console.pages.common import (
    HOME,
    Csrf,
    SessionDep,
    base_context,
    melding_form,
    melding_or_404,
    page,
    page_router,
    refused_as,
    see_other,
)
from gateway.console.queries import display_names, evidence_rows
from gateway.domain.lifecycle import State
from gateway.domain.ports import CONCERNS
from gateway.store import audit, list_meldingen

TO_REVIEW = "te-beoordelen"  # the list's default filter: concept meldingen waiting for review
QUEUE_LIMIT = 300


@dataclass
class ContentForm:
    """The form with what the verzuimcoördinator adds to a melding (field names as in the template)."""

    csrf: Csrf
    toelichting: Annotated[str, Form(max_length=4000)] = ""
    actie_gewenst: Annotated[str | None, Form()] = None
    concerns: Annotated[list[str] | None, Form()] = None
    acties: Annotated[str, Form(max_length=8000)] = ""


def meldingen_router() -> APIRouter:
    """``/console`` (opens the queue), ``/console/meldingen`` and the forms on one melding."""
    router = page_router()

    @router.get("")
    @router.get("/")
    def home() -> Response:
        return see_other(HOME)

    @router.get("/meldingen")
    def meldingen_list(request: Request, session: SessionDep, filter: str = TO_REVIEW) -> Response:
        store = store_of(request)
        school = session.user.school_id
        to_review = filter == TO_REVIEW
        views = [m for m in list_meldingen(store, school, status=[State.CONCEPT.value] if to_review else None,
                                           limit=QUEUE_LIMIT)
                 if m.kind != "signaal" or not to_review]
        names = display_names(store, school, {m.student_id for m in views})
        return page(request, "meldingen.html", base_context(session, request, meldingen=views, names=names,
                                                            filter=filter))

    @router.get("/meldingen/{melding_id}")
    def melding_detail(request: Request, session: SessionDep, melding_id: str) -> Response:
        store = store_of(request)
        melding = melding_or_404(store, session, melding_id)
        school = session.user.school_id
        with store.write() as conn:  # viewing a melding is an audit entry (DESIGN.md section 5)
            audit.append(conn, actor=session.user.username, action="melding.bekeken", school_id=school,
                         subject=melding.id, data={})
        context = base_context(
            session, request, melding=melding, names=display_names(store, school, {melding.student_id}),
            evidence=evidence_rows(store, school, list(melding.signal.get("evidence", []))),
            content=content_of(store, school, melding.id), concerns=CONCERNS,
            editable=State(melding.status) in EDITABLE,
            outcomes=feedback_for(store, school, [melding.id]).get(melding.id, []), error=None)
        return page(request, "melding.html", context)

    @router.post("/meldingen/{melding_id}/inhoud")
    def melding_content(request: Request, session: SessionDep, melding_id: str,
                        form: Annotated[ContentForm, Depends()]) -> Response:
        posted = melding_form(request, session, melding_id, form.csrf)
        with refused_as(status.HTTP_422_UNPROCESSABLE_CONTENT):
            content = build_content(form.actie_gewenst == "ja", form.toelichting, form.concerns or [],
                                    form.acties.splitlines())
            save_content(posted.store, session.user.school_id, posted.melding.id, content,
                         session.user.username)
        return see_other(f"{HOME}/{posted.melding.id}?bericht=opgeslagen")

    @router.post("/meldingen/{melding_id}/goedkeuren")
    def melding_approve(request: Request, session: SessionDep, melding_id: str, csrf: Csrf) -> Response:
        posted = melding_form(request, session, melding_id, csrf)
        with refused_as(status.HTTP_409_CONFLICT):
            pipeline.approve(posted.store, session.user.school_id, posted.melding.id, session.user.username)
        return see_other(f"{HOME}/{posted.melding.id}?bericht=goedgekeurd")

    @router.post("/meldingen/{melding_id}/intrekken")
    def melding_withdraw(request: Request, session: SessionDep, melding_id: str, csrf: Csrf,
                         reden: Annotated[str, Form(min_length=3, max_length=500)]) -> Response:
        posted = melding_form(request, session, melding_id, csrf, beheerder=True)
        with refused_as(status.HTTP_409_CONFLICT), posted.store.write() as conn:
            pipeline.withdraw(conn, posted.melding.id, session.user.username, reden.strip())
        return see_other(f"{HOME}/{posted.melding.id}?bericht=ingetrokken")

    return router
