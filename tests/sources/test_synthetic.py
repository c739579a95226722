"""The synthetic school: deterministic, parameterisable, with the cases the demo needs."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections import Counter
from datetime import date, timedelta

from gateway.domain.model import AttendanceRecord
from gateway.rules import evaluate
from gateway.rules.profiles import load_profile
from gateway.testing.synthetic import SCENARIOS, generate_school


def test_same_seed_gives_the_same_school() -> None:
    """Generation is deterministic in seed, size and dates."""
    a = generate_school(seed=3, size=30)
    b = generate_school(seed=3, size=30)
    assert a.students == b.students and a.lessons == b.lessons and a.events == b.events


def test_other_seed_gives_another_school() -> None:
    """The seed matters."""
    assert generate_school(seed=1, size=30).events != generate_school(seed=2, size=30).events


def test_size_and_date_range_are_honoured() -> None:
    """Size students; lessons only on school days within the range."""
    school = generate_school(size=12, start=date(2026, 8, 31), end=date(2026, 9, 11))
    assert len(school.students) == 12
    days = {lesson.date for lesson in school.lessons}
    assert min(days) >= date(2026, 8, 31) and max(days) <= date(2026, 9, 11)
    assert all(day.weekday() < 5 for day in days)


def test_a_few_hundred_students_cover_every_scenario() -> None:
    """The demo's college has no-shows, 16-hour cases, LRV, luxe verzuim, lateness and corrections."""
    school = generate_school(size=300)
    assert set(Counter(school.scenarios.values())) == set(SCENARIOS)


def test_corrections_show_up_later() -> None:
    """An absence first shows without a reason and later with one: the same lesson, a new reason."""
    school = generate_school(size=60)
    event = next(e for e in school.events if len(e.versions) > 1 and e.end is not None)
    lesson = next(x for x in school.lessons if event.covers(x))
    early = {r.id: r for r in school.records_as_of(event.versions[0].known_from)}
    late = {r.id: r for r in school.records_as_of(event.versions[-1].known_from)}
    assert early[lesson.id].reason == "onbekend"
    assert late[lesson.id].reason == event.versions[-1].reason


def test_records_as_of_has_no_future_lessons() -> None:
    """Attendance exists only for lessons that have taken place."""
    school = generate_school(size=10)
    assert max(r.date for r in school.records_as_of(date(2026, 9, 9))) <= date(2026, 9, 9)


def test_demo_college_triggers_every_case_the_demo_shows() -> None:
    """Through the rules (Utrecht profile) the default college yields each kind of signal the demo needs."""
    school = generate_school(size=300)
    signals = evaluate(school.calendar, school.students, school.records_as_of(school.end),
                       load_profile("utrecht"), school.end)
    assert {"no-show", "verzuim-16u", "herhaalmelding", "lrv", "rmc-4w", "luxe-verzuim", "te-laat",
            "zorg-langdurig-ziek"} <= {s.rule for s in signals}


def _shown(school, lesson, day):
    found = school.registration(lesson, day)
    return found[1] if found else None


def test_a_correction_turns_one_students_absences_into_illness_from_its_date() -> None:
    """After ``with_correction`` the SIS shows the student's absences as ziek, but only from then on."""
    school = generate_school(seed=3, size=60)
    sid = next(s for s, scenario in school.scenarios.items() if scenario == "16-uur")
    corrected = school.with_correction(sid, "ziek", school.end)
    absent = [x for x in school.lessons if x.student_id == sid
              and getattr(_shown(school, x, school.end), "status", None) == "absent"]
    assert absent
    assert {_shown(corrected, x, school.end).reason for x in absent} == {"ziek"}
    day_before = school.end - timedelta(days=1)
    assert "ziek" not in {_shown(corrected, x, day_before).reason for x in absent}


def test_a_correction_leaves_the_other_students_alone() -> None:
    """Only the named student's registrations change."""
    school = generate_school(seed=3, size=60)
    sid = next(s for s, scenario in school.scenarios.items() if scenario == "16-uur")
    corrected = school.with_correction(sid, "ziek", school.start)
    others = [x for x in school.lessons if x.student_id != sid]
    assert all(_shown(corrected, x, school.end) == _shown(school, x, school.end) for x in others)


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_lessons_and_records_are_those_the_school_always_had() -> None:
    """Lessons made on demand keep every id, seq and order a seed produced when they were a list
    (digests taken before the change): the stand-ins' vendor ids and the kit depend on them."""
    school = generate_school(seed=21, size=30)
    lessons = list(school.lessons)
    records = school.records_as_of(school.end)
    assert len(lessons) == len(school.lessons) == len(records) == 5306
    assert _digest([f"{x.seq} {x.id} {x.subject}" for x in lessons]) == (
        "d304b45f8791570e991bf46bdc3b86e070c99eef624866eae40fbb1fba736a79")
    assert _digest([r.model_dump_json() for r in records]) == (
        "95fad81da754ac9d1ef97587e89dbfabe430ace2ad78d0e4ebb351f62e531d7a")


def test_lessons_on_a_day_are_that_days_lessons_in_seq_order() -> None:
    """``lessons_on`` gives what filtering the whole list by date gives."""
    school = generate_school(seed=4, size=40)
    for day in (school.start, date(2026, 9, 16), school.end, date(2026, 9, 13)):
        assert school.lessons_on(day) == [x for x in school.lessons if x.date == day]


def test_records_between_are_the_records_as_of_of_those_days() -> None:
    """``records_between(first, last, as_of)`` is ``records_as_of(as_of)`` limited to first..last,
    corrections as the SIS shows them on as_of included; lessons after as_of are left out."""
    school = generate_school(seed=4, size=40)
    first, last, as_of = date(2026, 9, 7), date(2026, 9, 18), date(2026, 9, 25)
    expected = [r for r in school.records_as_of(as_of) if first <= r.date <= last]
    assert list(school.records_between(first, last, as_of)) == expected
    assert max(r.date for r in school.records_between(first, last, date(2026, 9, 10))) == date(2026, 9, 10)


def test_records_are_valid_canonical_records() -> None:
    """Records built without re-validation still pass validation unchanged."""
    school = generate_school(seed=4, size=40)
    records = school.records_as_of(school.end)
    assert [AttendanceRecord.model_validate(r.model_dump()) for r in records] == records


def test_a_year_is_built_without_holding_its_lessons() -> None:
    """2,000 students and a full year (2.2 M lessons, some 500 MB as objects): the lessons are made
    per day on demand, so building the school takes a fraction of that."""
    tracemalloc.start()
    try:
        school = generate_school(size=2_000, end=date(2027, 7, 16))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(school.lessons) > 2_000_000
    assert peak < 50_000_000
    assert len({x.student_id for x in school.lessons_on(date(2027, 3, 3))}) > 1_500


def test_a_student_without_timetable_has_no_lessons_and_the_others_keep_theirs() -> None:
    """``without_timetable`` (the demo's student not yet scheduled) removes one student's lessons
    and absences; every other lesson keeps its id and seq."""
    school = generate_school(seed=3, size=60)
    sid = school.students[10].id
    unscheduled = school.without_timetable(sid)
    assert list(unscheduled.lessons) == [x for x in school.lessons if x.student_id != sid]
    assert not any(e.student_id == sid for e in unscheduled.events)
    assert unscheduled.records_as_of(school.end) == [
        r for r in school.records_as_of(school.end) if r.student_id != sid]
