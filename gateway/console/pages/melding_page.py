"""One melding's page: its facts, the week-by-week summary and the evidence, the content form with
the gate's verdict, the actions, the receiver's feedback, and for a withdrawn melding when, why and
by whom.

Shown after a GET, and again after a refused form (422: invalid input; 409: the melding may not go
or not change) with what was typed and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request, status
from fastapi.responses import Response

from gateway import pipeline
from gateway.api.app_state import store_of
from gateway.config.school import SchoolConfig, load_school, school_profile
from gateway.console import auth, weekly
from gateway.console.audit_trail import withdrawal_of
from gateway.console.audit_words import actor_name, channel_name, organisation_name
from gateway.console.content_form import FormValues, attempt_rows, form_values, posted_values
from gateway.console.feedback import feedback_for
from gateway.console.pages.common import base_context, page
from gateway.console.queries import EvidenceRow, display_names, evidence_rows, student_age
from gateway.domain.age import ADULT_AGE
from gateway.domain.calendar import SchoolCalendar
from gateway.domain.melding_content import CONCERNS, CONTACT_WAYS, field_label
from gateway.domain.model import Calendar
from gateway.domain.receiver_status import REDENEN_AFGESLOTEN, TOELICHTINGEN_AFSLUITING
from gateway.domain.soort_verzuim import UITSCHRIJVING
from gateway.store import MeldingView, Store
from gateway.store.schema import calendars

ADULT_FIELDS = frozenset({"concerns", "agreements", "asked_of_rmc"})


async def posted_form(request: Request) -> FormValues:
    """The text fields of the posted form (read once, before the page's checks run)."""
    return posted_values(await request.form())


PostedForm = Annotated[FormValues, Depends(posted_form)]


@dataclass(frozen=True)
class Refusal:
    """Why a form was refused, with which HTTP status the page is shown again, and the Dutch message
    to show beside each field that was at fault (by the form field's name)."""

    message: str
    status_code: int = status.HTTP_422_UNPROCESSABLE_CONTENT
    fields: Mapping[str, str] = field(default_factory=dict)


def sections(melding: MeldingView, review: pipeline.ContentReview, adult: bool) -> dict[str, bool]:
    """Which groups of fields the form shows besides those of every melding: 18+/RMC, no-show,
    uitschrijving (also whenever one of their fields is missing or filled in)."""
    decided = set(review.resolved.decided_fields()) | set(review.missing)
    return {
        "rmc": adult or melding.recipient == "rmc" or melding.rule == "rmc-4w"
               or bool(decided & ADULT_FIELDS),
        "no_show": melding.rule == "no-show" or "contact_attempts" in decided,
        "uitschrijving": melding.rule == UITSCHRIJVING or "deregistration_agreed" in decided,
    }


def form_choices(store: Store, school_id: str, config: SchoolConfig | None = None) -> dict[str, Any]:
    """What the content form offers to choose from: the school's leslocaties, the ways of contact,
    the three concerns (``config``: the school's, when the caller read it already)."""
    if config is None:
        with store.read() as conn:
            config = load_school(conn, school_id)
    return {"leslocaties": list(config.leslocaties), "contact_ways": CONTACT_WAYS, "concerns": CONCERNS}


def school_calendar(store: Store, school_id: str) -> SchoolCalendar | None:
    """The school's calendar as its last batch delivered it (None before the first batch)."""
    with store.read() as conn:
        text = conn.scalar(sa.select(calendars.c.data).where(calendars.c.school_id == school_id))
    return None if text is None else SchoolCalendar(Calendar.model_validate_json(text))


def weekly_section(store: Store, config: SchoolConfig, melding: MeldingView,
                   rows: list[EvidenceRow]) -> dict[str, Any]:
    """The week-by-week summary of the evidence and its chart (None without a calendar or evidence)."""
    calendar = school_calendar(store, config.id)
    if calendar is None or not rows:
        return {"weeks": None, "chart": None}
    period = (melding.period_start, melding.period_end or melding.trigger_date)
    profile = school_profile(config)
    summary = weekly.summarise(rows, calendar, period, rule=melding.rule,
                               threshold=weekly.threshold_for(melding.rule, profile),
                               late_limit=profile.late_minutes)
    return {"weeks": summary, "chart": weekly.chart(summary)}


def feedback_section(store: Store, school_id: str, melding_id: str) -> dict[str, Any]:
    """What the "Terugkoppeling" section shows: the receivers' reports, oldest first, and the Dutch
    labels of the Besluit's reason and toelichting codes."""
    return {"outcomes": feedback_for(store, school_id, [melding_id]).get(melding_id, []),
            "reden_labels": REDENEN_AFGESLOTEN, "afsluiting_labels": TOELICHTINGEN_AFSLUITING}


def render_melding(request: Request, session: auth.Session, melding: MeldingView, *,
                   values: FormValues | None = None, refusal: Refusal | None = None) -> Response:
    """The melding page; ``values`` (what was typed) replace the stored content in the form."""
    store, school = store_of(request), session.user.school_id
    review = pipeline.content_review(store, school, melding.id)
    shown = values if values is not None else form_values(review.resolved)
    age = student_age(store, school, melding.student_id, melding.trigger_date)
    with store.read() as conn:
        config = load_school(conn, school)
    evidence = evidence_rows(store, school, list(melding.signal.get("evidence", [])))
    withdrawal = withdrawal_of(store, school, melding.id) if melding.status == "ingetrokken" else None
    context = base_context(
        session, request, melding=melding, names=display_names(store, school, {melding.student_id}),
        evidence=evidence, review=review, content=review.resolved, form=shown,
        attempts=attempt_rows(shown), missing=[(name, field_label(name)) for name in review.missing],
        sections=sections(melding, review, age is not None and age >= ADULT_AGE),
        error=refusal.message if refusal else None, withdrawal=withdrawal, actor_name=actor_name,
        channel_name=channel_name, organisation_name=organisation_name,
        field_errors=dict(refusal.fields) if refusal else {}, **form_choices(store, school, config),
        **weekly_section(store, config, melding, evidence), **feedback_section(store, school, melding.id))
    return page(request, "melding.html", context,
                status_code=refusal.status_code if refusal else status.HTTP_200_OK)
