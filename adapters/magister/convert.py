"""Magister items to canonical students and attendance records.

Magister dates are UTC instants of *local* midnight (``2026-08-31T22:00:00.0000000Z`` is 1 September
in Amsterdam): every date and time is read in Europe/Amsterdam. An absence item's ``Start`` is that
midnight; the lesson (``Afspraak``) carries the real times. Nothing in an item says how late a
student was (no arrival time, no minutes), so a late registration counts as the school's
``[defaults] late_minutes`` of the code table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from gateway.domain.calendar import AMSTERDAM
from gateway.domain.errors import InvalidInput
from gateway.domain.model import AttendanceRecord, Student
from gateway.domain.ports import SourceProblem
from gateway.domain.values import is_phone_number
from gateway.intake.mapping import LATE, NOT_VERZUIM, CodeMapping, Kind, UnmappedCode, late_minutes


def local(value: Any, where: str) -> datetime:
    """A Magister timestamp (ISO 8601, UTC ``Z``, 7 fractional digits) in Europe/Amsterdam."""
    if not isinstance(value, str):
        raise InvalidInput(f"verwacht een tijdstip, kreeg {value!r}", where=where)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"'{value}' is geen tijdstip", where=where) from exc
    if moment.tzinfo is None:  # naive: Magister means UTC
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(AMSTERDAM)


def local_date(value: Any, where: str) -> date:
    """The Amsterdam calendar date of a Magister timestamp (never the UTC date)."""
    return local(value, where).date()


def _opt_date(value: Any, where: str) -> date | None:
    return None if value in (None, "") else _personal_date(value, where)


def _personal_date(value: Any, where: str) -> date:
    """A student's date; a malformed one is reported without its value (personal data)."""
    try:
        return local_date(value, where)
    except InvalidInput as exc:
        raise InvalidInput("geen geldige datum", where=where) from exc


def _reason(kind: Kind, item: dict[str, Any], mapping: CodeMapping, where: str) -> str | None:
    """The item's mapped code, where it can change what the lesson counts as. A lesson counted as
    present does not need it; for a late arrival it only tells an authorised one apart, and an
    item Magister marks not geoorloofd already says that."""
    if kind == "ignore":
        return None
    try:
        return mapping.reason(item.get("Code"), where)
    except UnmappedCode:
        if kind == "present" or (kind == "late" and item.get("Geoorloofd") is False):
            return None
        raise


# Inschrijving.Status values that mean the enrolment has ended (an uitschrijving), in lower case.
ENDED_STATUSES = frozenset({"beëindigd", "beeindigd", "uitgeschreven"})


def phone_of(item: dict[str, Any], where: str) -> str | None:
    """The first number in ``Telefoonnummers`` (a parent's or the student's, as the school lists
    them); a malformed one raises ``InvalidInput`` naming the field, never its value."""
    numbers = item.get("Telefoonnummers")
    if numbers in (None, []):
        return None
    entries = numbers if isinstance(numbers, list) else [numbers]
    for entry in entries:
        value = entry.get("Nummer") if isinstance(entry, dict) else entry
        if value in (None, ""):
            continue
        if not isinstance(value, str) or not is_phone_number(value.strip()):
            raise InvalidInput("Telefoonnummers: geen geldig telefoonnummer (10 tot 15 cijfers, eventueel "
                               "met +, spaties of streepjes); leerling tegengehouden", where=where)
        return value.strip()
    return None


def leslocatie_of(item: dict[str, Any]) -> Any:
    """The name of the student's ``Locatie`` (an object with ``Omschrijving``, or a plain name)."""
    locatie = item.get("Locatie")
    if isinstance(locatie, dict):
        locatie = locatie.get("Omschrijving")
    return locatie or None


@dataclass(frozen=True)
class Enrolment:
    """What ``Inschrijving`` says: since when, and whether (and when) it ended."""

    enrolled_on: date | None
    status: str
    end: date | None


def enrolment_of(item: dict[str, Any], where: str, today: date) -> Enrolment:
    """The ``Inschrijving`` (``Begindatum``, ``Einddatum``, ``Status``); older lists have only
    ``Inschrijfdatum``. It has ended once its Einddatum lies before ``today`` or its Status says so."""
    inschrijving = item.get("Inschrijving")
    if inschrijving is None:
        inschrijving = {}
    if not isinstance(inschrijving, dict):
        raise InvalidInput("Inschrijving is geen object; leerling tegengehouden", where=where)
    begin = inschrijving.get("Begindatum", item.get("Inschrijfdatum"))
    enrolled_on = _opt_date(begin, f"{where}, Inschrijving.Begindatum")
    end = _opt_date(inschrijving.get("Einddatum"), f"{where}, Inschrijving.Einddatum")
    said_ended = str(inschrijving.get("Status") or "").strip().lower() in ENDED_STATUSES
    if said_ended and end is None:
        raise InvalidInput("Inschrijving: status beëindigd zonder Einddatum; leerling tegengehouden",
                           where=where)
    if said_ended or (end is not None and end < today):
        return Enrolment(enrolled_on, "ended", end)
    return Enrolment(enrolled_on, "active", None)  # an end still to come is not an uitschrijving yet


