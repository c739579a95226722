"""A realistic synthetic school year as columnar attendance, for the rules benchmarks.

It is data for ``bench/rules.py`` (the engine alone, in memory), not a benchmark; the college the
daily job is timed on is ``gateway.testing.synthetic`` in ``bench/daily.py``.

Absence propensity per student runs from rare to chronic (a skewed beta distribution); chronic
students skip whole days in streaks; some are often late, some fall ill in episodes, a few take
luxe verzuim around holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from gateway.domain.calendar import SchoolCalendar
from gateway.domain.model import Calendar, Holiday, Student
from gateway.domain.reasons import NO_REASON, REASON_INDEX
from gateway.rules.frame import STATUS_ABSENT, STATUS_LATE, STATUS_PRESENT, AttendanceColumns

CALENDAR = Calendar(
    first_school_day=date(2026, 8, 31),
    last_school_day=date(2027, 7, 16),
    holidays=[
        Holiday(name="herfstvakantie", start=date(2026, 10, 19), end=date(2026, 10, 23)),
        Holiday(name="kerstvakantie", start=date(2026, 12, 21), end=date(2027, 1, 1)),
        Holiday(name="voorjaarsvakantie", start=date(2027, 2, 15), end=date(2027, 2, 19)),
        Holiday(name="meivakantie", start=date(2027, 4, 26), end=date(2027, 5, 7)),
    ],
)


class NumberedIds:
    """Record ids ``R<n>`` made on demand, so 15 million ids cost no memory until used."""

    def __init__(self, offset: int, count: int) -> None:
        self.offset, self.count = offset, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, row: int) -> str:  # type: ignore[override]
        return f"R{self.offset + row}"


@dataclass
class School:
    calendar: SchoolCalendar
    students: list[Student]
    day_student: np.ndarray  # per record: (day index, student)
    columns: AttendanceColumns


def make_students(n: int, rng: np.random.Generator) -> list[Student]:
    """Students aged 15 to 24 on 1 September 2026, BOL and BBL, some with studiefinanciering."""
    students = []
    for i in range(n):
        age_days = int(rng.integers(15 * 365, 24 * 365))
        birth = date.fromordinal(date(2026, 9, 1).toordinal() - age_days)
        bol = rng.random() < 0.8
        niveau = int(rng.integers(1, 5))
        students.append(Student(
            id=f"{i:06d}", birth_date=birth, startkwalificatie=bool(rng.random() < 0.05),
            leerweg="BOL" if bol else "BBL", niveau=niveau, enrolled_on=date(2026, 5, 1),
            intro_attended=bool(rng.random() < 0.9), studiefinanciering=bool(rng.random() < 0.6),
            woongemeente="0344",
        ))
    return students


def make_school(n_students: int = 20_000, seed: int = 7, upto_day: int | None = None,
                from_day: int = 0) -> School:
    """Attendance for school days ``from_day`` up to (not including) ``upto_day``."""
    rng = np.random.default_rng(seed)
    calendar = SchoolCalendar(CALENDAR)
    students = make_students(n_students, np.random.default_rng(seed + 1))
    n_days = len(calendar.school_days) if upto_day is None else upto_day
    days = np.arange(from_day, n_days)
    # Per student: lessons a day (4-6), absence propensity (rare to chronic), lateness, sickness.
    srng = np.random.default_rng(seed + 2)
    lessons = srng.integers(4, 7, n_students)
    propensity = srng.beta(0.3, 20.0, n_students)
    lateness = srng.beta(0.5, 25.0, n_students)
    sickness = srng.beta(0.5, 80.0, n_students)
    chronic = srng.random(n_students) < 0.01
    per_day = lessons.sum()
    n = per_day * len(days)
    student = np.tile(np.repeat(np.arange(n_students, dtype=np.int32), lessons), len(days))
    lesson_no = np.tile(np.concatenate([np.arange(k) for k in lessons]).astype(np.int32), len(days))
    day = np.repeat(days.astype(np.int32), per_day)
    ordinals = np.array([d.toordinal() for d in calendar.school_days], dtype=np.int32)
    u = rng.random(n, dtype=np.float32)
    # Whole-day behaviour: sick days and skipped days come per (student, day), not per lesson.
    day_u = rng.random((n_days, n_students), dtype=np.float32)
    sick_day = day_u[day, student] < sickness[student] * 3
    skip_day = (day_u[day, student] > 1 - propensity[student]) | (chronic[student] & (day >= 60))
    status = np.full(n, STATUS_PRESENT, dtype=np.int8)
    reason = np.full(n, NO_REASON, dtype=np.int16)
    absent_lesson = u < propensity[student]
    status[absent_lesson | skip_day | sick_day] = STATUS_ABSENT
    reason[sick_day] = REASON_INDEX["ziek"]
    reason[skip_day & ~sick_day] = np.where(
        rng.random(int((skip_day & ~sick_day).sum())) < 0.5, REASON_INDEX["spijbelen"], NO_REASON)
    luxe = (status == STATUS_ABSENT) & ~sick_day & (rng.random(n, dtype=np.float32) < 0.01)
    reason[luxe] = REASON_INDEX["luxe_verzuim"]
    late = (status == STATUS_PRESENT) & (rng.random(n, dtype=np.float32) < lateness[student])
    status[late] = STATUS_LATE
    minutes_late = np.where(late, rng.integers(1, 30, n), 0).astype(np.int32)
    minutes = np.where(lesson_no % 3 == 2, 45, 90).astype(np.int32)
    columns = AttendanceColumns(
        student=student, day_ordinal=ordinals[day], minutes=minutes, status=status,
        reason=reason, minutes_late=minutes_late, ids=NumberedIds(int(from_day) * 10_000_000, n),
    )
    return School(calendar, students, np.stack([day, student]), columns)
