"""LRV silence: after an lrv or rmc-4w, no verzuim-16u or herhaalmelding until the student is back."""

from __future__ import annotations

from gateway.domain.model import AttendanceRecord
from tests.rules.builders import born, d, every_school_day, lesson, lessons, only, signals_of, student

WINDOW_RULES = ("verzuim-16u", "herhaalmelding")


def absent_from_the_start(until: str) -> list[AttendanceRecord]:
    """Four 90-minute unauthorised absences (6 hours) on every school day from 31 August."""
    return every_school_day("S1", d("2026-08-31"), d(until), count=4, minutes=90)


def window_signals(*args: object, **kwargs: object) -> list[tuple[str, str]]:
    """(rule, trigger date) of the verzuim-16u and herhaalmelding signals."""
    return [
        (s.rule, s.trigger_date.isoformat())
        for rule in WINDOW_RULES
        for s in signals_of(rule, *args, **kwargs)
    ]


def test_after_an_lrv_no_herhaalmelding_fires_while_the_absence_continues() -> None:
    """The lrv of 25 September stands; the 30 hours of the week after give no herhaalmelding."""
    records = absent_from_the_start("2026-10-02")
    assert only(signals_of("lrv", student(), records, as_of=d("2026-10-02"))).trigger_date == d("2026-09-25")
    fired = window_signals(student(), records, as_of=d("2026-10-02"))
    assert sorted(fired) == [
        ("herhaalmelding", "2026-09-07"),
        ("herhaalmelding", "2026-09-14"),
        ("herhaalmelding", "2026-09-21"),
        ("verzuim-16u", "2026-09-02"),
    ]


def test_counting_restarts_on_the_day_the_student_has_a_present_record() -> None:
    """A present lesson on 5 October ends the silence; that day's absences count towards 16 hours."""
    records = absent_from_the_start("2026-10-02")
    records += [
        lesson("S1", d("2026-10-05"), 0, status="present", minutes=90),
        *lessons("S1", d("2026-10-05"), 3, minutes=90, first_index=1),
    ]
    records += every_school_day("S1", d("2026-10-06"), d("2026-10-07"), count=4, minutes=90)
    herhaal = signals_of("herhaalmelding", student(), records, as_of=d("2026-10-09"))[-1]
    assert (herhaal.trigger_date, herhaal.period_start, herhaal.hours) == (
        d("2026-10-07"),
        d("2026-10-05"),
        16.5,
    )


def test_an_authorised_absence_also_ends_the_silence() -> None:
    """A ziek lesson is a record that is not an unauthorised absence: counting restarts that day."""
    records = absent_from_the_start("2026-10-02")
    records += [
        lesson("S1", d("2026-10-05"), 0, reason="ziek", minutes=90),
        *lessons("S1", d("2026-10-05"), 3, minutes=90, first_index=1),
    ]
    records += every_school_day("S1", d("2026-10-06"), d("2026-10-07"), count=4, minutes=90)
    herhaal = signals_of("herhaalmelding", student(), records, as_of=d("2026-10-09"))[-1]
    assert (herhaal.trigger_date, herhaal.period_start) == (d("2026-10-07"), d("2026-10-05"))


def test_lateness_over_the_limit_does_not_end_the_silence() -> None:
    """A lesson 20 minutes late is an unauthorised absence: the silence holds."""
    records = absent_from_the_start("2026-10-02")
    records += lessons("S1", d("2026-10-05"), 4, status="late", minutes_late=20, minutes=90)
    records += every_school_day("S1", d("2026-10-06"), d("2026-10-07"), count=4, minutes=90)
    assert [t for t in window_signals(student(), records, as_of=d("2026-10-09")) if t[1] > "2026-09-25"] == []


def test_an_lrv_on_the_day_16_hours_are_reached_suppresses_the_verzuim_16u() -> None:
    """Four Fridays fully absent: the lrv comes on the 16-hour day, and from its trigger on nothing fires."""
    records = [
        r
        for day in ("2026-10-09", "2026-10-16", "2026-10-30", "2026-11-06")
        for r in lessons("S1", d(day), 4)
    ]
    assert only(signals_of("lrv", student(), records, as_of=d("2026-11-13"))).trigger_date == d("2026-11-06")
    assert window_signals(student(), records, as_of=d("2026-11-13")) == []


def test_an_rmc_4w_melding_silences_the_herhaalmeldingen_in_utrecht() -> None:
    """Utrecht, 19 years old: after the rmc-4w of 25 September no herhaalmelding fires."""
    s = student(birth_date=born(19))
    records = absent_from_the_start("2026-10-02")
    rmc = only(signals_of("rmc-4w", s, records, as_of=d("2026-10-02"), profile="utrecht"))
    assert rmc.trigger_date == d("2026-09-25")
    late = [
        t
        for t in window_signals(s, records, as_of=d("2026-10-02"), profile="utrecht")
        if t[1] >= "2026-09-25"
    ]
    assert late == []
