"""Rules lrv and rmc-4w: runs of 4 consecutive fully absent lesweken."""

from __future__ import annotations

from gateway.domain.model import AttendanceRecord
from tests.rules.builders import (
    born,
    d,
    evaluate,
    every_school_day,
    lesson,
    lessons,
    only,
    signals_of,
    student,
    triggers,
)


def absent(first: str, last: str, student_id: str = "S1") -> list[AttendanceRecord]:
    """Four unauthorised absences on every school day from ``first`` to ``last``."""
    return every_school_day(student_id, d(first), d(last))


def present(first: str, last: str, student_id: str = "S1") -> list[AttendanceRecord]:
    """Four present lessons on every school day from ``first`` to ``last``."""
    return every_school_day(student_id, d(first), d(last), status="present")


def test_4_fully_absent_lesweken_give_an_lrv_on_the_last_school_day_of_the_4th() -> None:
    """Absent from 31 August to 25 September: lrv on Friday 25 September to Leerplicht."""
    lrv = only(signals_of("lrv", student(), absent("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")))
    assert (lrv.trigger_date, lrv.recipient, lrv.kind) == (d("2026-09-25"), "leerplicht", "melding")


def test_3_fully_absent_lesweken_give_no_lrv() -> None:
    """Three absent lesweken followed by a present one: no lrv."""
    records = absent("2026-08-31", "2026-09-18") + present("2026-09-21", "2026-09-25")
    assert signals_of("lrv", student(), records, as_of=d("2026-10-02")) == []


def test_a_holiday_week_between_fully_absent_lesweken_does_not_break_the_run() -> None:
    """Lesweken 41, 42, 44 and 45 around the herfstvakantie make a run: lrv on 6 November."""
    records = present("2026-09-28", "2026-10-02") + absent("2026-10-05", "2026-11-06")
    lrv = only(signals_of("lrv", student(), records, as_of=d("2026-11-13")))
    assert (lrv.trigger_date, lrv.period_start) == (d("2026-11-06"), d("2026-10-05"))


def test_a_lesweek_without_records_is_skipped() -> None:
    """No records in lesweek 38: lesweken 36, 37, 39 and 40 still make a run."""
    records = absent("2026-08-31", "2026-09-11") + absent("2026-09-21", "2026-10-02")
    lrv = only(signals_of("lrv", student(), records, as_of=d("2026-10-09")))
    assert (lrv.trigger_date, lrv.period_start) == (d("2026-10-02"), d("2026-08-31"))


def test_one_present_lesson_breaks_the_run() -> None:
    """A single present lesson on 16 September: no 4 consecutive fully absent lesweken by 9 October."""
    records = [*absent("2026-08-31", "2026-10-09"), lesson("S1", d("2026-09-16"), 4, status="present")]
    assert signals_of("lrv", student(), records, as_of=d("2026-10-09")) == []


def test_one_authorised_absence_breaks_the_run() -> None:
    """A single ziek lesson is not an unauthorised absence: the lesweek is not fully absent."""
    records = [*absent("2026-08-31", "2026-10-09"), lesson("S1", d("2026-09-16"), 4, reason="ziek")]
    assert signals_of("lrv", student(), records, as_of=d("2026-10-09")) == []


def test_one_late_arrival_within_the_limit_breaks_the_run() -> None:
    """Five minutes late is a late arrival, not an absence: the lesweek is not fully absent."""
    records = absent("2026-08-31", "2026-10-09")
    records.append(lesson("S1", d("2026-09-16"), 4, status="late", minutes_late=5))
    assert signals_of("lrv", student(), records, as_of=d("2026-10-09")) == []


def test_lateness_over_the_limit_keeps_the_lesweek_fully_absent() -> None:
    """Twenty minutes late counts as an unauthorised absence: the run holds."""
    records = absent("2026-08-31", "2026-09-25")
    records.append(lesson("S1", d("2026-09-16"), 4, status="late", minutes_late=20))
    assert only(signals_of("lrv", student(), records, as_of=d("2026-10-02"))).trigger_date == d("2026-09-25")


