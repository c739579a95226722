"""Rule verzuim-16u and its herhaalmeldingen: 16 unauthorised hours in a window of 4 lesweken."""

from __future__ import annotations

from datetime import date

from gateway.domain.model import AttendanceRecord
from tests.rules.builders import (
    born,
    d,
    every_school_day,
    lesson,
    lessons,
    only,
    signals_of,
    student,
    triggers,
)

FIRST_WEEK = (d("2026-08-31"), d("2026-09-04"))


def four_hours_on(*days: str, student_id: str = "S1") -> list[AttendanceRecord]:
    """Four unauthorised one-hour absences and one present lesson (so no lrv run) on each day."""
    return [
        r
        for day in days
        for r in [*lessons(student_id, d(day), 4), lesson(student_id, d(day), 4, status="present")]
    ]


def test_a_student_with_15_5_unauthorised_hours_in_4_lesweken_gets_no_melding() -> None:
    """15.5 hours spread over 4 lesweken stay under the threshold of 16."""
    records = four_hours_on("2026-08-31", "2026-09-07", "2026-09-14")
    records += lessons("S1", d("2026-09-21"), 7, minutes=30)  # 3.5 hours
    assert signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")) == []


def test_a_student_with_exactly_16_unauthorised_hours_in_4_lesweken_gets_a_melding() -> None:
    """National compares with >=: exactly 16 hours fire on the day that reaches them."""
    records = four_hours_on("2026-08-31", "2026-09-07", "2026-09-14", "2026-09-21")
    melding = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")))
    assert (melding.trigger_date, melding.hours) == (d("2026-09-21"), 16.0)


def test_a_student_with_16_5_unauthorised_hours_gets_a_melding_with_those_hours() -> None:
    """Over the threshold: the melding carries the counted hours."""
    records = four_hours_on("2026-08-31", "2026-09-07", "2026-09-14")
    records += lessons("S1", d("2026-09-21"), 9, minutes=30)  # 4.5 hours
    assert only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02"))).hours == 16.5


def test_exactly_16_hours_give_no_melding_in_noorderpoort() -> None:
    """Noorderpoort compares with >: exactly 16 hours is not more than 16."""
    records = four_hours_on("2026-08-31", "2026-09-07", "2026-09-14", "2026-09-21")
    assert signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02"), profile="noorderpoort") == []


def test_16_5_hours_give_a_melding_in_noorderpoort() -> None:
    """Noorderpoort: more than 16 hours fires."""
    records = four_hours_on("2026-08-31", "2026-09-07", "2026-09-14")
    records += lessons("S1", d("2026-09-21"), 9, minutes=30)
    melding = only(
        signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02"), profile="noorderpoort")
    )
    assert melding.trigger_date == d("2026-09-21")


def test_the_window_reaches_back_over_a_holiday_week() -> None:
    """Herfstvakantie is skipped: the window of 6 November holds the lesweken 41, 42, 44 and 45."""
    records = four_hours_on("2026-10-09", "2026-10-16", "2026-10-30", "2026-11-06")
    melding = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-11-13")))
    assert (melding.trigger_date, melding.period_start, melding.hours) == (
        d("2026-11-06"),
        d("2026-10-09"),
        16.0,
    )


def test_an_absence_five_lesweken_back_falls_out_of_the_window() -> None:
    """Four-hour absences in lesweken 40, 42, 44 and 45 never have 16 hours within 4 lesweken."""
    records = four_hours_on("2026-10-02", "2026-10-16", "2026-10-30", "2026-11-06")
    assert signals_of("verzuim-16u", student(), records, as_of=d("2026-11-13")) == []


def test_no_melding_once_the_student_turns_18_in_national() -> None:
    """National: hours reaching 16 on the 18th birthday give nothing."""
    s = student(birth_date=date(2008, 9, 16))
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-16")
    assert signals_of("verzuim-16u", s, records, as_of=d("2026-10-02")) == []


