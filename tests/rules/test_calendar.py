"""Calendar: Dutch public holidays (Algemene termijnenwet), school days, lesweken, working days."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.domain.calendar import (
    add_working_days,
    easter_sunday,
    is_public_holiday,
    is_working_day,
    school_year_start,
)
from tests.rules.builders import SCHOOL_CALENDAR, d, evaluate, every_school_day, only, student


@pytest.mark.parametrize(
    ("year", "goede_vrijdag", "tweede_paasdag", "hemelvaart", "tweede_pinksterdag"),
    [
        (2026, "2026-04-03", "2026-04-06", "2026-05-14", "2026-05-25"),
        (2027, "2027-03-26", "2027-03-29", "2027-05-06", "2027-05-17"),
        (2028, "2028-04-14", "2028-04-17", "2028-05-25", "2028-06-05"),
    ],
)
def test_easter_based_holidays_follow_easter_sunday(
    year: int, goede_vrijdag: str, tweede_paasdag: str, hemelvaart: str, tweede_pinksterdag: str
) -> None:
    """Goede Vrijdag, Tweede Paasdag, Hemelvaartsdag and Tweede Pinksterdag move with Easter."""
    for day in (goede_vrijdag, tweede_paasdag, hemelvaart, tweede_pinksterdag):
        assert is_public_holiday(d(day)), day


@pytest.mark.parametrize(
    ("year", "easter"), [(2026, "2026-04-05"), (2027, "2027-03-28"), (2028, "2028-04-16")]
)
def test_easter_sunday_is_the_gregorian_easter(year: int, easter: str) -> None:
    """Easter Sunday for 2026, 2027 and 2028."""
    assert easter_sunday(year) == d(easter)


def test_koningsdag_is_26_april_when_27_april_is_a_sunday() -> None:
    """2025: 27 April is a Sunday, so Koningsdag is Saturday 26 April."""
    assert is_public_holiday(date(2025, 4, 26))
    assert not is_public_holiday(date(2025, 4, 27))


def test_koningsdag_is_27_april_otherwise() -> None:
    """2027: 27 April is a Tuesday and a public holiday; 26 April is not."""
    assert is_public_holiday(date(2027, 4, 27))
    assert not is_public_holiday(date(2027, 4, 26))


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2028, 2029])
def test_5_may_is_a_public_holiday_every_year(year: int) -> None:
    """Bevrijdingsdag counts for legal deadlines every year, not only every fifth."""
    assert is_public_holiday(date(year, 5, 5))


@pytest.mark.parametrize("day", ["2027-01-01", "2026-12-25", "2026-12-26"])
def test_new_year_and_christmas_are_public_holidays(day: str) -> None:
    """Nieuwjaarsdag, Eerste and Tweede Kerstdag."""
    assert is_public_holiday(d(day))


def test_a_school_holiday_weekday_is_a_working_day() -> None:
    """Monday 19 October 2026 (herfstvakantie) is a working day but no school day."""
    assert is_working_day(d("2026-10-19"))
    assert not SCHOOL_CALENDAR.is_school_day(d("2026-10-19"))


def test_a_public_holiday_is_neither_a_working_day_nor_a_school_day() -> None:
    """Tweede Paasdag 2027 falls in term time and is not a school day or working day."""
    assert not is_working_day(d("2027-03-29"))
    assert not SCHOOL_CALENDAR.is_school_day(d("2027-03-29"))


def test_weekend_days_are_not_school_days() -> None:
    """Saturday and Sunday are never school days."""
    assert not SCHOOL_CALENDAR.is_school_day(d("2026-09-05"))
    assert not SCHOOL_CALENDAR.is_school_day(d("2026-09-06"))


def test_days_outside_the_school_year_are_not_school_days() -> None:
    """The Friday before the first school day and the Monday after the last are not school days."""
    assert not SCHOOL_CALENDAR.is_school_day(d("2026-08-28"))
    assert not SCHOOL_CALENDAR.is_school_day(d("2027-07-19"))


def test_working_days_skip_public_holidays() -> None:
    """Thursday 25 March 2027 plus one working day skips Goede Vrijdag, the weekend and Tweede Paasdag."""
    assert add_working_days(d("2027-03-25"), 1) == d("2027-03-30")


def test_working_days_do_not_skip_school_holidays() -> None:
    """Friday 16 October 2026 plus one working day is Monday 19 October, in the herfstvakantie."""
    assert add_working_days(d("2026-10-16"), 1) == d("2026-10-19")


def test_working_days_skip_weekends() -> None:
    """Thursday 3 September 2026 plus five working days is Thursday 10 September."""
    assert add_working_days(d("2026-09-03"), 5) == d("2026-09-10")


def test_lesweken_skip_holiday_weeks() -> None:
    """The lesweek after the one ending 16 October 2026 is the one starting 26 October (herfst skipped)."""
    before = SCHOOL_CALENDAR.lesweek_of(d("2026-10-16"))
    after = SCHOOL_CALENDAR.lesweek_of(d("2026-10-26"))
    assert before is not None and after is not None
    assert after == before + 1


def test_a_week_with_a_public_holiday_is_still_a_lesweek() -> None:
    """The week of Tweede Paasdag 2027 has four school days and is one lesweek."""
    week = SCHOOL_CALENDAR.lesweek_of(d("2027-03-30"))
    assert week is not None
    assert SCHOOL_CALENDAR.lesweek_of(d("2027-04-02")) == week
    assert SCHOOL_CALENDAR.lesweek_label(week) == 13


def test_the_first_lesweek_starts_on_the_first_school_day() -> None:
    """Lesweek 0 is ISO week 36 of 2026, starting on Monday 31 August."""
    assert SCHOOL_CALENDAR.lesweek_of(d("2026-08-31")) == 0
    assert SCHOOL_CALENDAR.lesweek_label(0) == 36


def test_a_due_date_across_goede_vrijdag_and_tweede_paasdag_skips_both() -> None:
    """A verzuim-16u triggered on Wednesday 24 March 2027 is due 5 working days later: Friday 2 April."""
    records = every_school_day("S1", d("2027-03-22"), d("2027-03-24"), count=6)
    melding = only(
        [s for s in evaluate(student(), records, as_of=d("2027-04-09")) if s.rule == "verzuim-16u"]
    )
    assert melding.trigger_date == d("2027-03-24")
    assert melding.due_date == d("2027-04-02")


@pytest.mark.parametrize(
    ("day", "start"),
    [("2026-08-01", "2026-08-01"), ("2027-07-31", "2026-08-01"), ("2026-12-15", "2026-08-01")],
)
def test_a_school_year_starts_on_1_august(day: str, start: str) -> None:
    """A day from August to July belongs to the school year that began on the 1 August before it."""
    assert school_year_start(d(day)) == d(start)