def test_a_lesweek_counts_only_once_as_of_reaches_its_last_school_day() -> None:
    """On Thursday 24 September the 4th lesweek is not over yet: no lrv."""
    records = absent("2026-08-31", "2026-09-25")
    assert signals_of("lrv", student(), records, as_of=d("2026-09-24")) == []


def test_the_lrv_triggers_on_the_thursday_before_goede_vrijdag() -> None:
    """ISO week 12 of 2027 ends on Thursday 25 March (Goede Vrijdag): that is the trigger date."""
    lrv = only(signals_of("lrv", student(), absent("2027-03-01", "2027-03-25"), as_of=d("2027-03-25")))
    assert lrv.trigger_date == d("2027-03-25")


def test_the_lrv_due_date_skips_goede_vrijdag_and_tweede_paasdag() -> None:
    """Triggered 25 March 2027: 5 working days later is Monday 5 April."""
    lrv = only(signals_of("lrv", student(), absent("2027-03-01", "2027-03-25"), as_of=d("2027-04-09")))
    assert lrv.due_date == d("2027-04-05")


def test_the_lrv_is_due_5_working_days_after_the_trigger() -> None:
    """Triggered Friday 25 September 2026: due Friday 2 October."""
    lrv = only(signals_of("lrv", student(), absent("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")))
    assert lrv.due_date == d("2026-10-02")


def test_the_lrv_period_end_stays_open() -> None:
    """An lrv melding has no period_end (null): it stays open until the student is back."""
    lrv = only(signals_of("lrv", student(), absent("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")))
    assert lrv.period_end is None


def test_an_lrv_has_no_hours_and_no_actie_gewenst() -> None:
    """hours is for the hour-based rules; actie_gewenst is null outside verzuim-16u/herhaalmelding."""
    lrv = only(signals_of("lrv", student(), absent("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")))
    assert (lrv.hours, lrv.actie_gewenst) == (None, None)


def test_the_period_start_moves_back_over_preceding_all_unauthorised_days() -> None:
    """Absent from Wednesday 2 September: the run starts in lesweek 37 but the period on 2 September."""
    records = present("2026-08-31", "2026-09-01") + absent("2026-09-02", "2026-10-02")
    lrv = only(signals_of("lrv", student(), records, as_of=d("2026-10-02")))
    assert (lrv.trigger_date, lrv.period_start) == (d("2026-10-02"), d("2026-09-02"))


def test_the_explanation_names_the_four_lesweken_of_the_run() -> None:
    """Period from 2 September (lesweek 36), run in lesweken 37 to 40: the text names 37 to 40."""
    records = present("2026-08-31", "2026-09-01") + absent("2026-09-02", "2026-10-02")
    lrv = only(signals_of("lrv", student(), records, as_of=d("2026-10-02")))
    assert "4 aaneengesloten lesweken (de lesweken 37 tot en met 40)" in lrv.explanation


def test_the_period_start_stops_at_a_day_with_a_lesson_attended() -> None:
    """A day with one present lesson among absences is not moved over."""
    records = present("2026-08-31", "2026-08-31") + absent("2026-09-01", "2026-10-02")
    records.append(lesson("S1", d("2026-09-02"), 4, status="present"))
    lrv = only(signals_of("lrv", student(), records, as_of=d("2026-10-02")))
    assert lrv.period_start == d("2026-09-03")


def test_the_evidence_is_every_record_from_period_start_to_the_trigger() -> None:
    """Evidence of a run: all records from 2 September up to and including 2 October."""
    records = present("2026-08-31", "2026-09-01") + absent("2026-09-02", "2026-10-09")
    lrv = only(signals_of("lrv", student(), records, as_of=d("2026-10-09")))
    expected = [r.id for r in records if d("2026-09-02") <= r.date <= d("2026-10-02")]
    assert list(lrv.evidence) == expected


