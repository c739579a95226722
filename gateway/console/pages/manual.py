"""Filing a melding no rule produced (beginnend verzuim, signaalverzuim, a zorgmelding): the form and
its handling. Filing the same melding twice leads to the first, with a note saying so."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from gateway import pipeline
from gateway.api.app_state import store_of, today_of
from gateway.config.school import load_school
from gateway.console import auth
from gateway.console.content_form import (
    FormValues,
    attempt_rows,
    content_data,
    field_errors,
    form_values,
    refusal_message,
)
from gateway.console.pages.common import (
    HOME,
    SessionDep,
    base_context,
    check_csrf,
    page,
    page_router,
    see_other,
)
from gateway.console.pages.melding_page import PostedForm, form_choices
from gateway.domain.errors import InvalidInput
from gateway.domain.melding_content import MeldingContent
from gateway.domain.soort_verzuim import MANUAL_KINDS, MANUAL_TITLES
from gateway.intake.melding_content import parse_content
from gateway.store import Store

SECTIONS = {"rmc": True, "no_show": False, "uitschrijving": False}  # a manual melding may be an 18+'s
# The form's inputs besides the content's, with their labels.
LABELS = {"student_id": "leerlingnummer", "kind": "soort melding", "period_start": "begindatum",
          "period_end": "einddatum"}
NOT_FILED = "De melding is niet ingediend"


def _day(values: FormValues, key: str, label: str) -> date | None:
    text = values.get(key, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{label} is geen geldige datum (JJJJ-MM-DD)", key) from exc


def manual_request(values: FormValues, today: date) -> pipeline.ManualRequest:
    """The filing a posted form asks for; ``InvalidInput`` names the field (Dutch)."""
    student_id = values.get("student_id", "").strip()
    if not student_id:
        raise InvalidInput("vul het leerlingnummer in", "student_id")
    start = _day(values, "period_start", "begindatum")
    if start is None:
        raise InvalidInput("vul de begindatum in", "period_start")
    content = parse_content(content_data(values), today=today)
    return pipeline.ManualRequest(student_id=student_id, kind=values.get("kind", ""), period_start=start,
                                  period_end=_day(values, "period_end", "einddatum"), content=content)


def _defaults(store: Store, school_id: str) -> FormValues:
    """A new form: the school's melder filled in, as on a melding."""
    with store.read() as conn:
        melder = load_school(conn, school_id).melder()
    return form_values(MeldingContent(melder=melder))


def _form_page(request: Request, session: auth.Session, values: FormValues,
               error: str | None = None, errors: Mapping[str, str] | None = None) -> Response:
    """The form; after a refusal (422) with the message above it and each input's beside it."""
    context = base_context(session, request, form=values, attempts=attempt_rows(values), sections=SECTIONS,
                           kinds=[(k, MANUAL_TITLES[k]) for k in MANUAL_KINDS], error=error,
                           field_errors=dict(errors or {}),
                           **form_choices(store_of(request), session.user.school_id))
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if error else status.HTTP_200_OK
    return page(request, "nieuw.html", context, status_code=code)


def manual_router() -> APIRouter:
    """``/console/meldingen/nieuw``: the form (GET) and the filing (POST); melder and beheerder alike."""
    router = page_router()

    @router.get("/meldingen/nieuw")
    def manual_form(request: Request, session: SessionDep) -> Response:
        return _form_page(request, session, _defaults(store_of(request), session.user.school_id))

    @router.post("/meldingen/nieuw")
    def manual_file(request: Request, session: SessionDep, values: PostedForm) -> Response:
        check_csrf(session, values.get("csrf", ""))
        today = today_of(request)
        try:
            filed = pipeline.file_manual(store_of(request), session.user.school_id,
                                         manual_request(values, today), session.user.username, today)
        except InvalidInput as exc:
            errors = field_errors(exc, LABELS, LABELS)
            summary = refusal_message(NOT_FILED, errors, LABELS) if errors else str(exc)
            return _form_page(request, session, values, summary, errors)
        note = "ingediend" if filed.created else "al-ingediend"
        return see_other(f"{HOME}/{filed.melding_id}?bericht={note}")

    return router
