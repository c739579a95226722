"""The feedback loop: a receiver reports the outcome of a melding (``POST /api/v1/feedback``) and
lists the meldingen it still has to report on (``GET /api/v1/feedback/open``).

A report carries the Besluit Verzuimmelding's status, reason and toelichting codes and the
gemeentelijke contactpersoon, or a Doorstroompunt's no-show outcome with the start date (seed 000).
It goes through ``gateway.pipeline.record_feedback`` (lifecycle and audit) and is kept in table
``feedback`` in the same transaction (``gateway.console.feedback_store``): the same report twice is
stored and audited once. A receiver reports only on meldingen of its kind about students living in
its area; the area comes from the recipient directory the router is given.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
import structlog
from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway import pipeline
from gateway.api.app_state import store_of, today_of
from gateway.api.problems import VALIDATION_SLUG, VALIDATION_TITLE, ApiProblem, FieldError, responses
from gateway.console.feedback_open import open_meldingen
from gateway.console.feedback_store import (
    FeedbackEntry,
    feedback_for,
    feedback_values,
    keep_feedback,
    store_feedback,
)
from gateway.console.receivers import (
    area_unknown,
    covers_woongemeente,
    may_report_on,
    organisation_area,
    organisation_of,
    speaks_for_gemeente,
)
from gateway.delivery.routing import DirectoryData
from gateway.domain import receiver_status as rs
from gateway.domain.errors import GatewayError, IllegalTransition, InvalidInput
from gateway.pipeline.review import outcome_errors
from gateway.store import MeldingView, Store, get_melding
from gateway.store.students import woongemeente_of

__all__ = ["FeedbackEntry", "feedback_for", "feedback_router", "store_feedback"]

log = structlog.get_logger(__name__)
ACCEPTED = ", ".join(f"'{s}'" for s in rs.ALL_STATUSES)
MELDING_ID_EXAMPLE = "493e032c-8f1a-5b6e-9c2d-0a7b4e1f3d55"
OPEN_PAGE_MAX = 200
bearer = HTTPBearer(auto_error=False, description="Sleutel van de ontvangende organisatie: vr_<id>_<geheim>")


def _code(value: str | None, table: dict[str, str]) -> str | None:
    if value is not None and value not in table:
        raise ValueError(f"onbekende code '{value}'; kies uit {', '.join(table)}")
    return value


class ContactpersoonIn(BaseModel):
    """The gemeentelijke contactpersoon (Besluit): who at the gemeente handles the melding."""

    model_config = ConfigDict(extra="forbid")

    naam: str = Field(min_length=1, max_length=200, description="Naam van de contactpersoon")
    functie: str | None = Field(None, max_length=200, description="Functie, bijvoorbeeld leerplichtambtenaar")
    telefoon: str | None = Field(None, max_length=40, description="Telefoonnummer")
    email: str | None = Field(None, max_length=254, description="E-mailadres")


class FeedbackIn(BaseModel):
    """An outcome reported by Leerplicht, RMC, the DSP or DUO."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"melding_id": MELDING_ID_EXAMPLE, "status": "Afgesloten", "reden": "terug_naar_school",
         "toelichting_afsluiting": "gezien_door_gemeente",
         "contactpersoon": {"naam": "A. de Boer", "functie": "leerplichtambtenaar"}},
        {"melding_id": MELDING_ID_EXAMPLE, "status": "Gestart elders", "started_on": "2026-09-14"}]})

    melding_id: str = Field(min_length=1, max_length=64, description="Id van de melding (= message id)")
    status: str = Field(min_length=1, max_length=64, json_schema_extra={
        "examples": [*rs.BESLUIT_STATUSES, *rs.DSP_OUTCOMES]},
        description="Status (Besluit) of uitkomst (DSP); hoofdletters, spaties en – of - maken niet uit")
    reden: str | None = Field(None, json_schema_extra={"enum": list(rs.REDENEN_AFGESLOTEN)},
                              description="Reden melding afgesloten (alleen bij Afgesloten; verplicht "
                                          "voor Leerplicht en RMC)")
    toelichting_afsluiting: str | None = Field(
        None, json_schema_extra={"enum": list(rs.TOELICHTINGEN_AFSLUITING)},
        description="Toelichting afsluiting (alleen bij Afgesloten)")
    started_on: date | None = Field(None, description="Datum waarop de jongere startte (verplicht bij "
                                                      "Gestart bij mbo en Gestart elders)")
    contactpersoon: ContactpersoonIn | None = Field(
        None, description="Gemeentelijke contactpersoon die de melding behandelt (Besluit)")
    toelichting: str | None = Field(None, max_length=2000, description="Vrije toelichting bij de uitkomst")

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        label = rs.normalise(value)
        if label is None:
            raise ValueError(f"onbekende status; kies uit {ACCEPTED}")
        return label

    @field_validator("reden")
    @classmethod
    def _known_reden(cls, value: str | None) -> str | None:
        return _code(value, rs.REDENEN_AFGESLOTEN)

    @field_validator("toelichting_afsluiting")
    @classmethod
    def _known_toelichting(cls, value: str | None) -> str | None:
        return _code(value, rs.TOELICHTINGEN_AFSLUITING)

    def entry(self, organisation: str, reported_on: date) -> FeedbackEntry:
        """The report as it is kept."""
        contact = (rs.Contactpersoon(**self.contactpersoon.model_dump())
                   if self.contactpersoon is not None else None)
        return FeedbackEntry(self.melding_id, organisation, self.status, self.toelichting, reported_on,
                             self.reden, self.toelichting_afsluiting, self.started_on, contact)