def test_the_lrv_fires_once_per_run() -> None:
    """Six fully absent lesweken give one lrv."""
    assert len(signals_of("lrv", student(), absent("2026-08-31", "2026-10-09"), as_of=d("2026-10-16"))) == 1


def test_a_new_run_after_a_break_gives_a_new_lrv() -> None:
    """Absent 4 lesweken, present one, absent 4 more (herfst between): two lrv meldingen."""
    records = (
        absent("2026-08-31", "2026-09-25")
        + present("2026-09-28", "2026-10-02")
        + absent("2026-10-05", "2026-11-06")
    )
    assert triggers(signals_of("lrv", student(), records, as_of=d("2026-11-13"))) == [
        ("lrv", d("2026-09-25")),
        ("lrv", d("2026-11-06")),
    ]


def test_an_lrv_with_startkwalificatie_is_a_signaal_to_the_school() -> None:
    """Not reportable: the lrv becomes a signaal to the school."""
    lrv = only(
        signals_of(
            "lrv", student(startkwalificatie=True), absent("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")
        )
    )
    assert (lrv.kind, lrv.recipient) == ("signaal", "school")


def test_a_19_year_old_gets_an_rmc_4w_melding_instead_of_an_lrv() -> None:
    """18 to 23: a run of 4 lesweken is an rmc-4w melding to the RMC (WEB 8.1.8a)."""
    signals = evaluate(
        student(birth_date=born(19)), absent("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")
    )
    rmc = only([s for s in signals if s.rule in ("lrv", "rmc-4w")])
    assert (rmc.rule, rmc.recipient, rmc.kind, rmc.trigger_date) == (
        "rmc-4w",
        "rmc",
        "melding",
        d("2026-09-25"),
    )
    assert "8.1.8a" in rmc.legal_basis


def test_a_22_year_old_gets_an_rmc_4w_melding() -> None:
    """22 is still under 23: rmc-4w to the RMC."""
    rmc = only(
        signals_of(
            "rmc-4w", student(birth_date=born(22)), absent("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")
        )
    )
    assert rmc.recipient == "rmc"


def test_a_23_year_old_gets_no_run_signal() -> None:
    """From 23 neither lrv nor rmc-4w applies: no signal, not even a signaal."""
    signals = evaluate(
        student(birth_date=born(23)), absent("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")
    )
    assert [s for s in signals if s.rule in ("lrv", "rmc-4w")] == []


def test_the_rmc_4w_period_end_stays_open() -> None:
    """rmc-4w, like lrv, has no period_end."""
    rmc = only(
        signals_of(
            "rmc-4w", student(birth_date=born(19)), absent("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")
        )
    )
    assert (rmc.period_end, rmc.due_date) == (None, d("2026-10-02"))


def test_an_rmc_4w_with_startkwalificatie_is_a_signaal_to_the_school() -> None:
    """A 19-year-old with startkwalificatie is not reportable: signaal to the school."""
    s = student(birth_date=born(19), startkwalificatie=True)
    rmc = only(signals_of("rmc-4w", s, absent("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")))
    assert (rmc.kind, rmc.recipient) == ("signaal", "school")


def test_turning_18_during_the_run_gives_rmc_4w_not_lrv() -> None:
    """Age is taken on the trigger date: 18 on 25 September means rmc-4w."""
    s = student(birth_date=d("2008-09-20"))
    signals = evaluate(s, absent("2026-08-31", "2026-09-25"), as_of=d("2026-10-02"))
    assert [s.rule for s in signals if s.rule in ("lrv", "rmc-4w")] == ["rmc-4w"]


def test_lessons_only_partly_absent_each_week_give_no_lrv() -> None:
    """Absent most lessons but present at one each week: no run."""
    records: list[AttendanceRecord] = []
    for monday in ("2026-08-31", "2026-09-07", "2026-09-14", "2026-09-21"):
        records += lessons("S1", d(monday), 3)
        records.append(lesson("S1", d(monday), 3, status="present"))
    assert signals_of("lrv", student(), records, as_of=d("2026-10-02")) == []