def tenant_prefix(brin: str) -> str:
    """The start every record id of one tenant (school) shares."""
    return f"magister:{brin}:"


def person_prefix(brin: str, person_id: int) -> str:
    """The start every record id of one person shares."""
    return f"{tenant_prefix(brin)}{person_id}:"


def record_id(brin: str, person_id: int, afspraak_id: int) -> str:
    """Stable record id: one lesson of one person (a correction keeps it; see DESIGN.md section 2)."""
    return f"{person_prefix(brin, person_id)}{afspraak_id}"


def to_student(item: dict[str, Any], brin: str, today: date | None = None) -> Student:
    """A ``leerlingen`` item as a canonical student; raises ``InvalidInput`` naming the field.
    ``today`` (the adapter's clock) decides whether the Einddatum of the Inschrijving has passed."""
    number = str(item.get("Stamnummer") or "").strip()
    where = f"leerling {number or item.get('Id')}"
    if not number:
        raise InvalidInput("Stamnummer ontbreekt", where=where)
    enrolment = enrolment_of(item, where, today or date.today())
    try:
        return Student(
            id=f"{brin}-{number}",
            birth_date=_personal_date(item.get("Geboortedatum"), f"{where}, Geboortedatum"),
            startkwalificatie=bool(item.get("Startkwalificatie", False)),
            leerweg=item.get("Leerweg"),
            niveau=item.get("Niveau"),
            enrolled_on=enrolment.enrolled_on,
            enrolment_status=enrolment.status,
            enrolment_end=enrolment.end,
            first_school_day=_opt_date(item.get("EersteLesdag"), f"{where}, EersteLesdag"),
            intro_attended=bool(item.get("IntroBijgewoond", False)),
            studiefinanciering=bool(item.get("Studiefinanciering", False)),
            woongemeente=item.get("Woongemeente"),
            doktersverklaring=bool(item.get("Doktersverklaring", False)),
            given_names=item.get("Roepnaam"),
            family_name=item.get("Achternaam"),
            crebo=item.get("Crebo"),
            leerjaar=item.get("Leerjaar"),
            onderwijsnummer=item.get("Onderwijsnummer") or None,
            phone=phone_of(item, where),
            leslocatie=leslocatie_of(item),
        )
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise InvalidInput(f"ongeldige velden: {fields}", where=where) from exc


@dataclass(frozen=True)
class Person:
    """Whose lessons are joined: the tenant's BRIN, Magister's person id, the canonical student id."""

    brin: str
    person_id: int
    student_id: str

    def record_id(self, afspraak_id: int) -> str:
        """The record id of one of this person's lessons."""
        return record_id(self.brin, self.person_id, afspraak_id)


# What a pull remembers of a lesson that was not plain present (absent or late), so a later pull
# that reads only the absence items of a day can tell what changed: day, start, end (ISO), status,
# reason, minutes late.
Mark = tuple[str, str, str, str, str | None, int | None]


def mark_of(record: AttendanceRecord) -> Mark:
    """The remembered shape of a record (see ``Mark``)."""
    return (record.date.isoformat(), record.start.isoformat(timespec="minutes"),
            record.end.isoformat(timespec="minutes"), record.status, record.reason, record.minutes_late)


def present_again(person: Person, record_id: str, mark: Mark) -> AttendanceRecord:
    """The record of a lesson whose absence was removed: present, at the times remembered."""
    day, start, end = date.fromisoformat(mark[0]), time.fromisoformat(mark[1]), time.fromisoformat(mark[2])
    return AttendanceRecord(id=record_id, student_id=person.student_id, date=day, start=start, end=end,
                            status="present")


@dataclass
class PersonResult:
    """The records of one person's window, plus what was held back. ``marks``: every lesson of the
    window that is absent or late now (by record id), for the next pull to compare against."""

    records: list[AttendanceRecord] = field(default_factory=list)
    held_ids: set[str] = field(default_factory=set)
    problems: list[SourceProblem] = field(default_factory=list)
    marks: dict[str, Mark] = field(default_factory=dict)


@dataclass(frozen=True)
class _Absence:
    """An absence item that is verzuim, with the kind and reason its codes map to."""

    item: dict[str, Any]
    kind: Kind
    reason: str | None

    def fields(self, minutes_late: int) -> dict[str, Any]:
        """What the item makes of its lesson: late, absent, or (a kind that counts as present) present."""
        if self.kind == "late" or self.reason == LATE:
            return {"status": "late", "minutes_late": minutes_late,
                    "reason": None if self.reason == LATE else self.reason}
        if self.kind == "absent":
            return {"status": "absent", "reason": self.reason or "onbekend"}
        return {"status": "present"}


