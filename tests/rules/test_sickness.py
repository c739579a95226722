"""Sickness rules: ziek-zonder-verklaring, zorg-langdurig-ziek and zorg-vaak-ziek."""

from __future__ import annotations

from typing import Any

from gateway.domain.model import AttendanceRecord
from tests.rules.builders import (
    born,
    d,
    daily,
    every_school_day,
    lesson,
    lessons,
    only,
    signals_of,
    student,
    triggers,
)

SICK = {"status": "absent", "reason": "ziek"}


def ziek(first: str, last: str, **kwargs: Any) -> list[AttendanceRecord]:
    """Four ziek absences on every school day from ``first`` to ``last``."""
    return every_school_day("S1", d(first), d(last), reason="ziek", **kwargs)


def episodes(*sick_days: str, last: str = "2026-12-18") -> list[AttendanceRecord]:
    """One lesson a day from 31 August to ``last``: ziek on ``sick_days``, present otherwise."""
    return daily("S1", d("2026-08-31"), d(last), {d(day): SICK for day in sick_days})


# --- ziek-zonder-verklaring -------------------------------------------------------------------


def test_4_lesweken_sick_without_doktersverklaring_give_a_melding() -> None:
    """Only ziek from 31 August to 25 September: melding to Leerplicht on 25 September."""
    melding = only(
        signals_of(
            "ziek-zonder-verklaring", student(), ziek("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")
        )
    )
    assert (
        melding.trigger_date,
        melding.period_start,
        melding.recipient,
        melding.kind,
        melding.due_date,
    ) == (d("2026-09-25"), d("2026-08-31"), "leerplicht", "melding", d("2026-10-02"))


def test_a_doktersverklaring_prevents_the_melding() -> None:
    """A dated medical declaration covers the long sickness: nothing to report."""
    s = student(doktersverklaring=True)
    assert (
        signals_of("ziek-zonder-verklaring", s, ziek("2026-08-31", "2026-09-25"), as_of=d("2026-10-02")) == []
    )


def test_3_lesweken_sick_give_no_ziek_zonder_verklaring() -> None:
    """Three lesweken sick are not four."""
    records = ziek("2026-08-31", "2026-09-18") + every_school_day(
        "S1", d("2026-09-21"), d("2026-09-25"), status="present"
    )
    assert signals_of("ziek-zonder-verklaring", student(), records, as_of=d("2026-10-02")) == []


def test_one_non_ziek_absence_breaks_the_sick_run() -> None:
    """A spijbelen lesson in lesweek 38: not every record is ziek, so no 4-lesweken run by 2 October."""
    records = [*ziek("2026-08-31", "2026-10-02"), lesson("S1", d("2026-09-16"), 4, reason="spijbelen")]
    assert signals_of("ziek-zonder-verklaring", student(), records, as_of=d("2026-10-02")) == []


def test_a_19_year_old_sick_without_declaration_goes_to_the_rmc() -> None:
    """Recipient by age: RMC from 18."""
    melding = only(
        signals_of(
            "ziek-zonder-verklaring",
            student(birth_date=born(19)),
            ziek("2026-08-31", "2026-09-25"),
            as_of=d("2026-10-02"),
        )
    )
    assert melding.recipient == "rmc"


def test_a_23_year_old_sick_without_declaration_gives_a_signaal() -> None:
    """Not reportable (23+): the school gets a signaal."""
    signal = only(
        signals_of(
            "ziek-zonder-verklaring",
            student(birth_date=born(23)),
            ziek("2026-08-31", "2026-09-25"),
            as_of=d("2026-10-02"),
        )
    )
    assert (signal.kind, signal.recipient) == ("signaal", "school")


def test_the_sick_run_period_moves_back_over_preceding_all_ziek_days() -> None:
    """Sick from Wednesday 2 September: period_start 2 September although the run starts in lesweek 37."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-01"), status="present")
    records += ziek("2026-09-02", "2026-10-02")
    melding = only(signals_of("ziek-zonder-verklaring", student(), records, as_of=d("2026-10-02")))
    assert (melding.trigger_date, melding.period_start) == (d("2026-10-02"), d("2026-09-02"))


def test_unauthorised_absences_are_not_a_sick_run() -> None:
    """Four lesweken of unknown absences give an lrv, not a ziek-zonder-verklaring."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-25"))
    assert signals_of("ziek-zonder-verklaring", student(), records, as_of=d("2026-10-02")) == []


# --- zorg-langdurig-ziek ----------------------------------------------------------------------


def test_10_school_days_sick_give_a_care_signal_in_utrecht() -> None:
    """Utrecht: the 10th consecutive sick day (11 September) triggers a signaal to the school."""
    signal = only(
        signals_of(
            "zorg-langdurig-ziek",
            student(),
            ziek("2026-08-31", "2026-09-11"),
            as_of=d("2026-09-18"),
            profile="utrecht",
        )
    )
    assert (signal.trigger_date, signal.period_start, signal.kind, signal.recipient, signal.due_date) == (
        d("2026-09-11"),
        d("2026-08-31"),
        "signaal",
        "school",
        None,
    )


