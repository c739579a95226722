"""Rule luxe-verzuim: each run of consecutive school days with a luxe_verzuim absence, under 18."""

from __future__ import annotations

from tests.rules.builders import born, d, lessons, only, signals_of, student, triggers


def test_a_run_of_luxe_days_fires_once_on_its_first_day() -> None:
    """Three luxe days in a row: one melding, triggered on the first."""
    records = [
        r
        for day in ("2026-09-09", "2026-09-10", "2026-09-11")
        for r in lessons("S1", d(day), reason="luxe_verzuim")
    ]
    melding = only(signals_of("luxe-verzuim", student(), records, as_of=d("2026-09-18")))
    assert (melding.trigger_date, melding.period_start, melding.recipient, melding.kind) == (
        d("2026-09-09"),
        d("2026-09-09"),
        "leerplicht",
        "melding",
    )


def test_a_holiday_inside_a_run_of_luxe_days_does_not_split_it() -> None:
    """Luxe on 15-16 October and on 26 October (after the herfstvakantie) is one run."""
    records = [
        r
        for day in ("2026-10-15", "2026-10-16", "2026-10-26")
        for r in lessons("S1", d(day), reason="luxe_verzuim")
    ]
    assert triggers(signals_of("luxe-verzuim", student(), records, as_of=d("2026-10-30"))) == [
        ("luxe-verzuim", d("2026-10-15"))
    ]


def test_two_runs_of_luxe_days_fire_twice() -> None:
    """Luxe on 7 September and on 14 September, present between: two meldingen."""
    records = lessons("S1", d("2026-09-07"), reason="luxe_verzuim")
    records += lessons("S1", d("2026-09-08"), status="present")
    records += lessons("S1", d("2026-09-14"), reason="luxe_verzuim")
    assert triggers(signals_of("luxe-verzuim", student(), records, as_of=d("2026-09-18"))) == [
        ("luxe-verzuim", d("2026-09-07")),
        ("luxe-verzuim", d("2026-09-14")),
    ]


def test_one_luxe_lesson_makes_the_day_a_luxe_day() -> None:
    """A single luxe_verzuim lesson among present ones fires."""
    records = lessons("S1", d("2026-09-07"), 3, status="present")
    records += lessons("S1", d("2026-09-07"), 1, reason="luxe_verzuim", first_index=3)
    assert only(signals_of("luxe-verzuim", student(), records, as_of=d("2026-09-18"))).evidence == (
        "S1-2026-09-07-3",
    )


def test_an_18_year_old_gets_no_luxe_verzuim_signal() -> None:
    """From 18 the luxe-verzuim rule does not apply at all."""
    records = lessons("S1", d("2026-09-07"), reason="luxe_verzuim")
    assert signals_of("luxe-verzuim", student(birth_date=born(18)), records, as_of=d("2026-09-18")) == []


def test_luxe_verzuim_is_due_5_working_days_after_the_first_day() -> None:
    """Triggered Monday 7 September: due Monday 14 September."""
    records = lessons("S1", d("2026-09-07"), reason="luxe_verzuim")
    assert only(signals_of("luxe-verzuim", student(), records, as_of=d("2026-09-18"))).due_date == d(
        "2026-09-14"
    )


def test_luxe_verzuim_with_startkwalificatie_is_a_signaal() -> None:
    """Not reportable: the school gets a signaal."""
    records = lessons("S1", d("2026-09-07"), reason="luxe_verzuim")
    signal = only(signals_of("luxe-verzuim", student(startkwalificatie=True), records, as_of=d("2026-09-18")))
    assert (signal.kind, signal.recipient) == ("signaal", "school")


def test_a_luxe_day_on_a_school_holiday_is_ignored() -> None:
    """A luxe_verzuim record in the herfstvakantie is on no school day."""
    records = lessons("S1", d("2026-10-20"), reason="luxe_verzuim")
    assert signals_of("luxe-verzuim", student(), records, as_of=d("2026-10-30")) == []
