"""School days, lesweken, Dutch public holidays (Algemene termijnenwet) and working days."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from calendar import SATURDAY, SUNDAY
from datetime import date, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from gateway.domain.model import Calendar

SCHOOL_YEAR_START_MONTH = 8  # a Dutch school year runs from 1 August
# The zone a school lives in: dates and lesson times are local to it, whatever the server's zone.
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def school_year_start(as_of: date) -> date:
    """1 August of the school year containing ``as_of``."""
    year = as_of.year if as_of.month >= SCHOOL_YEAR_START_MONTH else as_of.year - 1
    return date(year, SCHOOL_YEAR_START_MONTH, 1)


def easter_sunday(year: int) -> date:
    """Western Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def public_holidays(year: int) -> frozenset[date]:
    """The general holidays of the Algemene termijnenwet in ``year`` (they govern legal deadlines)."""
    easter = easter_sunday(year)
    koningsdag = date(year, 4, 27)
    if koningsdag.weekday() == SUNDAY:  # celebrated the day before
        koningsdag = date(year, 4, 26)
    return frozenset({
        date(year, 1, 1),                 # Nieuwjaarsdag
        easter - timedelta(days=2),       # Goede Vrijdag
        easter + timedelta(days=1),       # Tweede Paasdag
        koningsdag,
        date(year, 5, 5),                 # Bevrijdingsdag
        easter + timedelta(days=39),      # Hemelvaartsdag
        easter + timedelta(days=50),      # Tweede Pinksterdag
        date(year, 12, 25),               # Eerste Kerstdag
        date(year, 12, 26),               # Tweede Kerstdag
    })


def is_public_holiday(day: date) -> bool:
    """True for a Dutch general holiday under the Algemene termijnenwet."""
    return day in public_holidays(day.year)


def is_working_day(day: date) -> bool:
    """A Monday to Friday that is not a public holiday (school holidays are working days)."""
    return day.weekday() < SATURDAY and not is_public_holiday(day)


@cache
def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself is not counted)."""
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def iso_week_sunday(day: date) -> date:
    """The Sunday that ends the ISO week containing ``day``."""
    return day + timedelta(days=SUNDAY - day.weekday())


class SchoolCalendar:
    """A school year's school days and lesweken, with fast lookups by date.

    >>> cal = SchoolCalendar(Calendar(first_school_day=date(2026, 8, 31),
    ...                               last_school_day=date(2027, 7, 16)))
    >>> cal.is_school_day(date(2026, 8, 31))
    True
    """

    def __init__(self, calendar: Calendar) -> None:
        self.source = calendar
        holidays = [(h.start, h.end) for h in calendar.holidays]
        days: list[date] = []
        current = calendar.first_school_day
        while current <= calendar.last_school_day:
            if (
                current.weekday() < SATURDAY
                and not is_public_holiday(current)
                and not any(start <= current <= end for start, end in holidays)
            ):
                days.append(current)
            current += timedelta(days=1)
        self.school_days: tuple[date, ...] = tuple(days)
        self._index = {d: i for i, d in enumerate(days)}
        week_keys: list[tuple[int, int]] = []
        day_week: list[int] = []
        for d in days:
            key = d.isocalendar()[:2]
            if not week_keys or week_keys[-1] != key:
                week_keys.append((key[0], key[1]))
            day_week.append(len(week_keys) - 1)
        self.lesweek_keys: tuple[tuple[int, int], ...] = tuple(week_keys)
        self.day_lesweek: tuple[int, ...] = tuple(day_week)
        # First and last school-day index of each lesweek.
        starts: list[int] = []
        ends: list[int] = []
        for i, w in enumerate(day_week):
            if w == len(starts):
                starts.append(i)
                ends.append(i)
            else:
                ends[w] = i
        self.lesweek_first_day: tuple[int, ...] = tuple(starts)
        self.lesweek_last_day: tuple[int, ...] = tuple(ends)

    def is_school_day(self, day: date) -> bool:
        """True when ``day`` is a school day of this calendar."""
        return day in self._index

    def index(self, day: date) -> int | None:
        """Position of ``day`` among the school days, or None when it is not one."""
        return self._index.get(day)

    def count_until(self, day: date) -> int:
        """Number of school days on or before ``day``."""
        return bisect_right(self.school_days, day)

    def first_on_or_after(self, day: date) -> int | None:
        """Index of the first school day on or after ``day``, or None past the year's end."""
        i = bisect_left(self.school_days, day)
        return i if i < len(self.school_days) else None

    def lesweek_of(self, day: date) -> int | None:
        """Ordinal of the lesweek containing school day ``day``."""
        i = self._index.get(day)
        return None if i is None else self.day_lesweek[i]

    def lesweek_label(self, lesweek: int) -> int:
        """The ISO week number of a lesweek, as school staff name it."""
        return self.lesweek_keys[lesweek][1]


def working_days_until(as_of: date, due: date) -> int:
    """Working days after ``as_of`` up to and including ``due`` (0 when due today or overdue)."""
    count = 0
    current = as_of
    while current < due:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