class FeedbackOut(BaseModel):
    """The melding after the outcome was recorded (the same answer when the report is repeated)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"melding_id": MELDING_ID_EXAMPLE, "status": "afgesloten", "receiver_status": "Afgesloten",
         "organisation": "leerplicht-0344"}]})

    melding_id: str = Field(description="Id van de melding")
    status: str = Field(description="Nieuwe status van de melding in de gateway")
    receiver_status: str | None = Field(description="De gemelde status zoals de gateway hem schrijft")
    organisation: str = Field(description="De organisatie van de sleutel die de uitkomst meldde")


class OpenMeldingOut(BaseModel):
    """An open melding of the receiver: ids, rule, dates and statuses only."""

    melding_id: str = Field(description="Id van de melding (= message id)")
    school_id: str = Field(description="Id van de school die meldde")
    rule: str = Field(description="Regel uit de catalogus die de melding maakte")
    recipient: str = Field(description="Ontvanger: leerplicht, rmc, dsp of duo-ib")
    status: str = Field(description="Status van de melding in de gateway")
    receiver_status: str | None = Field(description="Laatst gemelde status van de ontvanger")
    receiver_reference: str | None = Field(description="Kenmerk van de ontvanger (ontvangstbevestiging)")
    trigger_date: date = Field(description="Dag waarop de regel afging")
    period_start: date = Field(description="Eerste dag van de verzuimperiode")
    period_end: date | None = Field(description="Laatste dag van de verzuimperiode; null als die nog loopt")
    delivered_at: datetime | None = Field(description="Moment van de ontvangstbevestiging (UTC)")


class OpenMeldingList(BaseModel):
    """A page of open meldingen, oldest first: ``total`` counts all, ``next`` links the next page."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [{"melding_id": MELDING_ID_EXAMPLE, "school_id": "25AB00", "rule": "verzuim-16u",
                   "recipient": "leerplicht", "status": "ontvangen", "receiver_status": "Geregistreerd",
                   "receiver_reference": "DUO-2026-000123", "trigger_date": "2026-09-22",
                   "period_start": "2026-09-01", "period_end": "2026-09-22",
                   "delivered_at": "2026-09-23T07:15:00Z"}],
        "total": 1, "limit": 50, "offset": 0, "next": None}]})

    items: list[OpenMeldingOut] = Field(description="De open meldingen op deze pagina")
    total: int = Field(description="Aantal open meldingen over alle pagina's")
    limit: int = Field(description="Hoogstens zoveel meldingen per pagina")
    offset: int = Field(description="Aantal overgeslagen meldingen vóór deze pagina")
    next: str | None = Field(None, json_schema_extra={"format": "uri-reference"},
                             description="Pad en query van de volgende pagina; null op de laatste")


