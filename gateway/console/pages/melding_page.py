"""One melding's page: its facts, the evidence, the content form with the gate's verdict, the actions.

Shown after a GET, and again after a refused form (422: invalid input; 409: the melding may not go
or not change) with what was typed and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request, status
from fastapi.responses import Response

from gateway import pipeline
from gateway.api.app_state import store_of
from gateway.config.school import load_school
from gateway.console import auth
from gateway.console.content_form import FormValues, attempt_rows, form_values, posted_values
from gateway.console.feedback import feedback_for
from gateway.console.pages.common import base_context, page
from gateway.console.queries import display_names, evidence_rows, student_age
from gateway.domain.age import ADULT_AGE
from gateway.domain.melding_content import CONCERNS, CONTACT_WAYS, field_label
from gateway.domain.receiver_status import REDENEN_AFGESLOTEN, TOELICHTINGEN_AFSLUITING
from gateway.domain.soort_verzuim import UITSCHRIJVING
from gateway.store import MeldingView, Store

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


def form_choices(store: Store, school_id: str) -> dict[str, Any]:
    """What the content form offers to choose from: the school's leslocaties, the ways of contact,
    the three concerns."""
    with store.read() as conn:
        leslocaties = list(load_school(conn, school_id).leslocaties)
    return {"leslocaties": leslocaties, "contact_ways": CONTACT_WAYS, "concerns": CONCERNS}


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
    context = base_context(
        session, request, melding=melding, names=display_names(store, school, {melding.student_id}),
        evidence=evidence_rows(store, school, list(melding.signal.get("evidence", []))),
        review=review, content=review.resolved, form=shown, attempts=attempt_rows(shown),
        missing=[(name, field_label(name)) for name in review.missing],
        sections=sections(melding, review, age is not None and age >= ADULT_AGE),
        error=refusal.message if refusal else None,
        field_errors=dict(refusal.fields) if refusal else {}, **form_choices(store, school),
        **feedback_section(store, school, melding.id))
    return page(request, "melding.html", context,
                status_code=refusal.status_code if refusal else status.HTTP_200_OK)
