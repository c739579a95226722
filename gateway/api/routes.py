"""Routers of the push API: vendors push students, calendars and attendance; read meldingen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import structlog
from fastapi import APIRouter, Body, Depends, Path, Query, Request, status

from gateway import pipeline
from gateway.api.app_state import store_of, today_of
from gateway.api.auth import authorised_school
from gateway.api.melding_query import MeldingFilter, check_filter, count_meldingen, next_link
from gateway.api.melding_schemas import MeldingList, MeldingOut
from gateway.api.melding_work import add_melding_work, melding_or_404
from gateway.api.problems import (
    MAX_FIELD_ERRORS,
    VALIDATION_SLUG,
    VALIDATION_TITLE,
    ApiProblem,
    FieldError,
    responses,
)
from gateway.api.schemas import (
    AttendanceIn,
    CalendarIn,
    EvaluationOut,
    IngestOut,
    StudentsIn,
    attendance_batch,
    calendar_batch,
    students_batch,
)
from gateway.domain.errors import ConfigurationError, GatewayError
from gateway.domain.ports import SourceBatch
from gateway.intake.batch_checks import Rejection
from gateway.store import list_meldingen

log = structlog.get_logger(__name__)

School = Annotated[str, Depends(authorised_school)]
SourceName = Annotated[str, Query(pattern=r"^[a-z][a-z0-9-]{0,31}$",
                                  description="Naam van het aanleverende systeem (de bron van de levering)",
                                  examples=["magister-push"])]
PUSH_ERRORS = responses(status.HTTP_400_BAD_REQUEST, status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN,
                        status.HTTP_404_NOT_FOUND, status.HTTP_413_CONTENT_TOO_LARGE,
                        status.HTTP_422_UNPROCESSABLE_CONTENT)
STUDENTS_DESCRIPTION = """\
Voeg studenten toe of werk ze bij (gekoppeld op `id`); persoonsgegevens worden versleuteld opgeslagen.
Een student die een melding kan krijgen (jonger dan 23 zonder startkwalificatie, of met
studiefinanciering) heeft een BSN of onderwijsnummer nodig. Alles of niets: een afgewezen levering is
een 422 die elk veld noemt, en dan is er niets opgeslagen."""
CALENDAR_DESCRIPTION = """\
Leg de schoolkalender van het schooljaar vast: eerste en laatste schooldag en de vakanties. Vervangt de
vorige kalender."""
ATTENDANCE_DESCRIPTION = """\
Voeg lesregistraties toe of vervang ze (op `id`) en trek verdwenen registraties in; alles of niets.
Afgewezen: een id twee keer in één levering, een les na morgen, of een ingetrokken id dat nooit is
aangeleverd. Na een geaccepteerde levering past de gateway de verzuimregels toe."""
LIST_DESCRIPTION = """\
De meldingen van de school, nieuwste aanleiding eerst, met het totaal en de link naar de volgende pagina.
Een onbekende status of regel geeft 422 (en niet stilletjes een lege lijst)."""


def _refuse(rejected: Sequence[Rejection]) -> ApiProblem:
    """The 422 problem of a refused batch, naming each field (``records[3].date``)."""
    errors = [FieldError(field=r.field or ("records" if r.record_id else "calendar"), message=r.reason)
              for r in rejected]
    return ApiProblem(status.HTTP_422_UNPROCESSABLE_CONTENT, "batch-afgewezen", "Batch afgewezen",
                      f"{len(errors)} record(s) niet te verwerken; er is niets opgeslagen",
                      errors[:MAX_FIELD_ERRORS])


def _evaluate(request: Request, school_id: str) -> EvaluationOut | None:
    if not request.app.state.evaluate_on_push:
        return None
    as_of = today_of(request)
    try:
        result = pipeline.evaluate(store_of(request), school_id, as_of=as_of, actor="push-api")
    except ConfigurationError as exc:
        return EvaluationOut(as_of=as_of, error=str(exc))
    except Exception as exc:
        log.exception("api.evaluation_failed", school_id=school_id)
        return EvaluationOut(as_of=as_of, error=f"evaluatie mislukt ({type(exc).__name__})")
    return EvaluationOut(as_of=as_of, students_evaluated=result.students_evaluated,
                         meldingen_created=len(result.created), meldingen_withdrawn=len(result.withdrawn))


def _ingest(request: Request, school_id: str, source: str, batch: SourceBatch) -> IngestOut:
    try:
        result = pipeline.ingest(store_of(request), school_id, source=source, batch=batch,
                                 actor=f"api:{source}", as_of=today_of(request), strict_withdrawals=True)
    except ConfigurationError as exc:
        raise ApiProblem(status.HTTP_404_NOT_FOUND, "onbekende-school", "Niet gevonden", str(exc)) from exc
    except GatewayError as exc:
        raise ApiProblem(status.HTTP_422_UNPROCESSABLE_CONTENT, VALIDATION_SLUG, VALIDATION_TITLE,
                         str(exc)) from exc
    if not result.accepted:
        raise _refuse(result.rejected)
    log.info("api.ingested", school_id=school_id, source=source, batch_seq=result.batch_seq,
             new=result.new, changed=result.changed, withdrawn=result.withdrawn)
    return IngestOut(accepted=True, batch_seq=result.batch_seq, new=result.new, changed=result.changed,
                     unchanged=result.unchanged, withdrawn=result.withdrawn,
                     students_changed=len(result.students_changed),
                     evaluation=_evaluate(request, school_id) if result.students_changed else None)


def push_router() -> APIRouter:
    """Vendors push students, calendars and attendance batches for one school."""
    router = APIRouter(prefix="/api/v1/schools/{school_id}", tags=["aanlevering"])

    @router.post("/students", response_model=IngestOut, responses=PUSH_ERRORS,
                 summary="Studenten toevoegen of bijwerken", description=STUDENTS_DESCRIPTION)
    def put_students(school_id: School, request: Request, body: Annotated[StudentsIn, Body()],
                     source: SourceName = "push") -> IngestOut:
        """Add or update students (matched by id); personal data is stored encrypted. A student who
        could get a melding (younger than 23 without startkwalificatie, or with studiefinanciering)
        needs a BSN or an onderwijsnummer."""
        return _ingest(request, school_id, source, students_batch(body))

    @router.put("/calendar", response_model=IngestOut, responses=PUSH_ERRORS,
                summary="Schoolkalender vastleggen", description=CALENDAR_DESCRIPTION)
    def put_calendar(school_id: School, request: Request, body: Annotated[CalendarIn, Body()],
                     source: SourceName = "push") -> IngestOut:
        """Set the school's calendar for the school year."""
        return _ingest(request, school_id, source, calendar_batch(body))

    @router.post("/attendance", response_model=IngestOut, responses=PUSH_ERRORS,
                 summary="Aanwezigheid aanleveren", description=ATTENDANCE_DESCRIPTION)
    def post_attendance(school_id: School, request: Request, body: Annotated[AttendanceIn, Body()],
                        source: SourceName = "push") -> IngestOut:
        """Add or replace attendance records (by id) and withdraw vanished ones; all or nothing. Refused:
        an id twice in the body, a lesson after tomorrow, a withdrawn id never delivered."""
        return _ingest(request, school_id, source, attendance_batch(body))

    return router