POST_DESCRIPTION = """\
Meld de uitkomst van een melding aan uw organisatie: de status uit het Besluit Verzuimmelding met reden,
toelichting en contactpersoon, of de uitkomst van een Doorstroompunt met de startdatum. Dezelfde melding
twee keer melden verandert niets en geeft hetzelfde antwoord. Een melding buiten uw gebied of van een andere
soort ontvanger geeft 404, net als een melding die niet bestaat."""
OPEN_DESCRIPTION = """\
De meldingen aan uw organisatie die verzonden zijn en nog niet afgesloten of ingetrokken, oudste eerst,
met het totaal en de link naar de volgende pagina."""


def report_errors(body: FeedbackIn, organisation: str, today: date) -> list[FieldError]:
    """What the Besluit and seed 000 ask of a report that the body lacks or has wrongly, per field."""
    errors = [FieldError(field=f, message=m) for f, m in outcome_errors(body.status, body.entry(
        organisation, today).outcome)]
    if body.status == rs.AFGESLOTEN and body.reden is None and speaks_for_gemeente(organisation):
        errors.append(FieldError(field="reden", message=(
            f"verplicht bij status '{rs.AFGESLOTEN}' van Leerplicht of RMC (Besluit Verzuimmelding); "
            f"kies uit {', '.join(rs.REDENEN_AFGESLOTEN)}")))
    if body.status in rs.STARTED_OUTCOMES and body.started_on is None:
        errors.append(FieldError(field="started_on", message=(
            f"verplicht bij '{body.status}': de datum waarop de jongere is gestart (JJJJ-MM-DD)")))
    if body.started_on is not None and body.started_on > today:
        errors.append(FieldError(field="started_on", message=(
            f"{body.started_on:%d-%m-%Y} ligt na vandaag ({today:%d-%m-%Y}); een startdatum ligt niet "
            "in de toekomst")))
    return errors


def _invalid(errors: list[FieldError]) -> ApiProblem:
    return ApiProblem(status.HTTP_422_UNPROCESSABLE_CONTENT, VALIDATION_SLUG, VALIDATION_TITLE,
                      f"{len(errors)} fout(en), eerst in '{errors[0].field}'", errors)


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


def _known_area(organisation: str, directory: DirectoryData) -> None:
    # Before any melding is looked up, so a key without an area learns nothing about melding ids.
    if (problem := area_unknown(organisation, directory)) is not None:
        log.warning("feedback.area_unknown", organisation=organisation)
        raise ApiProblem(status.HTTP_403_FORBIDDEN, "onbekend-gebied", "Geen toegang",
                         f"{problem}; vraag de beheerder van de gateway het register bij te werken")


def _in_area(store: Store, organisation: str, melding: MeldingView, directory: DirectoryData) -> bool:
    # The woongemeente is read only for this check, only for area-bound keys, and never logged.
    if organisation_area(organisation) is None:
        return True
    with store.read() as conn:
        woongemeente = woongemeente_of(conn, melding.school_id, melding.student_id)
    return covers_woongemeente(organisation, woongemeente, directory)


def _melding_of(store: Store, organisation: str, melding_id: str, directory: DirectoryData) -> MeldingView:
    melding = get_melding(store, melding_id)
    # A melding outside the key's scope answers exactly as a missing one: melding ids are derived
    # from student, rule and dates, so a different answer would let a key probe other areas.
    if melding is None or not (may_report_on(organisation, melding.recipient, melding.rule)
                               and _in_area(store, organisation, melding, directory)):
        raise ApiProblem(status.HTTP_404_NOT_FOUND, "onbekende-melding", "Niet gevonden",
                         "geen melding met dit id voor uw organisatie")
    if melding.route is None:
        raise ApiProblem(status.HTTP_409_CONFLICT, "niet-verzonden", "Conflict",
                         "deze melding wordt niet verzonden")
    return melding


