"""Evaluation is causal, and the daily job's extended frame equals a full evaluation."""

from __future__ import annotations

from datetime import date, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.domain.calendar import SchoolCalendar
from gateway.domain.model import AttendanceRecord, Calendar, Holiday, Student
from gateway.rules import EvaluationFrame, columns_from_records, evaluate, evaluate_frame
from gateway.rules.profiles import load_profile

CALENDAR = Calendar(
    first_school_day=date(2026, 8, 31),
    last_school_day=date(2027, 7, 16),
    holidays=[Holiday(name="herfstvakantie", start=date(2026, 10, 19), end=date(2026, 10, 23))],
)
SCHOOL_DAYS = SchoolCalendar(CALENDAR).school_days[:60]
LESSONS = ((time(8, 30), time(10, 0)), (time(10, 15), time(11, 45)), (time(12, 30), time(13, 15)))
REASONS = (None, "ziek", "spijbelen", "luxe_verzuim", "verlof", "onbekend")
_ALL_DAYS = [SCHOOL_DAYS[0] + timedelta(days=i) for i in range((SCHOOL_DAYS[-1] - SCHOOL_DAYS[0]).days)]
NOT_SCHOOL_DAYS = sorted(set(_ALL_DAYS) - set(SCHOOL_DAYS))


@st.composite
def students(draw: st.DrawFn, sid: str) -> Student:
    birth = date(2026, 9, 1) - timedelta(days=draw(st.integers(15 * 365, 24 * 365)))
    return Student(
        id=sid, birth_date=birth, leerweg=draw(st.sampled_from(["BOL", "BBL"])),
        niveau=draw(st.sampled_from([1, 2, 3])), startkwalificatie=draw(st.booleans()),
        enrolled_on=date(2026, 5, 1), intro_attended=draw(st.booleans()),
        studiefinanciering=draw(st.booleans()), doktersverklaring=False,
    )


def _record(s: Student, d: date, n: int, status: str, reason: str | None, late: int) -> AttendanceRecord:
    start, end = LESSONS[n]
    return AttendanceRecord(
        id=f"{s.id}-{d.isoformat()}-{n}", student_id=s.id, date=d, start=start, end=end, status=status,
        reason=None if status == "present" else reason, minutes_late=late if status == "late" else None,
    )


@st.composite
def school(draw: st.DrawFn) -> tuple[list[Student], list[AttendanceRecord]]:
    group = [draw(students(f"S{i}")) for i in range(draw(st.integers(1, 3)))]
    records = []
    for s in group:
        # Each student gets a behaviour per stretch of days, so runs and windows really happen;
        # a stretch may have no records at all (skipped lesweken) or differ from lesson to lesson.
        day = 0
        while day < len(SCHOOL_DAYS):
            length = draw(st.integers(1, 15))
            status = draw(st.sampled_from(["present", "absent", "absent", "late", "none", "mixed"]))
            reason = draw(st.sampled_from(REASONS))
            late = draw(st.integers(0, 20))
            for d in SCHOOL_DAYS[day : day + length] if status != "none" else []:
                for n in range(len(LESSONS)):
                    lesson_status = (draw(st.sampled_from(["present", "absent", "late"]))
                                     if status == "mixed" else status)
                    records.append(_record(s, d, n, lesson_status, reason, late))
            day += length
        # Registrations on days that are not school days (a weekend, the herfstvakantie) count for nothing.
        for d in draw(st.lists(st.sampled_from(NOT_SCHOOL_DAYS), max_size=4, unique=True)):
            records.append(_record(s, d, 0, "absent", draw(st.sampled_from(REASONS)), 0))
    return group, records


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=school(),
    profile=st.sampled_from(["national", "utrecht", "noorderpoort", "kop-van-nh"]),
    early=st.integers(0, 59),
    later=st.integers(0, 59),
)
def test_a_later_as_of_never_changes_or_removes_an_earlier_signal(
    case: tuple[list[Student], list[AttendanceRecord]], profile: str, early: int, later: int
) -> None:
    """Without corrections, signals up to an as_of stay exactly the same when as_of moves on."""
    group, records = case
    first, second = sorted((SCHOOL_DAYS[early], SCHOOL_DAYS[later]))
    rules = load_profile(profile)
    before = evaluate(CALENDAR, group, records, rules, first)
    after = evaluate(CALENDAR, group, records, rules, second)
    assert [s.to_json() for s in before] == [
        s.to_json() for s in after if s.trigger_date <= first
    ]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=school(), day=st.integers(1, 59))
def test_the_daily_job_gives_what_a_full_evaluation_gives_for_the_new_day(
    case: tuple[list[Student], list[AttendanceRecord]], day: int
) -> None:
    """Extending yesterday's frame with today's records equals evaluating everything at once."""
    group, records = case
    rules = load_profile("utrecht")
    calendar = SchoolCalendar(CALENDAR)
    today, yesterday = SCHOOL_DAYS[day], SCHOOL_DAYS[day - 1]
    old = columns_from_records(group, [r for r in records if r.date < today])
    new = columns_from_records(group, [r for r in records if r.date == today])
    frame = EvaluationFrame(calendar, group, old, rules, yesterday).extended(new, today)
    daily = evaluate_frame(frame, since=today)
    full = evaluate(CALENDAR, group, records, rules, today)
    assert [s.to_json() for s in daily] == [s.to_json() for s in full if s.trigger_date == today]