def test_the_day_before_the_18th_birthday_still_goes_to_leerplicht() -> None:
    """Age is taken on the trigger date: 17 on 15 September means Leerplicht."""
    s = student(birth_date=date(2008, 9, 16))
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-15")
    melding = only(signals_of("verzuim-16u", s, records, as_of=d("2026-10-02")))
    assert (melding.recipient, melding.kind) == ("leerplicht", "melding")


def test_utrecht_reports_an_18_year_old_to_the_rmc() -> None:
    """Utrecht raises the age to 23: turning 18 inside the window sends the melding to the RMC."""
    s = student(birth_date=date(2008, 9, 16))
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-16")
    melding = only(signals_of("verzuim-16u", s, records, as_of=d("2026-10-02"), profile="utrecht"))
    assert (melding.recipient, melding.kind, melding.trigger_date) == ("rmc", "melding", d("2026-09-16"))


def test_utrecht_reports_a_22_year_old_to_the_rmc() -> None:
    """Utrecht: 16 hours for everyone under 23."""
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-03")
    melding = only(
        signals_of(
            "verzuim-16u", student(birth_date=born(22)), records, as_of=d("2026-10-02"), profile="utrecht"
        )
    )
    assert melding.recipient == "rmc"


def test_utrecht_gives_nothing_from_the_23rd_birthday_on() -> None:
    """Utrecht's age limit is under 23: reaching 16 hours on the 23rd birthday gives no signal at all."""
    s = student(birth_date=date(2003, 9, 16))
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-16")
    assert signals_of("verzuim-16u", s, records, as_of=d("2026-10-02"), profile="utrecht") == []


def test_a_student_with_startkwalificatie_gives_a_signaal_to_the_school() -> None:
    """Not reportable to DUO: the school gets a signaal instead of a melding."""
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-03")
    signal = only(signals_of("verzuim-16u", student(startkwalificatie=True), records, as_of=d("2026-10-02")))
    assert (signal.kind, signal.recipient) == ("signaal", "school")


def test_a_melding_goes_to_leerplicht_under_18() -> None:
    """A 16-year-old's melding is a melding to Leerplicht."""
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-03")
    melding = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")))
    assert (melding.kind, melding.recipient) == ("melding", "leerplicht")


def test_utrecht_gives_a_19_year_old_with_startkwalificatie_a_signaal() -> None:
    """Under 23 but not reportable: the rule applies and the school gets a signaal."""
    s = student(birth_date=born(19), startkwalificatie=True)
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-03")
    signal = only(signals_of("verzuim-16u", s, records, as_of=d("2026-10-02"), profile="utrecht"))
    assert (signal.kind, signal.recipient) == ("signaal", "school")


def test_records_on_a_weekend_day_are_ignored() -> None:
    """Saturday 5 September is no school day: its four hours do not count."""
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-05")
    assert signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")) == []


def test_records_in_a_school_holiday_are_ignored() -> None:
    """Tuesday 20 October (herfstvakantie) is no school day: its hours do not count."""
    records = four_hours_on("2026-10-12", "2026-10-13", "2026-10-14", "2026-10-20")
    assert signals_of("verzuim-16u", student(), records, as_of=d("2026-10-30")) == []


def test_records_on_a_public_holiday_are_ignored() -> None:
    """Tweede Paasdag 2027 is no school day: its hours do not count."""
    records = four_hours_on("2027-03-23", "2027-03-24", "2027-03-25", "2027-03-29")
    assert signals_of("verzuim-16u", student(), records, as_of=d("2027-04-09")) == []


def test_lateness_over_10_minutes_counts_the_whole_lesson() -> None:
    """Four lessons 11 minutes late count as four unauthorised hours."""
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02")
    records += lessons("S1", d("2026-09-03"), 4, status="late", minutes_late=11)
    melding = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")))
    assert (melding.trigger_date, melding.hours) == (d("2026-09-03"), 16.0)