def meldingen_router() -> APIRouter:
    """Read a school's meldingen and their status; fill in, approve and file them
    (``gateway.api.melding_work``)."""
    router = APIRouter(prefix="/api/v1/schools/{school_id}/meldingen", tags=["meldingen"])

    @router.get("", response_model=MeldingList, summary="Meldingen", description=LIST_DESCRIPTION,
                responses=responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN,
                                    status.HTTP_422_UNPROCESSABLE_CONTENT))
    def list_(school_id: School, request: Request, query: Annotated[MeldingFilter, Depends()]) -> MeldingList:
        """Meldingen of the school, newest trigger date first, with the total and the next page's link."""
        check_filter(query)
        views = list_meldingen(store_of(request), school_id, status=query.status, student_id=query.student_id,
                               rule=query.rule, kind=query.kind, limit=query.limit, offset=query.offset)
        total = count_meldingen(store_of(request), school_id, query)
        return MeldingList(items=[MeldingOut.of(v) for v in views], total=total,
                           limit=query.limit, offset=query.offset, next=next_link(request, query, total))

    @router.get("/{melding_id}", response_model=MeldingOut, summary="Eén melding en haar status",
                description="Eén melding van de school, met de status van verzending en ontvanger en de "
                            "velden die nog ontbreken. Een melding van een andere school geeft 404.",
                responses=responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN,
                                    status.HTTP_404_NOT_FOUND, status.HTTP_422_UNPROCESSABLE_CONTENT))
    def get_melding_(school_id: School, request: Request,
                     melding_id: Annotated[str, Path(min_length=1, max_length=100,
                                                     description="Id van de melding")]) -> MeldingOut:
        """One melding of the school, with its delivery and receiver status and what it still misses."""
        return MeldingOut.of(melding_or_404(request, school_id, melding_id))

    add_melding_work(router)
    return router