def _lesson_times(afspraak: dict[str, Any], where: str) -> tuple[date, time, time]:
    start = local(afspraak.get("Start"), f"{where}, Afspraak.Start")
    end = local(afspraak.get("Einde"), f"{where}, Afspraak.Einde")
    return start.date(), start.time().replace(tzinfo=None), end.time().replace(tzinfo=None)


@dataclass
class _PersonJoin:
    """One person's lessons and absence items on their way to records."""

    person: Person
    mapping: CodeMapping
    result: PersonResult = field(default_factory=PersonResult)
    lessons: dict[int, dict[str, Any]] = field(default_factory=dict)
    absences: dict[int, _Absence] = field(default_factory=dict)  # by AfspraakId: the latest item wins

    def add_absence(self, item: dict[str, Any]) -> None:
        """Take in one absence item: its lesson (when embedded) and, when it is verzuim, its meaning."""
        where = f"absentie {item.get('Id')} van {self.person.student_id}"
        embedded = item.get("Afspraak") if isinstance(item.get("Afspraak"), dict) else None
        afspraak_id = item.get("AfspraakId") or (embedded or {}).get("Id")
        if not isinstance(afspraak_id, int):
            self.result.problems.append(SourceProblem(
                where=where, message="absentie zonder les (AfspraakId); tegengehouden"))
            return
        if embedded is not None:
            self.lessons.setdefault(afspraak_id, embedded)
        try:
            kind = self.mapping.kind(str(item.get("Verantwoordingtype")), where)
            reason = _reason(kind, item, self.mapping, where)
        except UnmappedCode as exc:
            rid = self.person.record_id(afspraak_id)
            self.result.problems.append(SourceProblem(where=exc.where or where, message=str(exc),
                                                      record_id=rid))
            self.result.held_ids.add(rid)
            self.absences.pop(afspraak_id, None)
            return
        if kind != "ignore" and reason != NOT_VERZUIM:  # homework or books forgotten: not verzuim
            self.absences[afspraak_id] = _Absence(item, kind, reason)

    def add_record(self, afspraak_id: int, *, minutes_late: int, until: date) -> None:
        """The record of one lesson up to ``until``; a lesson that cannot be read is held back."""
        rid = self.person.record_id(afspraak_id)
        if rid in self.result.held_ids:
            return
        where = f"les {afspraak_id} van {self.person.student_id}"
        absence = self.absences.get(afspraak_id)
        try:
            day, start, end = _lesson_times(self.lessons[afspraak_id], where)
            if absence is not None:  # the item's Start is the lesson's local midnight
                day = local_date(absence.item.get("Start"), f"absentie {absence.item.get('Id')}, Start")
            if day > until:
                return
            fields = absence.fields(minutes_late) if absence is not None else {"status": "present"}
            self.result.records.append(AttendanceRecord(
                id=rid, student_id=self.person.student_id, date=day, start=start, end=end, **fields))
        except (InvalidInput, ValidationError) as exc:
            self.result.problems.append(SourceProblem(where=where, message=str(exc), record_id=rid))
            self.result.held_ids.add(rid)


def person_records(  # noqa: PLR0913  the person, the two item lists, and how much is new
    person: Person, *, afspraken: list[dict[str, Any]], absenties: list[dict[str, Any]],
    mapping: CodeMapping, until: date, lessons_from: date | None = None,
    marked: dict[str, Mark] | None = None,
) -> PersonResult:
    """Join lessons and absence items: each lesson up to ``until`` is one record, present unless an
    absence (that is verzuim) names it. An unmapped kind, or an unmapped code on an absence (or on
    an authorised late arrival), holds the lesson back as a problem.

    A daily pull reads lessons only from ``lessons_from`` on, and absence items for its whole
    window: before ``lessons_from`` a record is yielded only when it differs from what the previous
    pull left (``marked``: that person's absent or late lessons then, by record id), including an
    absence since removed (present again)."""
    join = _PersonJoin(person, mapping)
    join.lessons = {a["Id"]: a for a in afspraken
                    if isinstance(a.get("Id"), int) and not a.get("DuurtHeleDag")}  # whole days: no lesson
    for item in sorted(absenties, key=lambda i: i.get("Id") or 0):
        join.add_absence(item)
    minutes = late_minutes(mapping)
    for afspraak_id in sorted(join.lessons):
        join.add_record(afspraak_id, minutes_late=minutes, until=until)
    result = join.result
    result.marks = {r.id: mark_of(r) for r in result.records if r.status != "present"}
    if lessons_from is None:
        return result
    known = marked or {}
    first = lessons_from.isoformat()
    old = {r.id for r in result.records if r.date < lessons_from}
    result.records = [r for r in result.records
                      if r.date >= lessons_from or result.marks.get(r.id) != known.get(r.id)]
    for rid, mark in sorted(known.items()):  # absent before, no absence item now: present again
        if mark[0] < first and rid not in old and rid not in result.held_ids:
            result.records.append(present_again(person, rid, mark))
    for rid in result.held_ids & known.keys():  # held back: what the school had stays remembered
        result.marks[rid] = known[rid]
    return result