def test_lateness_of_exactly_10_minutes_counts_no_hours() -> None:
    """The limit is greater than 10 minutes: 10 minutes late is a late arrival, not an absence."""
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02")
    records += lessons("S1", d("2026-09-03"), 4, status="late", minutes_late=10)
    assert signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")) == []


def test_lateness_with_an_authorised_reason_counts_nothing() -> None:
    """Thirty minutes late with reason artsbezoek counts no hours."""
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02")
    records += lessons("S1", d("2026-09-03"), 4, status="late", minutes_late=30, reason="artsbezoek")
    assert signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")) == []


def test_authorised_absences_count_no_hours() -> None:
    """Sixteen hours absent with reason ziek give no melding."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-03"), reason="ziek")
    assert signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")) == []


def test_a_correction_to_ziek_removes_the_melding() -> None:
    """A later record with the same id (absent -> ziek) replaces the unknown absence."""
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-03")
    records.append(lesson("S1", d("2026-09-03"), 3, reason="ziek"))
    assert signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")) == []


def test_a_correction_from_ziek_to_spijbelen_creates_the_melding() -> None:
    """The later record wins in the other direction too: ziek corrected to spijbelen counts."""
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02")
    records += lessons("S1", d("2026-09-03"), 4, reason="ziek")
    records += lessons("S1", d("2026-09-03"), 4, reason="spijbelen")
    assert triggers(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02"))) == [
        ("verzuim-16u", d("2026-09-03"))
    ]


def test_the_rule_fires_at_most_once_per_lesweek() -> None:
    """Eight hours a day from Monday: the melding on Tuesday, nothing more that lesweek."""
    records = every_school_day("S1", *FIRST_WEEK, count=8)
    signals = signals_of("verzuim-16u", student(), records, as_of=d("2026-09-04"))
    assert triggers(signals) == [("verzuim-16u", d("2026-09-01"))]


def test_hours_after_a_firing_in_the_same_lesweek_count_towards_the_next() -> None:
    """Wednesday to Friday of the first lesweek plus Monday make the herhaalmelding of 32 hours."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-07"), count=8)
    herhaal = only(signals_of("herhaalmelding", student(), records, as_of=d("2026-09-07")))
    assert (herhaal.trigger_date, herhaal.period_start, herhaal.hours) == (
        d("2026-09-07"),
        d("2026-09-02"),
        32.0,
    )


def test_a_herhaalmelding_counts_only_days_after_the_previous_period_end() -> None:
    """After a melding on 3 September, the next 16 hours start counting on 7 September."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-03"))
    records += every_school_day("S1", d("2026-09-07"), d("2026-09-10"))
    herhaal = only(signals_of("herhaalmelding", student(), records, as_of=d("2026-10-02")))
    assert (herhaal.trigger_date, herhaal.period_start, herhaal.hours) == (
        d("2026-09-10"),
        d("2026-09-07"),
        16.0,
    )


def test_a_herhaalmelding_needs_16_new_hours() -> None:
    """Twelve hours after the first melding are not enough for a herhaalmelding."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-03"))
    records += every_school_day("S1", d("2026-09-07"), d("2026-09-09"))
    assert signals_of("herhaalmelding", student(), records, as_of=d("2026-10-02")) == []


def test_the_first_melding_has_actie_gewenst_false() -> None:
    """verzuim-16u: actie gewenst nee."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-03"))
    assert only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02"))).actie_gewenst is False


def test_a_herhaalmelding_has_actie_gewenst_true() -> None:
    """herhaalmelding: actie gewenst ja."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-10"))
    assert only(signals_of("herhaalmelding", student(), records, as_of=d("2026-09-10"))).actie_gewenst is True


