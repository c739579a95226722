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

    students: list[Student] = Field(min_length=1, max_length=MAX_STUDENTS)


class CalendarIn(Calendar):
    """The school's calendar for the school year (replaces the previous one)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CALENDAR_EXAMPLE]})

    holidays: list[Holiday] = Field(default_factory=list, max_length=60)

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

    records: list[AttendanceRecord] = Field(default_factory=list, max_length=MAX_RECORDS)
    withdrawn_record_ids: list[RecordId] = Field(default_factory=list, max_length=MAX_RECORDS)
    cursor: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="The vendor's own position marker, stored like an adapter's cursor")


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

    as_of: date
    students_evaluated: int = 0
    meldingen_created: int = 0
    meldingen_withdrawn: int = 0
    error: str | None = Field(None, description="Set when the evaluation could not run; the data is stored")


class IngestOut(BaseModel):
    """The outcome of an accepted push (a rejected one is a 422 problem listing every record)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "accepted": True, "batch_seq": 12, "new": 40, "changed": 2, "unchanged": 0, "withdrawn": 0,
        "students_changed": 3, "evaluation": {"as_of": "2026-09-02", "students_evaluated": 3,
                                              "meldingen_created": 1, "meldingen_withdrawn": 0}}]})

    accepted: bool
    batch_seq: int | None
    new: int
    changed: int
    unchanged: int
    withdrawn: int
    students_changed: int
    evaluation: EvaluationOut | None = None


class Health(BaseModel):
    """Liveness."""

    status: str = "ok"
