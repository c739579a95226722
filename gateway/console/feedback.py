"""The feedback loop: a receiver reports the outcome of a melding (``POST /api/v1/feedback``).

The outcome goes through ``gateway.pipeline.record_feedback`` (lifecycle and audit) and is kept,
with its toelichting encrypted, in the ``feedback`` table for the no-show board and the figures.
A receiver reports only on meldingen of its kind about students living in its area; the area comes
from the recipient directory the router is given (``feedback_router(directory)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

import sqlalchemy as sa
import structlog
from fastapi import APIRouter, Depends, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from gateway import pipeline
from gateway.api.app_state import store_of, today_of
from gateway.api.problems import ApiProblem, responses
from gateway.console.receivers import (
    area_unknown,
    covers_woongemeente,
    may_report_on,
    organisation_area,
    organisation_of,
)
from gateway.delivery.routing import DirectoryData
from gateway.domain.errors import GatewayError, IllegalTransition
from gateway.store import MeldingView, Store, get_melding, utcnow
from gateway.store.face_tables import feedback, feedback_context
from gateway.store.students import woongemeente_of

log = structlog.get_logger(__name__)
NOT_STARTED = "Niet gestart - in begeleiding"
DSP_OUTCOMES = ("Gestart bij mbo", "Gestart elders", NOT_STARTED)
DUO_STATUSES = ("Geregistreerd", "In behandeling", "Afgesloten", "Ter kennisgeving aangenomen",
                "Overgedragen aan derden")
FeedbackStatus = Literal["Gestart bij mbo", "Gestart elders", "Niet gestart - in begeleiding",
                         "Geregistreerd", "In behandeling", "Afgesloten", "Ter kennisgeving aangenomen",
                         "Overgedragen aan derden"]
STARTED = frozenset({"Gestart bij mbo", "Gestart elders"})
bearer = HTTPBearer(auto_error=False, description="Sleutel van de ontvangende organisatie: vr_<id>_<geheim>")


class FeedbackIn(BaseModel):
    """An outcome reported by Leerplicht, RMC, the DSP or DUO."""

    model_config = ConfigDict(extra="forbid")

    melding_id: str = Field(min_length=1, max_length=64, description="Id van de melding (= message id)")
    status: FeedbackStatus = Field(description="Uitkomst: DSP-status of DUO-status")
    toelichting: str | None = Field(None, max_length=2000)


class FeedbackOut(BaseModel):
    """The melding after the outcome was recorded."""

    melding_id: str
    status: str = Field(description="Nieuwe status van de melding in de gateway")
    receiver_status: str | None
    organisation: str


@dataclass(frozen=True)
class FeedbackEntry:
    """One reported outcome (toelichting decrypted: personal data may be in it)."""

    melding_id: str
    organisation: str
    status: str
    toelichting: str | None
    reported_on: date



def store_feedback(store: Store, school_id: str, entry: FeedbackEntry) -> None:
    """Keep one reported outcome of a melding of ``school_id`` (its toelichting encrypted at rest)."""
    context = feedback_context(entry.melding_id)
    secret = store.cipher.encrypt(entry.toelichting, context) if entry.toelichting else None
    with store.write() as conn:
        conn.execute(feedback.insert().values(melding_id=entry.melding_id, school_id=school_id,
                                              organisation=entry.organisation, status=entry.status,
                                              toelichting=secret, reported_on=entry.reported_on,
                                              created_at=utcnow()))


def feedback_for(store: Store, school_id: str,
                 melding_ids: list[str] | None = None) -> dict[str, list[FeedbackEntry]]:
    """Reported outcomes per melding of a school, oldest first."""
    query = sa.select(feedback).where(feedback.c.school_id == school_id).order_by(feedback.c.id)
    if melding_ids is not None:
        query = query.where(feedback.c.melding_id.in_(melding_ids))
    out: dict[str, list[FeedbackEntry]] = {}
    with store.read() as conn:
        for r in conn.execute(query):
            text = (store.cipher.decrypt(r.toelichting, feedback_context(r.melding_id))
                    if r.toelichting else None)
            out.setdefault(r.melding_id, []).append(
                FeedbackEntry(r.melding_id, r.organisation, r.status, text, r.reported_on))
    return out


def _organisation(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    if credentials is None or not credentials.credentials:
        raise ApiProblem(status.HTTP_401_UNAUTHORIZED, "niet-aangemeld", "Niet aangemeld",
                         "geef de sleutel van uw organisatie mee (Authorization: Bearer ...)")
    organisation = organisation_of(store_of(request), credentials.credentials)
    if organisation is None:
        raise ApiProblem(status.HTTP_401_UNAUTHORIZED, "niet-aangemeld", "Niet aangemeld",
                         "onbekende of ingetrokken sleutel")
    return organisation


def _in_area(store: Store, organisation: str, melding: MeldingView, directory: DirectoryData) -> bool:
    # The woongemeente is read only for this check, only for area-bound keys, and never logged.
    if organisation_area(organisation) is None:
        return True
    with store.read() as conn:
        woongemeente = woongemeente_of(conn, melding.school_id, melding.student_id)
    return covers_woongemeente(organisation, woongemeente, directory)


def feedback_router(directory: DirectoryData) -> APIRouter:
    """``POST /api/v1/feedback`` for receiver keys, scoped to their area in ``directory``."""
    router = APIRouter(tags=["terugkoppeling"])

    @router.post("/api/v1/feedback", response_model=FeedbackOut, summary="Uitkomst van een melding melden",
                 responses=responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN,
                                     status.HTTP_404_NOT_FOUND, status.HTTP_409_CONFLICT,
                                     status.HTTP_422_UNPROCESSABLE_CONTENT))
    def post_feedback(body: FeedbackIn, request: Request,
                      organisation: Annotated[str, Depends(_organisation)]) -> FeedbackOut:
        """Record the outcome of a melding addressed to the caller's organisation."""
        store = store_of(request)
        # Before the melding is looked up, so a key without an area learns nothing about melding ids.
        if (problem := area_unknown(organisation, directory)) is not None:
            log.warning("feedback.area_unknown", organisation=organisation)
            raise ApiProblem(status.HTTP_403_FORBIDDEN, "onbekend-gebied", "Geen toegang",
                             f"{problem}; vraag de beheerder van de gateway het register bij te werken")
        melding = get_melding(store, body.melding_id)
        # A melding outside the key's scope answers exactly as a missing one: melding ids are derived
        # from student, rule and dates, so a different answer would let a key probe other areas.
        if melding is None or not (may_report_on(organisation, melding.recipient, melding.rule)
                                   and _in_area(store, organisation, melding, directory)):
            raise ApiProblem(status.HTTP_404_NOT_FOUND, "onbekende-melding", "Niet gevonden",
                             "geen melding met dit id voor uw organisatie")
        if melding.route is None:
            raise ApiProblem(status.HTTP_409_CONFLICT, "niet-verzonden", "Conflict",
                             "deze melding wordt niet verzonden")
        try:
            state = pipeline.record_feedback(store, melding.id, body.status,
                                             actor=f"ontvanger:{organisation}",
                                             detail=f"via terugkoppel-API ({organisation})")
        except IllegalTransition as exc:
            raise ApiProblem(status.HTTP_409_CONFLICT, "ongeldige-overgang", "Conflict",
                             f"melding heeft status '{melding.status}': {exc}") from exc
        except GatewayError as exc:
            raise ApiProblem(status.HTTP_404_NOT_FOUND, "onbekende-melding", "Niet gevonden",
                             str(exc)) from exc
        entry = FeedbackEntry(melding.id, organisation, body.status, body.toelichting, today_of(request))
        store_feedback(store, melding.school_id, entry)
        log.info("feedback.recorded", melding=melding.id, organisation=organisation, status=body.status)
        return FeedbackOut(melding_id=melding.id, status=state.value, receiver_status=body.status,
                           organisation=organisation)

    return router
