"""The canonical model (pinned field names, DESIGN.md section 2), validated with pydantic."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.reasons import ALL_REASONS

Leerweg = Literal["BOL", "BBL", "VO"]
Status = Literal["present", "absent", "late"]


class _Canonical(BaseModel):
    # Extra fields are tolerated (vendors add their own); pinned ones are checked strictly.
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)


class Student(_Canonical):
    """A student as the rules see them, plus optional melding content (personal data)."""

    id: Annotated[str, Field(min_length=1)]
    birth_date: date
    startkwalificatie: bool = False
    leerweg: Leerweg
    niveau: Annotated[int, Field(ge=1, le=4)] | None = None
    enrolled_on: date | None = None
    first_school_day: date | None = None
    intro_attended: bool = False
    studiefinanciering: bool = False
    woongemeente: Annotated[str, Field(pattern=r"^\d{4}$")] | None = None
    doktersverklaring: bool = False
    # Melding content, optional for evaluation; personal data: encrypted at rest, never logged.
    bsn: str | None = None
    onderwijsnummer: str | None = None
    given_names: str | None = None
    family_name: str | None = None
    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    city: str | None = None
    crebo: str | None = None
    opleiding: str | None = None
    leerjaar: int | None = None


class AttendanceRecord(_Canonical):
    """One scheduled lesson of one student; a later record with the same id replaces it."""

    id: Annotated[str, Field(min_length=1)]
    student_id: Annotated[str, Field(min_length=1)]
    date: date
    start: time
    end: time
    status: Status
    reason: str | None = None
    minutes_late: Annotated[int, Field(ge=0)] | None = None

    @field_validator("reason")
    @classmethod
    def _known_reason(cls, value: str | None) -> str | None:
        if value is not None and value not in ALL_REASONS:
            raise ValueError(f"onbekende reden '{value}' (toegestaan: {', '.join(sorted(ALL_REASONS))})")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AttendanceRecord:
        if self.end <= self.start:
            raise ValueError(f"eindtijd {self.end:%H:%M} ligt niet na begintijd {self.start:%H:%M}")
        if self.status == "late" and self.minutes_late is None:
            raise ValueError("status 'late' vraagt om minutes_late")
        return self

    @property
    def minutes(self) -> int:
        """Length of the lesson in minutes."""
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


class Holiday(_Canonical):
    """A school holiday: a closed date range."""

    name: str = ""
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Holiday:
        if self.end < self.start:
            raise ValueError(f"vakantie '{self.name}' eindigt ({self.end}) voor de start ({self.start})")
        return self


class Calendar(_Canonical):
    """A school's calendar for one school year."""

    first_school_day: date
    last_school_day: date
    holidays: list[Holiday] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> Calendar:
        if self.last_school_day < self.first_school_day:
            raise ValueError("last_school_day ligt voor first_school_day")
        return self


class CaseFile(_Canonical):
    """The input of ``verzuim-gateway evaluate`` (DESIGN.md section 4)."""

    as_of: date
    profile: str = "national"
    calendar: Calendar
    students: list[Student]
    attendance: list[AttendanceRecord]
