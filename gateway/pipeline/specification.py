"""The verzuimspecificatie of a melding (Besluit: verzuimdagen, verzuimuren; alle lessen gemist),
computed from the lessons its evidence names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from gateway.domain.melding_content import Verzuimspecificatie
from gateway.domain.reasons import is_authorised
from gateway.domain.signals import Signal
from gateway.store.attendance_columns import RecordRow
from gateway.store.schema import attendance

_CHUNK = 500
HOURS_DIGITS = 2


@dataclass(frozen=True)
class Lesson:
    """One live lesson as the specification needs it."""

    record_id: str
    day: date
    minutes: int
    status: str
    minutes_late: int | None
    reason: str | None = None

    @property
    def unauthorised_absence(self) -> bool:
        """Absent without a geoorloofde reden (no reason is ``onbekend``)."""
        return self.status == "absent" and not is_authorised(self.reason)


def specify(evidence: Iterable[str], lessons: Sequence[Lesson], hours: float | None) -> Verzuimspecificatie:
    """Days and hours of the evidence, and whether every lesson on those days was missed.

    ``lessons`` are the student's live lessons on the evidence days; ``hours`` is the rule's own count
    when it has one (16 uur counts whole lessons and late arrivals over the limit), else the absent
    lessons' length plus the minutes of the late arrivals in the evidence.
    """
    named = set(evidence)
    counted = [lesson for lesson in lessons if lesson.record_id in named]
    days = {lesson.day for lesson in counted}
    if hours is None:
        minutes = sum(lesson.minutes if lesson.status == "absent" else lesson.minutes_late or 0
                      for lesson in counted)
        hours = minutes / 60
    by_day: dict[date, list[Lesson]] = defaultdict(list)
    for lesson in lessons:
        by_day[lesson.day].append(lesson)
    all_missed = bool(days) and all(lesson.status == "absent" for day in days for lesson in by_day[day])
    return Verzuimspecificatie(verzuimdagen=len(days), verzuimuren=round(hours, HOURS_DIGITS),
                               alle_lessen_gemist=all_missed)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def lessons_of(conn: sa.Connection, school_id: str, student_id: str,
               record_ids: Sequence[str]) -> list[Lesson]:
    """The student's live lessons on the days of ``record_ids`` (those records included)."""
    a = attendance.c
    live = (a.school_id == school_id, a.student_id == student_id, a.withdrawn == sa.false())
    days: set[date] = set()
    for i in range(0, len(record_ids), _CHUNK):
        days.update(_day(d) for d in conn.scalars(
            sa.select(a.day).where(*live, a.record_id.in_(list(record_ids[i : i + _CHUNK]))).distinct()))
    if not days:
        return []
    rows = conn.execute(sa.select(a.record_id, a.day, a.start_min, a.end_min, a.status, a.minutes_late)
                        .where(*live, a.day.in_(sorted(days))))
    return [Lesson(rid, _day(day), end - start, status, late) for rid, day, start, end, status, late in rows]


class LessonIndex:
    """Lessons already read (by the evaluation, for evidence), so a new melding's specification does
    not read them again: ``of(signal)`` gives what ``lessons_of`` would, or None when not all are here."""

    def __init__(self, rows: Iterable[RecordRow]) -> None:
        self._by_day: dict[tuple[str, date], list[Lesson]] = {}
        self._day_of: dict[str, tuple[str, date]] = {}
        for rid, sid, day, start, end, status, _reason, late in rows:
            self._by_day.setdefault((sid, day), []).append(Lesson(rid, day, end - start, status, late))
            self._day_of[rid] = (sid, day)

    def of(self, signal: Signal) -> list[Lesson] | None:
        """The lessons on the days of the signal's evidence (the evidence included)."""
        keys = {self._day_of.get(rid) for rid in signal.evidence}
        if not signal.evidence or None in keys:
            return None
        return [lesson for key in sorted(k for k in keys if k is not None) for lesson in self._by_day[key]]


def lessons_between(conn: sa.Connection, school_id: str, student_id: str,
                    start: date, end: date) -> list[Lesson]:
    """The student's live lessons from ``start`` to ``end`` (inclusive)."""
    a = attendance.c
    rows = conn.execute(sa.select(a.record_id, a.day, a.start_min, a.end_min, a.status, a.minutes_late,
                                  a.reason).where(
        a.school_id == school_id, a.student_id == student_id, a.withdrawn == sa.false(),
        a.day >= start, a.day <= end).order_by(a.day, a.start_min))
    return [Lesson(rid, _day(day), end_min - start_min, status, late, reason)
            for rid, day, start_min, end_min, status, late, reason in rows]
