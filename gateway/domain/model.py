"""The canonical model (pinned field names, DESIGN.md section 2), validated with pydantic."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gateway.domain.reasons import ALL_REASONS
from gateway.domain.values import (
    Bsn,
    CalendarDay,
    LocalTime,
    Onderwijsnummer,
    PhoneNumber,
    StrictBool,
    StrictInt,
    StrictStr,
)

Leerweg = Literal["BOL", "BBL", "VO"]
# Whether the student is enrolled; "ended" with ``enrolment_end`` is an uitschrijving (LPW art. 18,
# WEB art. 8.1.8), which the gateway reports to the woongemeente under the kwalificatieplicht.
EnrolmentStatus = Literal["active", "ended"]
MAX_LESLOCATIE = 80
Status = Literal["present", "absent", "late"]

# Bounds that keep dates and counts inside what the calendar arithmetic and the engine's int32
# columns handle; anything outside is a typing error in the source, refused with its field named.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
MAX_CALENDAR_DAYS = 731  # one school year, with room; a calendar is per school year
MAX_MINUTES_LATE = 24 * 60
# Store columns: students.id String(64), attendance.record_id String(128).
MAX_STUDENT_ID, MAX_RECORD_ID = 64, 128
# A gemeente is named by its CBS code: four digits (woongemeente, Leerplicht desks, the directory).
GEMEENTE_CODE_PATTERN = r"^\d{4}$"


def _in_range(value: date) -> date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"datum {value.isoformat()} ligt niet tussen {EARLIEST_YEAR} en {LATEST_YEAR}")
    return value


Day = Annotated[CalendarDay, AfterValidator(_in_range)]
StudentId = Annotated[StrictStr, Field(min_length=1, max_length=MAX_STUDENT_ID)]
Text = StrictStr | None


class _Canonical(BaseModel):
    # An unknown field is refused, not dropped: a misspelt "reasn" would otherwise leave a sick
    # pupil's lesson without its reason, i.e. ongeoorloofd. Every field has a strict type
    # (gateway.domain.values): nothing is coerced.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Student(_Canonical):
    """A student as the rules see them, plus optional melding content (personal data)."""

    id: StudentId = Field(description="Studentnummer in het administratiesysteem van de school")
    birth_date: Day = Field(description="Geboortedatum")
    startkwalificatie: StrictBool = Field(False, description="Of de student een startkwalificatie heeft")
    leerweg: Leerweg = Field(description="Leerweg: BOL, BBL of VO")
    niveau: Annotated[StrictInt, Field(ge=1, le=4)] | None = Field(None, description="Mbo-niveau (1 tot 4)")
    enrolled_on: Day | None = Field(None, description="Datum van inschrijving")
    first_school_day: Day | None = Field(
        None, description="Eerste schooldag van deze student (no-show); leeg: die van de school")
    intro_attended: StrictBool = Field(False, description="Of de student bij de introductie was (no-show)")
    studiefinanciering: StrictBool = Field(False, description="Of de student studiefinanciering krijgt")
    woongemeente: Annotated[StrictStr, Field(pattern=GEMEENTE_CODE_PATTERN)] | None = Field(
        None, description="CBS-code van de woongemeente (vier cijfers)")
    doktersverklaring: StrictBool = Field(False, description="Of er een doktersverklaring is voor ziekte")
    # Melding content, optional for evaluation; personal data: encrypted at rest, never logged.
    # BSN and onderwijsnummer are checked by the elfproef on arrival (gateway.domain.identity).
    bsn: Bsn | None = Field(None, description="Burgerservicenummer")
    onderwijsnummer: Onderwijsnummer | None = Field(None, description="Onderwijsnummer (zonder BSN)")
    given_names: Text = Field(None, description="Voornamen")
    family_name: Text = Field(None, description="Achternaam, met tussenvoegsels")
    street: Text = Field(None, description="Straat van het woonadres")
    house_number: Text = Field(None, description="Huisnummer met toevoeging")
    postcode: Text = Field(None, description="Postcode")
    city: Text = Field(None, description="Woonplaats")
    crebo: Text = Field(None, description="Crebo-code van de opleiding")
    opleiding: Text = Field(None, description="Naam van de opleiding")
    leerjaar: StrictInt | None = Field(None, description="Leerjaar")
    # Melding content the SIS may know (DESIGN.md section 6): the phone number of a parent or the
    # student (personal data), the leslocatie (one of the school's configured list).
    phone: PhoneNumber | None = Field(None, description="Telefoonnummer van een ouder of de student")
    leslocatie: Annotated[StrictStr, Field(min_length=1, max_length=MAX_LESLOCATIE)] | None = Field(
        None, description="Leslocatie, een van de locaties die de school heeft ingesteld")
    enrolment_status: EnrolmentStatus = Field("active", description="`active`, of `ended` bij uitschrijving")
    enrolment_end: Day | None = Field(None, validate_default=True,  # checked even when left out
                                      description="Datum van uitschrijving (alleen bij `ended`)")

    @field_validator("enrolment_end")
    @classmethod
    def _ends_when_ended(cls, value: date | None, info: ValidationInfo) -> date | None:
        status = info.data.get("enrolment_status")
        if status == "ended" and value is None:
            raise ValueError("enrolment_status 'ended' vraagt om de datum van uitschrijving")
        if status == "active" and value is not None:
            raise ValueError("hoort alleen bij enrolment_status 'ended'")
        return value


class AttendanceRecord(_Canonical):
    """One scheduled lesson of one student; a later record with the same id replaces it."""

    id: Annotated[StrictStr, Field(min_length=1, max_length=MAX_RECORD_ID)] = Field(
        description="Eigen id van de lesregistratie; een latere met hetzelfde id vervangt haar")
    student_id: StudentId = Field(description="Studentnummer van een aangeleverde student")
    date: Day = Field(description="Datum van de les")
    start: LocalTime  # local time, Europe/Amsterdam: "08:30", never a number or an offset
    end: LocalTime
    status: Status = Field(description="`present`, `absent` of `late`")
    reason: Text = Field(None, description="Reden van afwezigheid, een vaste code (bijvoorbeeld ziek, "
                                           "verlof, spijbelen)")
    minutes_late: Annotated[StrictInt, Field(ge=0, le=MAX_MINUTES_LATE)] | None = Field(
        None, description="Minuten te laat (verplicht bij `late`)")

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

    name: StrictStr = Field("", description="Naam, bijvoorbeeld herfstvakantie")
    start: Day = Field(description="Eerste vrije dag")
    end: Day = Field(description="Laatste vrije dag")

    @model_validator(mode="after")
    def _ordered(self) -> Holiday:
        if self.end < self.start:
            raise ValueError(f"vakantie '{self.name}' eindigt ({self.end}) voor de start ({self.start})")
        return self


class Calendar(_Canonical):
    """A school's calendar for one school year."""

    first_school_day: Day = Field(description="Eerste schooldag van het schooljaar")
    last_school_day: Day = Field(description="Laatste schooldag van het schooljaar")
    holidays: list[Holiday] = Field(default_factory=list, description="Vakanties en vrije dagen")

    @model_validator(mode="after")
    def _ordered(self) -> Calendar:
        if self.last_school_day < self.first_school_day:
            raise ValueError("last_school_day ligt voor first_school_day")
        if (self.last_school_day - self.first_school_day).days > MAX_CALENDAR_DAYS:
            raise ValueError(f"een kalender beslaat één schooljaar: van first_school_day tot "
                             f"last_school_day mag hoogstens {MAX_CALENDAR_DAYS} dagen zijn")
        return self


class CaseStudent(Student):
    """A student in a case file. DESIGN.md section 2 also names name, address and contacts as melding
    content, without a shape: ``evaluate`` is pure, so it accepts any JSON value there and keeps
    nothing. The API and adapters carry them in the structured fields above instead."""

    name: JsonValue = None
    address: JsonValue = None
    contacts: JsonValue = None


class CaseFile(_Canonical):
    """The input of ``verzuim-gateway evaluate`` (DESIGN.md section 4)."""

    as_of: Day | None = None  # may come from ``--as-of`` instead
    profile: StrictStr = "national"
    calendar: Calendar
    students: list[CaseStudent]
    attendance: list[AttendanceRecord]