def test_9_school_days_sick_give_no_care_signal() -> None:
    """Nine sick days are not ten."""
    records = ziek("2026-08-31", "2026-09-10") + lessons("S1", d("2026-09-11"), status="present")
    assert (
        signals_of("zorg-langdurig-ziek", student(), records, as_of=d("2026-09-18"), profile="utrecht") == []
    )


def test_a_school_day_without_records_does_not_break_the_sick_run() -> None:
    """No records on 7 September: the run goes on and reaches 10 days on 14 September."""
    records = ziek("2026-08-31", "2026-09-04") + ziek("2026-09-08", "2026-09-14")
    signal = only(
        signals_of("zorg-langdurig-ziek", student(), records, as_of=d("2026-09-18"), profile="utrecht")
    )
    assert (signal.trigger_date, signal.period_start) == (d("2026-09-14"), d("2026-08-31"))


def test_a_present_day_breaks_the_sick_run() -> None:
    """Present on 7 September: two runs of 5 sick days, no signal."""
    records = ziek("2026-08-31", "2026-09-04") + lessons("S1", d("2026-09-07"), status="present")
    records += ziek("2026-09-08", "2026-09-14")
    assert (
        signals_of("zorg-langdurig-ziek", student(), records, as_of=d("2026-09-18"), profile="utrecht") == []
    )


def test_a_holiday_inside_the_sick_run_does_not_break_it() -> None:
    """Sick the week before and the week after the herfstvakantie: 10 school days on 30 October."""
    signal = only(
        signals_of(
            "zorg-langdurig-ziek",
            student(),
            ziek("2026-10-12", "2026-10-30"),
            as_of=d("2026-10-30"),
            profile="utrecht",
        )
    )
    assert signal.trigger_date == d("2026-10-30")


def test_a_day_with_one_ziek_lesson_counts_as_a_sick_day() -> None:
    """Each day of the run needs a ziek absence, not only ziek absences: ziek plus present still counts."""
    records = ziek("2026-08-31", "2026-09-10")
    records += [
        lesson("S1", d("2026-09-11"), 0, reason="ziek"),
        lesson("S1", d("2026-09-11"), 1, status="present"),
    ]
    assert only(
        signals_of("zorg-langdurig-ziek", student(), records, as_of=d("2026-09-18"), profile="utrecht")
    ).trigger_date == d("2026-09-11")


def test_a_long_sick_run_gives_one_care_signal() -> None:
    """Fifteen sick days in a row: one signal."""
    records = ziek("2026-08-31", "2026-09-18")
    assert (
        len(signals_of("zorg-langdurig-ziek", student(), records, as_of=d("2026-09-18"), profile="utrecht"))
        == 1
    )


def test_the_long_sick_evidence_is_the_ziek_records() -> None:
    """Evidence: the ziek records of the run, not the present lessons on the same days."""
    records = ziek("2026-08-31", "2026-09-11", count=1)
    records += every_school_day(
        "S1", d("2026-08-31"), d("2026-09-11"), count=1, status="present", first_index=1
    )
    signal = only(
        signals_of("zorg-langdurig-ziek", student(), records, as_of=d("2026-09-18"), profile="utrecht")
    )
    assert sorted(signal.evidence) == sorted(r.id for r in records if r.reason == "ziek")


def test_noorderpoort_also_signals_10_school_days_sick() -> None:
    """Noorderpoort uses 10 school days as well."""
    records = ziek("2026-08-31", "2026-09-11")
    assert (
        len(
            signals_of(
                "zorg-langdurig-ziek", student(), records, as_of=d("2026-09-18"), profile="noorderpoort"
            )
        )
        == 1
    )


def test_national_has_no_long_sick_signal() -> None:
    """The care signals are a profile option: national has none."""
    assert (
        signals_of("zorg-langdurig-ziek", student(), ziek("2026-08-31", "2026-09-25"), as_of=d("2026-10-02"))
        == []
    )


def test_the_long_sick_signal_applies_to_students_with_startkwalificatie() -> None:
    """Care signals are for all students."""
    s = student(startkwalificatie=True, birth_date=born(25))
    assert (
        len(
            signals_of(
                "zorg-langdurig-ziek",
                s,
                ziek("2026-08-31", "2026-09-11"),
                as_of=d("2026-09-18"),
                profile="utrecht",
            )
        )
        == 1
    )


# --- zorg-vaak-ziek ---------------------------------------------------------------------------