def test_the_due_date_is_5_working_days_after_the_trigger() -> None:
    """Triggered Thursday 3 September: due Thursday 10 September."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-03"))
    assert only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02"))).due_date == d(
        "2026-09-10"
    )


def test_the_due_date_follows_the_profile_report_within_workdays() -> None:
    """An override of 3 working days makes a 3 September trigger due on 8 September."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-03"))
    melding = only(
        signals_of(
            "verzuim-16u", student(), records, as_of=d("2026-10-02"), overrides={"report_within_workdays": 3}
        )
    )
    assert melding.due_date == d("2026-09-08")


def test_the_due_date_counts_holiday_weekdays_as_working_days() -> None:
    """Triggered Friday 16 October, before the herfstvakantie: due Friday 23 October."""
    records = four_hours_on("2026-10-13", "2026-10-14", "2026-10-15", "2026-10-16")
    assert only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-30"))).due_date == d(
        "2026-10-23"
    )


def test_the_period_ends_on_the_trigger_date() -> None:
    """period_end of a verzuim-16u is its trigger date."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-03"))
    melding = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")))
    assert melding.period_end == melding.trigger_date == d("2026-09-03")


def test_the_evidence_lists_the_unauthorised_lessons_counted_only() -> None:
    """Present and ziek lessons on the same days are not evidence; the absences are, in order."""
    records: list[AttendanceRecord] = []
    for day in ("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-03"):
        records += four_hours_on(day)
        records.append(lesson("S1", d(day), 5, reason="ziek"))
    melding = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")))
    expected = [
        f"S1-{day}-{i}" for day in ("2026-08-31", "2026-09-01", "2026-09-02", "2026-09-03") for i in range(4)
    ]
    assert list(melding.evidence) == expected


def test_the_period_starts_on_the_first_day_with_unauthorised_hours() -> None:
    """Present days at the start of the window do not open the period."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-01"), status="present")
    records += four_hours_on("2026-09-02", "2026-09-03", "2026-09-04", "2026-09-07")
    assert only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02"))).period_start == d(
        "2026-09-02"
    )


def test_a_day_that_adds_nothing_does_not_fire() -> None:
    """Reaching 16 hours needs a day with unauthorised hours: a present day after 15 hours fires nothing."""
    records = four_hours_on("2026-08-31", "2026-09-01", "2026-09-02")
    records += lessons("S1", d("2026-09-03"), 3)
    records += lessons("S1", d("2026-09-04"), 4, status="present")
    assert signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")) == []


def test_hours_are_rounded_to_two_decimals() -> None:
    """Twenty 50-minute lessons make 16.67 hours."""
    records = [
        lesson("S1", day, i, minutes=50) for day in (d("2026-08-31"), d("2026-09-01")) for i in range(10)
    ]
    melding = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")))
    assert melding.hours == 16.67


def test_45_minute_lessons_count_three_quarters_of_an_hour() -> None:
    """Twenty-one 45-minute lessons (15.75 hours) do not fire; the twenty-second (16.5 hours) does."""
    records = [
        lesson("S1", day, i, minutes=45) for day in (d("2026-08-31"), d("2026-09-01")) for i in range(8)
    ]
    records += [lesson("S1", d("2026-09-02"), i, minutes=45) for i in range(5)]  # 21 lessons
    assert signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")) == []
    records.append(lesson("S1", d("2026-09-03"), 0, minutes=45))
    assert only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02"))).hours == 16.5


def test_the_legal_basis_is_the_leerplichtwet() -> None:
    """verzuim-16u under 18 cites Leerplichtwet 1969 art. 21a."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-03"))
    melding = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-10-02")))
    assert melding.legal_basis == "Leerplichtwet 1969 art. 21a"


def test_a_later_as_of_keeps_the_earlier_melding_unchanged() -> None:
    """Causal: evaluating a week later does not change the melding of 3 September."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-09-11"))
    early = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-09-03")))
    late = only(signals_of("verzuim-16u", student(), records, as_of=d("2026-09-11")))
    assert early == late
