"""gateway.rules.evaluate as a whole: ordering, independence of students, profile stamp."""

from __future__ import annotations

from gateway.rules.profiles import load_profile
from tests.rules.builders import d, evaluate, every_school_day, lessons, only, signals_of, student


def test_signals_are_ordered_by_student_trigger_date_and_rule() -> None:
    """Students given as S2, S1: the result is sorted by student id, trigger date, rule."""
    records = every_school_day("S2", d("2026-08-31"), d("2026-09-25"))
    records += every_school_day("S1", d("2026-08-31"), d("2026-09-25"))
    signals = evaluate([student("S2"), student("S1")], records, as_of=d("2026-10-02"))
    keys = [(s.student_id, s.trigger_date, s.rule) for s in signals]
    assert keys == sorted(keys)
    assert {s.student_id for s in signals} == {"S1", "S2"}


def test_students_are_evaluated_independently() -> None:
    """One student's absences never add to another's hours."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-01"))
    records += every_school_day("S2", d("2026-08-31"), d("2026-09-01"))
    assert [
        s
        for s in evaluate([student("S1"), student("S2")], records, as_of=d("2026-10-02"))
        if s.rule == "verzuim-16u"
    ] == []


def test_every_signal_carries_the_profile_name_and_stamp() -> None:
    """Decisions are stamped with the profile and its version digest."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-03"))
    signals = evaluate(student(), records, as_of=d("2026-10-02"), profile="utrecht")
    assert signals
    assert {(s.profile, s.profile_version) for s in signals} == {("utrecht", load_profile("utrecht").stamp)}


def test_an_override_changes_the_stamp_on_the_signals() -> None:
    """A school's override shows in the stamp of every decision made with it."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-03"))
    plain = evaluate(student(), records, as_of=d("2026-10-02"))
    changed = evaluate(student(), records, as_of=d("2026-10-02"), overrides={"report_within_workdays": 3})
    assert plain[0].profile_version != changed[0].profile_version


def test_the_business_id_is_stable_across_evaluations() -> None:
    """The same firing gets the same business id and message id when evaluated again later."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-11"))
    first = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-09-03")))
    again = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-09-11")))
    assert (first.business_id, first.message_id) == (again.business_id, again.message_id)


def test_a_student_without_records_gets_no_signal() -> None:
    """No records, no signals."""
    assert evaluate(student(), [], as_of=d("2027-07-16")) == []


def test_an_as_of_before_the_school_year_gives_no_signal() -> None:
    """Evaluating before the first school day is empty, not an error."""
    assert evaluate(student(), lessons("S1", d("2026-08-31")), as_of=d("2026-08-01")) == []


def test_every_signal_has_a_dutch_explanation() -> None:
    """Each signal explains itself in Dutch for the verzuimcoördinator."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-25"))
    signals = evaluate(student(), records, as_of=d("2026-10-02"))
    assert all(s.explanation for s in signals)
    assert "ongeoorloofd" in signals[0].explanation
