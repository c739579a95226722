"""Age in whole years: one reckoning (gateway.domain.age) for the rules engine, routing and DUO codes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gateway.domain.age import REPORTABLE_BELOW_AGE, age_on, birthday
from gateway.rules.frame import EvaluationFrame, columns_from_records
from gateway.rules.profiles import load_profile
from tests.rules.builders import SCHOOL_CALENDAR, student

LEAP_DAY_2004 = date(2004, 2, 29)


def test_age_goes_up_on_the_birthday_not_before():
    """The day before the 18th birthday the student is 17; on the day, 18."""
    birth = date(2009, 3, 1)
    assert (age_on(birth, date(2027, 2, 28)), age_on(birth, date(2027, 3, 1))) == (17, 18)


def test_leap_day_birthday_falls_on_1_march_in_other_years():
    """Born on 29 February: still 22 on 28 February 2027, 23 on 1 March."""
    assert (age_on(LEAP_DAY_2004, date(2027, 2, 28)), age_on(LEAP_DAY_2004, date(2027, 3, 1))) == (22, 23)


def test_leap_day_birthday_falls_on_29_february_in_leap_years():
    """Born on 29 February: 23 on 28 February 2028 still, 24 on 29 February."""
    assert (age_on(LEAP_DAY_2004, date(2028, 2, 28)), age_on(LEAP_DAY_2004, date(2028, 2, 29))) == (23, 24)


@pytest.mark.parametrize("birth", [LEAP_DAY_2004, date(2008, 3, 1), date(2007, 12, 31), date(2010, 1, 1)])
def test_birthday_is_the_first_day_of_the_new_age(birth):
    """For every age up to 30: on ``birthday`` the age is reached, the day before it is not."""
    for years in range(1, 31):
        day = birthday(birth, years)
        assert (age_on(birth, day - timedelta(days=1)), age_on(birth, day)) == (years - 1, years)


def test_the_engine_agrees_with_itself_on_a_leap_day_birthday():
    """The frame's age per student and its precomputed ``age_at_least`` give the same answer every day."""
    students = [student("S1", birth_date=LEAP_DAY_2004)]
    frame = EvaluationFrame(SCHOOL_CALENDAR, students, columns_from_records(students, []),
                            load_profile("national"), date(2027, 3, 5))
    at_least = [bool(frame.age_at_least(REPORTABLE_BELOW_AGE, day)[0]) for day in range(frame.n_days)]
    by_age = [frame.age(0, day) >= REPORTABLE_BELOW_AGE for day in range(frame.n_days)]
    assert at_least == by_age and at_least.count(True) == 5  # 1 to 5 March 2027
