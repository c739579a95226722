"""The review queue and one melding: view (audited), fill in its content, approve, withdraw."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import Response

from gateway import pipeline
from gateway.api.app_state import store_of, today_of
from gateway.console import auth
from gateway.console.content_form import (
    MAX_VALUE,
    FormValues,
    content_data,
    field_errors,
    form_values,
    missing_errors,
    refusal_message,
)
from gateway.console.pages.common import (
    HOME,
    START,
    Csrf,
    MeldingForm,
    SessionDep,
    melding_form,
    melding_or_404,
    page_router,
    see_other,
)
from gateway.console.pages.melding_page import PostedForm, Refusal, render_melding
from gateway.domain.errors import GatewayError, IncompleteMelding, InvalidInput
from gateway.domain.lifecycle import State
from gateway.intake.melding_content import parse_content
from gateway.store import audit

NOT_EDITABLE = "deze melding is al verzonden of ingetrokken; de inhoud kan niet meer worden aangepast"
NOT_SAVED = "De aanvullingen zijn niet opgeslagen"
MISSING_BEFORE_APPROVAL = "vul dit in: zonder kan de melding niet worden goedgekeurd"
REASON_MIN, REASON_MAX = 3, 500  # characters of a withdrawal's reason, after trimming
REASON_TOO_SHORT = f"geef een reden van minstens {REASON_MIN} tekens"
REASON_TOO_LONG = f"de reden is te lang: hoogstens {REASON_MAX} tekens"
REASON_REFUSED = "De melding is niet ingetrokken: controleer de reden."


def reason_error(reason: str) -> str | None:
    """Why a withdrawal's reason (trimmed) cannot be taken, or ``None``."""
    if len(reason) < REASON_MIN:
        return REASON_TOO_SHORT
    return REASON_TOO_LONG if len(reason) > REASON_MAX else None


def invalid_content(exc: InvalidInput) -> Refusal:
    """The refusal (422) of a content form the intake refused, each message beside its input."""
    fields = field_errors(exc)
    return Refusal(refusal_message(NOT_SAVED, fields) if fields else str(exc), fields=fields)


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
        return Refusal(str(exc), status.HTTP_409_CONFLICT, missing_errors(exc.missing))
    except InvalidInput as exc:
        return invalid_content(exc)
    return None


def _approve(session: auth.Session, posted: MeldingForm) -> Refusal | None:
    """Approve the melding; the refusal (409) when it may not go, each missing field named beside it."""
    try:
        pipeline.approve(posted.store, session.user.school_id, posted.melding.id, session.user.username)
    except IncompleteMelding as exc:
        fields = missing_errors(exc.missing, MISSING_BEFORE_APPROVAL)
        return Refusal(str(exc), status.HTTP_409_CONFLICT, fields)
    except GatewayError as exc:
        return Refusal(str(exc), status.HTTP_409_CONFLICT)
    return None


def _withdraw(session: auth.Session, posted: MeldingForm, typed: str) -> Refusal | None:
    """Withdraw the melding for the reason typed; the refusal of a wrong reason (422, beside it) or of a
    melding that cannot be withdrawn (409)."""
    if (problem := reason_error(typed.strip())) is not None:
        return Refusal(REASON_REFUSED, fields={"reden": problem})
    try:
        with posted.store.write() as conn:
            pipeline.withdraw(conn, posted.melding.id, session.user.username, typed.strip())
    except GatewayError as exc:
        return Refusal(str(exc), status.HTTP_409_CONFLICT)
    return None


def _withdraw_refused(request: Request, session: auth.Session, posted: MeldingForm, typed: str,
                      refusal: Refusal) -> Response:
    """The melding page again after a refused withdrawal: its content form as stored, the reason typed."""
    review = pipeline.content_review(posted.store, session.user.school_id, posted.melding.id)
    values = {**form_values(review.resolved), "reden": typed}
    return render_melding(request, session, posted.melding, values=values, refusal=refusal)


def meldingen_router() -> APIRouter:
    """``/console`` (opens the queue), one melding and the forms on it (the list: ``melding_list``)."""
    router = page_router()

    @router.get("")
    @router.get("/")
    def home() -> Response:
        return see_other(START)

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
        if (refusal := _approve(session, posted)) is not None:
            return render_melding(request, session, posted.melding, refusal=refusal)
        return see_other(f"{HOME}/{posted.melding.id}?bericht=goedgekeurd")

    @router.post("/meldingen/{melding_id}/intrekken")
    def melding_withdraw(request: Request, session: SessionDep, melding_id: str, csrf: Csrf,
                         reden: Annotated[str, Form()] = "") -> Response:
        posted = melding_form(request, session, melding_id, csrf, beheerder=True)
        typed = reden[:MAX_VALUE]
        if (refusal := _withdraw(session, posted, typed)) is not None:
            return _withdraw_refused(request, session, posted, typed, refusal)
        return see_other(f"{HOME}/{posted.melding.id}?bericht=ingetrokken")

    return router
