"""Joining Eduarte absence reports (periods) and lesson observations into canonical records.

Each observation (``waarneming``) of a lesson is one record: ``Aanwezig`` is present (or late when a
te-laat report covers it), ``Afwezig`` takes the reason of the report that covers the lesson (the
linked one, else the latest covering report; none: ``onbekend``), ``Nvt`` is no scheduled attendance
and yields no record. Reports may be whole days (``00:00``-``23:59``), lesuren on one day, or
open-ended (no end date). A report row that cannot be read may be the one that explains an absent
lesson, so the absent lessons it could cover are held back rather than taken as ``onbekend``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import ValidationError

from adapters.eduarte.exports import parse_bool, parse_date, parse_time
from gateway.domain.model import AttendanceRecord, Student
from gateway.domain.ports import SourceProblem
from gateway.intake.mapping import LATE, NOT_VERZUIM, CodeMapping, Kind, UnmappedCode, late_minutes

END_OF_DAY = time(23, 59, 59)
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Period:
    """The time a report covers: from ``start`` to ``end`` (None: open-ended), or lesuren on one day."""

    start: datetime
    end: datetime | None
    first_lesuur: int | None
    last_lesuur: int | None

    def covers(self, day: date, start: time, end: time, lesuur: int | None) -> bool:
        """True when the lesson on ``day`` from ``start`` to ``end`` falls in this period."""
        if self.first_lesuur is not None and lesuur is not None:
            last = self.last_lesuur if self.last_lesuur is not None else self.first_lesuur
            return day == self.start.date() and self.first_lesuur <= lesuur <= last
        lesson_start, lesson_end = datetime.combine(day, start), datetime.combine(day, end)
        return self.start < lesson_end and (self.end is None or self.end > lesson_start)


@dataclass(frozen=True)
class Melding(Period):
    """An absence report: a period with a reason."""

    id: str
    number: str
    code: str
    handled: bool
    where: str


@dataclass(frozen=True)
class BrokenMelding:
    """A report row that could not be read: what is known of whom and when it covers."""

    number: str | None  # None: the student is unknown, so it could be anyone's
    period: Period | None  # None: the period is unknown, so it could cover any lesson
    where: str

    def could_cover(self, w: Waarneming) -> bool:
        """True when this report might be the one that explains observation ``w``."""
        if self.number is not None and self.number != w.number:
            return False
        return self.period is None or self.period.covers(w.day, w.start, w.end, w.lesuur)


@dataclass(frozen=True)
class Waarneming:
    """One lesson observation."""

    id: str
    number: str
    day: date
    start: time
    end: time
    lesuur: int | None
    soort: str
    melding_id: str | None
    where: str


def _opt_int(value: str) -> int | None:
    return int(value) if value.strip() else None


def parse_period(values: dict[str, str]) -> Period:
    """The period of a report row; whole days when no times are given, open-ended without an end date."""
    begin_day = parse_date(values["begindatum"])
    begin_time = parse_time(values["begintijd"]) if values["begintijd"] else time(0)
    end: datetime | None = None
    if values["einddatum"]:
        end_time = parse_time(values["eindtijd"]) if values["eindtijd"] else END_OF_DAY
        if end_time in (time(23, 59), END_OF_DAY):
            end_time = END_OF_DAY  # whole day, inclusive
        end = datetime.combine(parse_date(values["einddatum"]), end_time)
    start = datetime.combine(begin_day, begin_time)
    if end is not None and end <= start:
        raise ValueError(f"einde {end:%d-%m-%Y %H:%M} ligt niet na begin {start:%d-%m-%Y %H:%M}")
    return Period(start=start, end=end, first_lesuur=_opt_int(values["beginlesuur"]),
                  last_lesuur=_opt_int(values["eindlesuur"]))


def parse_melding(values: dict[str, str], where: str) -> Melding:
    """A report row: its period, reason and handled flag."""
    if not values["id"] or not values["deelnemernummer"]:
        raise ValueError("id of deelnemernummer ontbreekt")
    period = parse_period(values)
    return Melding(start=period.start, end=period.end, first_lesuur=period.first_lesuur,
                   last_lesuur=period.last_lesuur, id=values["id"], number=values["deelnemernummer"],
                   code=values["reden"], handled=parse_bool(values["afgehandeld"]), where=where)


def broken_melding(values: dict[str, str], where: str, *, readable: bool) -> BrokenMelding:
    """What a report row that failed to parse may still cover. Only a row whose fields could be
    split (``readable``) is trusted for its period; its student number is taken as given."""
    period: Period | None = None
    if readable:
        try:
            period = parse_period(values)
        except (ValueError, KeyError):
            period = None
    return BrokenMelding(number=values.get("deelnemernummer") or None, period=period, where=where)


def parse_waarneming(values: dict[str, str], where: str) -> Waarneming:
    """An observation row."""
    if not values["id"] or not values["deelnemernummer"]:
        raise ValueError("id of deelnemernummer ontbreekt")
    start, end = parse_time(values["begintijd"]), parse_time(values["eindtijd"])
    if end <= start:
        raise ValueError(f"eindtijd {end:%H:%M} ligt niet na begintijd {start:%H:%M}")
    return Waarneming(id=values["id"], number=values["deelnemernummer"], day=parse_date(values["datum"]),
                      start=start, end=end, lesuur=_opt_int(values["lesuur"]), soort=values["soort"],
                      melding_id=values["absentiemelding"] or None, where=where)


def record_id(brin: str, waarneming_id: str) -> str:
    """Stable record id: the observation of one lesson (a correction keeps it)."""
    return f"eduarte:{brin}:{waarneming_id}"


@dataclass
class JoinResult:
    """Records, ids held back, and problems."""

    records: list[AttendanceRecord] = field(default_factory=list)
    held_ids: set[str] = field(default_factory=set)
    problems: list[SourceProblem] = field(default_factory=list)


@dataclass
class Exports:
    """What could be read of one snapshot: students by number, reports (and the rows of those that
    could not be read), lesson observations."""

    students: dict[str, Student] = field(default_factory=dict)
    meldingen: list[Melding] = field(default_factory=list)
    broken: list[BrokenMelding] = field(default_factory=list)
    waarnemingen: list[Waarneming] = field(default_factory=list)


class _HoldBack(Exception):
    """The observation cannot become a record now; ``message`` (if any) is the problem to report."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Reports:
    """The readable reports, indexed, with the reasons their codes map to."""

    by_id: dict[str, Melding] = field(default_factory=dict)
    # Where to look for the reports that may cover a lesson: per deelnemer and day for reports with an
    # end, per deelnemer for open-ended ones (a year of lessons against every report is too slow).
    by_day: dict[tuple[str, date], list[Melding]] = field(default_factory=lambda: defaultdict(list))
    open_ended: dict[str, list[Melding]] = field(default_factory=lambda: defaultdict(list))
    reasons: dict[str, str | None] = field(default_factory=dict)
    unmapped: set[str] = field(default_factory=set)  # ids of reports whose code maps to nothing

    @classmethod
    def index(cls, meldingen: list[Melding], mapping: CodeMapping, problems: list[SourceProblem]) -> _Reports:
        """Index ``meldingen``; an unmapped code is reported in ``problems``."""
        reports = cls()
        for melding in meldingen:
            try:
                reports.reasons[melding.id] = mapping.reason(melding.code, melding.where)
            except UnmappedCode as exc:
                reports.unmapped.add(melding.id)
                problems.append(SourceProblem(where=melding.where, message=str(exc), record_id=melding.id))
            reports.by_id[melding.id] = melding
            if melding.end is None:
                reports.open_ended[melding.number].append(melding)
                continue
            day = melding.start.date()
            while day <= melding.end.date():
                reports.by_day[(melding.number, day)].append(melding)
                day += timedelta(days=1)
        return reports

    def linked(self, w: Waarneming) -> Melding | None:
        """The report ``w`` links to; a link to a missing (or someone else's) report holds ``w`` back."""
        if not w.melding_id:
            return None
        linked = self.by_id.get(w.melding_id)
        if linked is None or linked.number != w.number:
            raise _HoldBack(f"gekoppelde absentiemelding {w.melding_id} ontbreekt of is tegengehouden; "
                            "waarneming tegengehouden")
        return linked

    def latest_covering(self, w: Waarneming, kind: Kind) -> Melding | None:
        """The latest report that covers ``w``, preferring one of the fitting sort: a te-laat report
        explains a present observation, an absence report an absent one."""
        on_day, open_ended = self.by_day.get((w.number, w.day)), self.open_ended.get(w.number)
        if not on_day and not open_ended:
            return None  # most lessons: no report near them
        covering = [m for m in (*(on_day or ()), *(open_ended or ()))
                    if m.covers(w.day, w.start, w.end, w.lesuur)]
        fitting = [m for m in covering if (self.reasons.get(m.id) == LATE) == (kind != "absent")]
        return max(fitting or covering, key=lambda m: (m.start, m.id), default=None)


