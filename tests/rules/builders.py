"""Small builders for rules-engine tests: the 2026-2027 school calendar, students, lessons, runs."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, time, timedelta
from typing import Any

from gateway.domain.calendar import SchoolCalendar
from gateway.domain.model import AttendanceRecord, Calendar, Holiday, Student
from gateway.domain.signals import Signal
from gateway.rules import evaluate as engine_evaluate
from gateway.rules.profiles import load_profile

# Runs ``verzuim-gateway`` with the given arguments (the ``run_cli`` fixture).
RunCli = Callable[..., subprocess.CompletedProcess[str]]

FIRST_SCHOOL_DAY = date(2026, 8, 31)
LAST_SCHOOL_DAY = date(2027, 7, 16)

HOLIDAYS_2026_2027 = (
    Holiday(name="herfstvakantie", start=date(2026, 10, 19), end=date(2026, 10, 23)),
    Holiday(name="kerstvakantie", start=date(2026, 12, 21), end=date(2027, 1, 1)),
    Holiday(name="voorjaarsvakantie", start=date(2027, 2, 15), end=date(2027, 2, 19)),
    Holiday(name="meivakantie", start=date(2027, 4, 26), end=date(2027, 5, 7)),
)

SCHOOL_YEAR = Calendar(
    first_school_day=FIRST_SCHOOL_DAY,
    last_school_day=LAST_SCHOOL_DAY,
    holidays=list(HOLIDAYS_2026_2027),
)
SCHOOL_CALENDAR = SchoolCalendar(SCHOOL_YEAR)


def born(years_old: int) -> date:
    """A birth date (1 March) making the student ``years_old`` from September 2026 to February 2027."""
    return date(2026 - years_old, 3, 1)


def student(student_id: str = "S1", **fields: Any) -> Student:
    """A 16-year-old BOL niveau-2 student enrolled in May; override any canonical field."""
    values: dict[str, Any] = {
        "id": student_id,
        "birth_date": born(16),
        "startkwalificatie": False,
        "leerweg": "BOL",
        "niveau": 2,
        "enrolled_on": date(2026, 5, 1),
        "intro_attended": False,
        "studiefinanciering": False,
        "woongemeente": "0344",
        "doktersverklaring": False,
    }
    values.update(fields)
    return Student.model_validate(values)


def d(text: str) -> date:
    """A date from ISO text, to keep test data short."""
    return date.fromisoformat(text)


def lesson(
    student_id: str,
    day: date,
    index: int = 0,
    *,
    status: str = "absent",
    reason: str | None = None,
    minutes: int = 60,
    minutes_late: int | None = None,
    record_id: str | None = None,
) -> AttendanceRecord:
    """One lesson; lesson ``index`` of the day starts at 08:00 + index * ``minutes``."""
    begin = 8 * 60 + index * minutes
    end = begin + minutes
    return AttendanceRecord(
        id=record_id or f"{student_id}-{day.isoformat()}-{index}",
        student_id=student_id,
        date=day,
        start=time(begin // 60, begin % 60),
        end=time(end // 60, end % 60),
        status=status,  # type: ignore[arg-type]
        reason=reason,
        minutes_late=minutes_late,
    )


def lessons(
    student_id: str,
    day: date,
    count: int = 4,
    *,
    status: str = "absent",
    reason: str | None = None,
    minutes: int = 60,
    minutes_late: int | None = None,
    first_index: int = 0,
) -> list[AttendanceRecord]:
    """``count`` consecutive lessons on one day, all with the same status and reason."""
    return [
        lesson(student_id, day, i, status=status, reason=reason, minutes=minutes, minutes_late=minutes_late)
        for i in range(first_index, first_index + count)
    ]


def school_days(first: date, last: date) -> list[date]:
    """The school days of the 2026-2027 calendar from ``first`` to ``last`` inclusive."""
    return [day for day in SCHOOL_CALENDAR.school_days if first <= day <= last]


def every_school_day(
    student_id: str, first: date, last: date, count: int = 4, **kwargs: Any
) -> list[AttendanceRecord]:
    """``count`` lessons with the same status on every school day from ``first`` to ``last``."""
    return [r for day in school_days(first, last) for r in lessons(student_id, day, count, **kwargs)]


def lesweek(student_id: str, any_day: date, count: int = 4, **kwargs: Any) -> list[AttendanceRecord]:
    """``count`` lessons on each school day of the ISO week containing ``any_day``."""
    monday = any_day - timedelta(days=any_day.weekday())
    return every_school_day(student_id, monday, monday + timedelta(days=6), count, **kwargs)


def daily(
    student_id: str, first: date, last: date, overrides: Mapping[date, Mapping[str, Any]] | None = None
) -> list[AttendanceRecord]:
    """One lesson per school day, present unless ``overrides`` gives that day's status/reason."""
    overrides = overrides or {}
    return [
        lesson(student_id, day, **dict(overrides.get(day, {"status": "present"})))
        for day in school_days(first, last)
    ]


def evaluate(
    students: Sequence[Student] | Student,
    records: Iterable[AttendanceRecord],
    *,
    as_of: date,
    profile: str = "national",
    overrides: Mapping[str, Any] | None = None,
    calendar: Calendar = SCHOOL_YEAR,
) -> list[Signal]:
    """Run ``gateway.rules.evaluate`` with a named profile (and optional overrides)."""
    people = [students] if isinstance(students, Student) else list(students)
    return engine_evaluate(calendar, people, list(records), load_profile(profile, overrides), as_of)


def signals_of(rule: str, *args: Any, **kwargs: Any) -> list[Signal]:
    """Only the signals of one rule (see ``evaluate`` for the arguments)."""
    return [s for s in evaluate(*args, **kwargs) if s.rule == rule]


def only(signals: Sequence[Signal]) -> Signal:
    """The single signal of a list; fails the test with the list when there is not exactly one."""
    assert len(signals) == 1, [(s.rule, s.trigger_date.isoformat()) for s in signals]
    return signals[0]


def triggers(signals: Iterable[Signal]) -> list[tuple[str, date]]:
    """(rule, trigger_date) of each signal, for compact assertions."""
    return [(s.rule, s.trigger_date) for s in signals]


def case_data(
    students: Sequence[Student],
    records: Iterable[AttendanceRecord],
    *,
    as_of: date,
    profile: str = "national",
    calendar: Calendar = SCHOOL_YEAR,
) -> dict[str, Any]:
    """A case file for ``verzuim-gateway evaluate`` (DESIGN.md section 4) as a JSON-ready dict."""
    return {
        "as_of": as_of.isoformat(),
        "profile": profile,
        "calendar": calendar.model_dump(mode="json"),
        "students": [s.model_dump(mode="json", exclude_none=True) for s in students],
        "attendance": [
            {
                **r.model_dump(mode="json", exclude_none=True),
                "start": r.start.strftime("%H:%M"),
                "end": r.end.strftime("%H:%M"),
            }
            for r in records
        ],
    }