def test_3_sickness_episodes_in_13_lesweken_give_a_care_signal_in_utrecht() -> None:
    """Sick on 1, 8 and 15 September (present between): signaal on the first day of the 3rd episode."""
    records = episodes("2026-09-01", "2026-09-08", "2026-09-15")
    signal = only(signals_of("zorg-vaak-ziek", student(), records, as_of=d("2026-12-18"), profile="utrecht"))
    assert (signal.trigger_date, signal.period_start, signal.kind, signal.recipient, signal.due_date) == (
        d("2026-09-15"),
        d("2026-09-01"),
        "signaal",
        "school",
        None,
    )


def test_2_sickness_episodes_give_no_care_signal_in_utrecht() -> None:
    """Two episodes are not three."""
    records = episodes("2026-09-01", "2026-09-08")
    assert signals_of("zorg-vaak-ziek", student(), records, as_of=d("2026-12-18"), profile="utrecht") == []


def test_a_multi_day_sickness_is_one_episode() -> None:
    """Sick 1-3 September and on 8 September: two episodes, no signal."""
    records = episodes("2026-09-01", "2026-09-02", "2026-09-03", "2026-09-08")
    assert signals_of("zorg-vaak-ziek", student(), records, as_of=d("2026-12-18"), profile="utrecht") == []


def test_a_school_day_without_records_does_not_split_an_episode() -> None:
    """Sick on 1 and 3 September with no records on 2 September: one episode, plus 8 September makes two."""
    records = [r for r in episodes("2026-09-01", "2026-09-03", "2026-09-08") if r.date != d("2026-09-02")]
    assert signals_of("zorg-vaak-ziek", student(), records, as_of=d("2026-12-18"), profile="utrecht") == []


def test_episodes_outside_the_span_of_13_lesweken_do_not_count() -> None:
    """Episodes in lesweken 0, 12 and 13: the span of 13 lesweken never holds three."""
    records = episodes("2026-08-31", "2026-11-30", "2026-12-07")
    assert signals_of("zorg-vaak-ziek", student(), records, as_of=d("2026-12-18"), profile="utrecht") == []


def test_episodes_at_both_ends_of_the_span_count() -> None:
    """Episodes in lesweken 0, 12 and 12: all within 13 lesweken, signal on 2 December."""
    records = episodes("2026-08-31", "2026-11-30", "2026-12-02")
    signal = only(signals_of("zorg-vaak-ziek", student(), records, as_of=d("2026-12-18"), profile="utrecht"))
    assert (signal.trigger_date, signal.period_start) == (d("2026-12-02"), d("2026-08-31"))


def test_after_a_care_signal_only_later_episodes_count() -> None:
    """Episodes weekly from 1 September: signals on 15 September and 6 October, not on 22 or 29 September."""
    records = episodes("2026-09-01", "2026-09-08", "2026-09-15", "2026-09-22", "2026-09-29", "2026-10-06")
    signals = signals_of("zorg-vaak-ziek", student(), records, as_of=d("2026-12-18"), profile="utrecht")
    assert triggers(signals) == [("zorg-vaak-ziek", d("2026-09-15")), ("zorg-vaak-ziek", d("2026-10-06"))]
    assert signals[1].period_start == d("2026-09-22")


def test_3_episodes_give_no_care_signal_in_noorderpoort() -> None:
    """Noorderpoort needs 5 episodes in 12 lesweken."""
    records = episodes("2026-09-01", "2026-09-08", "2026-09-15")
    assert (
        signals_of("zorg-vaak-ziek", student(), records, as_of=d("2026-12-18"), profile="noorderpoort") == []
    )


def test_5_episodes_in_12_lesweken_give_a_care_signal_in_noorderpoort() -> None:
    """The 5th episode (29 September) triggers."""
    records = episodes("2026-09-01", "2026-09-08", "2026-09-15", "2026-09-22", "2026-09-29")
    signal = only(
        signals_of("zorg-vaak-ziek", student(), records, as_of=d("2026-12-18"), profile="noorderpoort")
    )
    assert (signal.trigger_date, signal.period_start) == (d("2026-09-29"), d("2026-09-01"))


def test_national_has_no_frequent_sick_signal() -> None:
    """A profile option: national has none."""
    records = episodes("2026-09-01", "2026-09-08", "2026-09-15", "2026-09-22", "2026-09-29")
    assert signals_of("zorg-vaak-ziek", student(), records, as_of=d("2026-12-18")) == []


def test_the_frequent_sick_evidence_is_the_ziek_records() -> None:
    """Evidence: the ziek records from the first counted episode to the trigger."""
    records = episodes("2026-09-01", "2026-09-08", "2026-09-15")
    signal = only(signals_of("zorg-vaak-ziek", student(), records, as_of=d("2026-12-18"), profile="utrecht"))
    assert signal.evidence == ("S1-2026-09-01-0", "S1-2026-09-08-0", "S1-2026-09-15-0")