@dataclass
class Joiner:
    """Turns one observation at a time into a record (or holds it back)."""

    students: dict[str, Student]
    reports: _Reports
    broken: list[BrokenMelding]
    mapping: CodeMapping
    require_handled: bool
    late_minutes: int  # what a te-laat report without a start time counts as

    def record(self, w: Waarneming, rid: str) -> AttendanceRecord | None:
        """The record of ``w``; None when it is no attendance (Nvt) or not verzuim."""
        student = self.students.get(w.number)
        if student is None:
            raise _HoldBack(f"onbekende deelnemer {w.number}; waarneming tegengehouden")
        try:
            kind = self.mapping.kind(w.soort, w.where)
        except UnmappedCode as exc:
            raise _HoldBack(str(exc)) from exc
        if kind == "ignore":
            return None  # Nvt: scheduled but not required, no attendance
        chosen = self._report(w, kind)
        reason = self._reason(chosen)
        if reason == NOT_VERZUIM:
            return None
        try:
            return AttendanceRecord(id=rid, student_id=student.id, date=w.day, start=w.start, end=w.end,
                                    **self._status(w, kind, chosen, reason))
        except ValidationError as exc:
            raise _HoldBack(str(exc)) from exc

    def _report(self, w: Waarneming, kind: Kind) -> Melding | None:
        """The report that explains ``w``: the linked one, else the latest covering one."""
        linked = self.reports.linked(w)
        if linked is not None:
            return linked
        if kind == "absent" and (unread := _could_cover(self.broken, w)):
            # The unreadable report may be the latest covering one: its reason is unknown, not onbekend.
            raise _HoldBack(f"absentiemelding op {unread.where} is onleesbaar en kan deze les dekken; "
                            "waarneming tegengehouden")
        return self.reports.latest_covering(w, kind)

    def _reason(self, chosen: Melding | None) -> str | None:
        """The chosen report's reason, when it may be used (handled, where the school requires that)."""
        if chosen is None:
            return None
        if chosen.id in self.reports.unmapped:
            raise _HoldBack()  # its reason is unknown: hold back, never guess (reported with the report)
        return self.reports.reasons.get(chosen.id) if chosen.handled or not self.require_handled else None

    def _status(self, w: Waarneming, kind: Kind, chosen: Melding | None,
                reason: str | None) -> dict[str, Any]:
        """Status, reason and minutes late of the record."""
        if reason == LATE:
            start = chosen.start.time() if chosen is not None else w.start
            minutes = _minutes(start) - _minutes(w.start)
            return {"status": "late",
                    "minutes_late": minutes if 0 < minutes < MINUTES_PER_DAY else self.late_minutes}
        if kind == "absent":
            return {"status": "absent", "reason": reason or "onbekend"}
        if kind == "late":
            return {"status": "late", "minutes_late": self.late_minutes, "reason": reason}
        return {"status": "present"}


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def prepare(exports: Exports, *, mapping: CodeMapping, require_handled: bool,
            problems: list[SourceProblem]) -> Joiner:
    """Index the reports of ``exports`` once (an unmapped code lands in ``problems``), so that
    observations can be joined in parts with ``join_some``."""
    reports = _Reports.index(exports.meldingen, mapping, problems)
    return Joiner(exports.students, reports, exports.broken, mapping, require_handled,
                   late_minutes=late_minutes(mapping))


def join_some(joiner: Joiner, waarnemingen: list[Waarneming], brin: str, result: JoinResult) -> None:
    """Join ``waarnemingen`` into ``result``: each observation needs only its student and the reports."""
    for w in waarnemingen:
        rid = record_id(brin, w.id)
        try:
            record = joiner.record(w, rid)
        except _HoldBack as held:
            result.held_ids.add(rid)
            if held.message is not None:
                result.problems.append(SourceProblem(where=w.where, message=held.message, record_id=rid))
            continue
        if record is not None:
            result.records.append(record)


def join(exports: Exports, *, brin: str, mapping: CodeMapping, require_handled: bool) -> JoinResult:
    """Give each observed lesson its status and reason (see the module docstring)."""
    result = JoinResult()
    joiner = prepare(exports, mapping=mapping, require_handled=require_handled, problems=result.problems)
    join_some(joiner, exports.waarnemingen, brin, result)
    return result


def _could_cover(broken: list[BrokenMelding], w: Waarneming) -> BrokenMelding | None:
    """The first unreadable report that might explain ``w``, if any."""
    return next((b for b in broken if b.could_cover(w)), None)
