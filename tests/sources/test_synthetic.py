"""The synthetic school: deterministic, parameterisable, with the cases the demo needs."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

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