def _record(store: Store, melding: MeldingView, entry: FeedbackEntry) -> tuple[str, bool]:
    """Record and keep the report in one transaction; returns the melding's state and whether the
    report was new (False: the same report was kept before, nothing changed)."""
    values = feedback_values(store.cipher, melding.school_id, entry)
    kept: list[bool] = []

    def claim(conn: sa.Connection) -> bool:
        kept.append(keep_feedback(conn, values))
        return kept[-1]

    try:
        state = pipeline.record_feedback(store, melding.id, entry.status,
                                         actor=f"ontvanger:{entry.organisation}",
                                         detail=f"via terugkoppel-API ({entry.organisation})",
                                         outcome=entry.outcome, claim=claim)
    except IllegalTransition as exc:
        raise ApiProblem(status.HTTP_409_CONFLICT, "ongeldige-overgang", "Conflict",
                         f"melding heeft status '{melding.status}': {exc}") from exc
    except InvalidInput as exc:
        raise _invalid([FieldError(field="status", message=str(exc))]) from exc
    except GatewayError as exc:
        raise ApiProblem(status.HTTP_404_NOT_FOUND, "onbekende-melding", "Niet gevonden", str(exc)) from exc
    return state.value, bool(kept and kept[-1])


def feedback_router(directory: DirectoryData) -> APIRouter:
    """``POST /api/v1/feedback`` and ``GET /api/v1/feedback/open`` for receiver keys, scoped to their
    area in ``directory``."""
    router = APIRouter(tags=["terugkoppeling"])

    @router.post("/api/v1/feedback", response_model=FeedbackOut, summary="Uitkomst van een melding melden",
                 description=POST_DESCRIPTION,
                 responses=responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN,
                                     status.HTTP_404_NOT_FOUND, status.HTTP_409_CONFLICT,
                                     status.HTTP_422_UNPROCESSABLE_CONTENT))
    def post_feedback(body: FeedbackIn, request: Request,
                      organisation: Annotated[str, Depends(_organisation)]) -> FeedbackOut:
        """Record the outcome of a melding addressed to the caller's organisation (once per report)."""
        store = store_of(request)
        _known_area(organisation, directory)
        if errors := report_errors(body, organisation, today_of(request)):
            raise _invalid(errors)
        melding = _melding_of(store, organisation, body.melding_id, directory)
        state, new = _record(store, melding, body.entry(organisation, today_of(request)))
        log.info("feedback.recorded" if new else "feedback.repeated", melding=melding.id,
                 organisation=organisation, status=body.status)
        return FeedbackOut(melding_id=melding.id, status=state, receiver_status=body.status,
                           organisation=organisation)

    @router.get("/api/v1/feedback/open", response_model=OpenMeldingList,
                summary="Eigen open meldingen", description=OPEN_DESCRIPTION, responses=responses(
                    status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN,
                    status.HTTP_422_UNPROCESSABLE_CONTENT))
    def list_open(request: Request, organisation: Annotated[str, Depends(_organisation)],
                  limit: Annotated[int, Query(ge=1, le=OPEN_PAGE_MAX,
                                              description="Hoogstens zoveel meldingen per pagina")] = 50,
                  offset: Annotated[int, Query(ge=0, le=1_000_000,
                                               description="Zoveel meldingen overslaan")] = 0
                  ) -> OpenMeldingList:
        """The caller's meldingen that are delivered and not yet closed or withdrawn, oldest first."""
        _known_area(organisation, directory)
        page, total = open_meldingen(store_of(request), organisation, directory, limit, offset)
        following = offset + limit
        next_url = None
        if following < total:
            url = request.url.include_query_params(limit=limit, offset=following)
            next_url = f"{url.path}?{url.query}"
        return OpenMeldingList(items=[OpenMeldingOut.model_validate(m, from_attributes=True) for m in page],
                               total=total, limit=limit, offset=offset, next=next_url)

    return router
