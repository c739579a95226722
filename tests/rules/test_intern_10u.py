"""Rule intern-10u (Noorderpoort): an internal signal at 10 unauthorised hours in 4 lesweken."""

from __future__ import annotations

from gateway.domain.model import AttendanceRecord
from tests.rules.builders import born, d, lesson, lessons, only, signals_of, student, triggers


def hours_on(*days_and_hours: tuple[str, int]) -> list[AttendanceRecord]:
    """``hours`` one-hour unauthorised absences plus one present lesson on each given day."""
    return [
        r
        for day, hours in days_and_hours
        for r in [*lessons("S1", d(day), hours), lesson("S1", d(day), hours, status="present")]
    ]


def test_exactly_10_unauthorised_hours_give_an_internal_signal() -> None:
    """Compared with >=: 10 hours on Wednesday 2 September trigger a signaal to the school."""
    records = hours_on(("2026-08-31", 4), ("2026-09-01", 4), ("2026-09-02", 2))
    signal = only(signals_of("intern-10u", student(), records, as_of=d("2026-09-18"), profile="noorderpoort"))
    assert (signal.trigger_date, signal.hours, signal.kind, signal.recipient, signal.due_date) == (
        d("2026-09-02"),
        10.0,
        "signaal",
        "school",
        None,
    )


def test_9_5_unauthorised_hours_give_no_internal_signal() -> None:
    """Under 10 hours: nothing."""
    records = hours_on(("2026-08-31", 4), ("2026-09-01", 4))
    records += lessons("S1", d("2026-09-02"), 3, minutes=30)
    assert signals_of("intern-10u", student(), records, as_of=d("2026-09-18"), profile="noorderpoort") == []


def test_national_has_no_internal_signal() -> None:
    """intern-10u is a Noorderpoort option."""
    records = hours_on(("2026-08-31", 4), ("2026-09-01", 4), ("2026-09-02", 4))
    assert signals_of("intern-10u", student(), records, as_of=d("2026-09-18")) == []


def test_the_internal_signal_comes_before_the_16_hour_melding() -> None:
    """Noorderpoort: intern-10u at 10 hours, verzuim-16u when more than 16."""
    records = hours_on(("2026-08-31", 4), ("2026-09-01", 4), ("2026-09-02", 4), ("2026-09-07", 6))
    signals = signals_of("intern-10u", student(), records, as_of=d("2026-09-18"), profile="noorderpoort")
    signals += signals_of("verzuim-16u", student(), records, as_of=d("2026-09-18"), profile="noorderpoort")
    assert triggers(signals) == [("intern-10u", d("2026-09-02")), ("verzuim-16u", d("2026-09-07"))]


def test_the_internal_signal_applies_to_students_who_are_not_reportable() -> None:
    """All students: a 25-year-old with startkwalificatie gets the internal signal too."""
    s = student(birth_date=born(25), startkwalificatie=True)
    records = hours_on(("2026-08-31", 4), ("2026-09-01", 4), ("2026-09-02", 2))
    assert len(signals_of("intern-10u", s, records, as_of=d("2026-09-18"), profile="noorderpoort")) == 1


def test_the_internal_signal_fires_again_after_10_new_hours() -> None:
    """After 2 September, ten new hours from 7 September fire again on 9 September."""
    records = hours_on(
        ("2026-08-31", 4),
        ("2026-09-01", 4),
        ("2026-09-02", 2),
        ("2026-09-07", 4),
        ("2026-09-08", 4),
        ("2026-09-09", 2),
    )
    signals = signals_of("intern-10u", student(), records, as_of=d("2026-09-18"), profile="noorderpoort")
    assert triggers(signals) == [("intern-10u", d("2026-09-02")), ("intern-10u", d("2026-09-09"))]
    assert (signals[1].period_start, signals[1].hours) == (d("2026-09-07"), 10.0)


def test_the_internal_signal_fires_at_most_once_per_lesweek() -> None:
    """Twenty hours in the first lesweek: one internal signal that lesweek."""
    records = hours_on(("2026-08-31", 5), ("2026-09-01", 5), ("2026-09-02", 5), ("2026-09-03", 5))
    signals = signals_of("intern-10u", student(), records, as_of=d("2026-09-04"), profile="noorderpoort")
    assert triggers(signals) == [("intern-10u", d("2026-09-01"))]
