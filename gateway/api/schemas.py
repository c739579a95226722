"""Request and response bodies of the push API, with OpenAPI examples.

The bodies carry the canonical model (DESIGN.md section 2) as is: a vendor that pushes here gets
exactly what an adapter gets, because every push becomes a ``SourceBatch`` for ``pipeline.ingest``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from gateway.domain.model import AttendanceRecord, Calendar, Holiday, Student
from gateway.domain.ports import SourceBatch

MAX_STUDENTS = 20_000
MAX_RECORDS = 100_000
MAX_CALENDAR_DAYS = 400

STUDENT_EXAMPLE: dict[str, Any] = {
    "id": "25AB-100001", "birth_date": "2010-03-01", "startkwalificatie": False, "leerweg": "BOL",
    "niveau": 2, "enrolled_on": "2026-05-01", "intro_attended": False, "studiefinanciering": False,
    "woongemeente": "0344", "doktersverklaring": False, "phone": "06-12345678",
    "leslocatie": "Hoofdlocatie Stationsplein", "enrolment_status": "active",
}
ENDED_STUDENT_EXAMPLE: dict[str, Any] = {
    **STUDENT_EXAMPLE, "id": "25AB-100002", "enrolment_status": "ended", "enrolment_end": "2026-10-30",
}
RECORD_EXAMPLE: dict[str, Any] = {
    "id": "les-2026-09-01-1-100001", "student_id": "25AB-100001", "date": "2026-09-01", "start": "08:30",
    "end": "10:00", "status": "absent", "reason": None,
}
CALENDAR_EXAMPLE: dict[str, Any] = {
    "first_school_day": "2026-08-31", "last_school_day": "2027-07-16",
    "holidays": [{"name": "herfstvakantie", "start": "2026-10-19", "end": "2026-10-23"}],
}

RecordId = Annotated[str, Field(min_length=1, max_length=200)]


def _assume_utc(value: Any) -> Any:
    """The store keeps naive UTC: an answer states the zone (``...Z``), as the OpenAPI promises."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(moment, datetime) and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


Instant = Annotated[AwareDatetime, BeforeValidator(_assume_utc)]


class StudentsIn(BaseModel):
    """Students to add or update (matched by ``id``). Besides the rule facts a student may carry
    what a melding needs from the SIS: ``phone`` (a parent's or the student's), ``leslocatie`` (one
    of the school's configured leslocaties), and ``enrolment_status`` ``ended`` with ``enrolment_end``
    for an uitschrijving."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"students": [STUDENT_EXAMPLE, ENDED_STUDENT_EXAMPLE]}]})

    students: list[Student] = Field(min_length=1, max_length=MAX_STUDENTS,
                                    description=f"De studenten, 1 tot {MAX_STUDENTS} per levering; gekoppeld "
                                                "op `id`")


class CalendarIn(Calendar):
    """The school's calendar for the school year (replaces the previous one)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CALENDAR_EXAMPLE]})

    holidays: list[Holiday] = Field(default_factory=list, max_length=60,
                                    description="Vakanties en vrije dagen in het schooljaar (hoogstens 60)")

    @model_validator(mode="after")
    def _one_school_year(self) -> CalendarIn:
        if (self.last_school_day - self.first_school_day).days > MAX_CALENDAR_DAYS:
            raise ValueError(f"een kalender beslaat één schooljaar (hoogstens {MAX_CALENDAR_DAYS} dagen)")
        return self


class AttendanceIn(BaseModel):
    """Attendance records to add or replace (by ``id``; one id at most once per body), and ids of
    records delivered earlier that no longer exist."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"records": [RECORD_EXAMPLE], "withdrawn_record_ids": [], "cursor": "2026-09-01T18:00"}]})

    records: list[AttendanceRecord] = Field(
        default_factory=list, max_length=MAX_RECORDS,
        description="Lesregistraties om toe te voegen of te vervangen (op `id`; elk id hoogstens één keer)")
    withdrawn_record_ids: list[RecordId] = Field(
        default_factory=list, max_length=MAX_RECORDS,
        description="Ids van eerder aangeleverde lesregistraties die niet meer bestaan")
    cursor: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="Eigen positiemarkering van de leverancier; bewaard als de cursor van een adapter")


def students_batch(body: StudentsIn) -> SourceBatch:
    """The batch an adapter would yield with these students."""
    return SourceBatch(students=list(body.students))


def calendar_batch(body: CalendarIn) -> SourceBatch:
    """The batch an adapter would yield with this calendar."""
    return SourceBatch(calendar=Calendar.model_validate(body.model_dump()))


def attendance_batch(body: AttendanceIn) -> SourceBatch:
    """The batch an adapter would yield with these records."""
    return SourceBatch(records=list(body.records), withdrawn_record_ids=list(body.withdrawn_record_ids),
                       cursor=body.cursor)


class EvaluationOut(BaseModel):
    """What the evaluation after an accepted push did."""

    as_of: date = Field(description="De dag waarop de regels zijn toegepast (vandaag in Europe/Amsterdam)")
    students_evaluated: int = Field(0, description="Aantal studenten waarop de regels opnieuw zijn toegepast")
    meldingen_created: int = Field(0, description="Aantal nieuwe meldingen")
    meldingen_withdrawn: int = Field(0, description="Aantal ingetrokken meldingen")
    error: str | None = Field(None, description="Gezet als de evaluatie niet kon draaien; de gegevens zijn "
                                                "wel opgeslagen")


class IngestOut(BaseModel):
    """The outcome of an accepted push (a rejected one is a 422 problem listing every record)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "accepted": True, "batch_seq": 12, "new": 40, "changed": 2, "unchanged": 0, "withdrawn": 0,
        "students_changed": 3, "evaluation": {"as_of": "2026-09-02", "students_evaluated": 3,
                                              "meldingen_created": 1, "meldingen_withdrawn": 0}}]})

    accepted: bool = Field(description="Altijd true: een afgewezen levering is een 422-probleem")
    batch_seq: int | None = Field(description="Volgnummer van de opgeslagen levering")
    new: int = Field(description="Aantal nieuwe records")
    changed: int = Field(description="Aantal gewijzigde records")
    unchanged: int = Field(description="Aantal ongewijzigde records")
    withdrawn: int = Field(description="Aantal ingetrokken lesregistraties")
    students_changed: int = Field(description="Aantal studenten van wie regelgegevens veranderden")
    evaluation: EvaluationOut | None = Field(
        None, description="Wat de evaluatie na de levering deed; null als er geen student veranderde of "
                          "de gateway niet direct evalueert")


class Health(BaseModel):
    """Liveness."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: str = Field("ok", description="Altijd \"ok\" zolang de gateway draait")
