"""The melding page's week-by-week figures, from evidence records and the school calendar."""

from __future__ import annotations

from datetime import date, time

from gateway.console.queries import EvidenceRow
from gateway.console.weekly import summarise
from gateway.domain.calendar import SchoolCalendar
from tests.store.helpers import CALENDAR

MONDAY = date(2026, 9, 7)
PERIOD = (MONDAY, date(2026, 9, 11))


def late(minutes: int) -> EvidenceRow:
    """A lesson of an hour on Monday, joined ``minutes`` late."""
    return EvidenceRow("r1", MONDAY, time(9), time(10), "late", None, minutes)


def test_a_lesson_joined_past_the_late_limit_counts_as_an_hour_of_verzuim() -> None:
    summary = summarise([late(25)], SchoolCalendar(CALENDAR), PERIOD, rule="lrv", threshold=None,
                        late_limit=10)
    (week,) = summary.weeks
    assert (week.unauthorised, week.late) == (1.0, 0)


def test_a_lesson_joined_within_the_late_limit_counts_as_a_late_arrival() -> None:
    summary = summarise([late(5)], SchoolCalendar(CALENDAR), PERIOD, rule="lrv", threshold=None,
                        late_limit=10)
    (week,) = summary.weeks
    assert (week.unauthorised, week.late) == (0.0, 1)
