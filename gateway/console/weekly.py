"""A melding's evidence week by week: the hours per lesweek, the rule's threshold, and the bar chart.

A lesweek is a week with school days in the school's calendar (``SchoolCalendar``); weeks without
school days (holidays) are no lesweken and are left out, as the rules leave them out. The chart's
geometry is computed here, in whole SVG units, so the template only draws it (and so no decimal point
of a coordinate can be mistaken for a Dutch number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from gateway.console.queries import EvidenceRow
from gateway.domain.calendar import SchoolCalendar
from gateway.domain.reasons import is_authorised
from gateway.rules.explain import dutch_number
from gateway.rules.profiles import Profile

# The rolling window of the hour rules: the lesweek itself and the 3 before it (gateway/rules/window.py).
WINDOW_LESWEKEN: Final = 4
# Rules whose evidence holds only the records they counted as unauthorised (EvidenceSpec with
# record_class=CLS_UNAUTHORISED): lateness over the school's limit counts there as absence.
COUNTED_ONLY: Final = frozenset({"verzuim-16u", "herhaalmelding", "intern-10u"})
# Rules on runs of lesweken in which every registered lesson was an unauthorised absence.
FULL_WEEK_RULES: Final = frozenset({"lrv", "rmc-4w", "sf-4w-contact", "sf-8w-ma"})
WeekKey = tuple[int, int]  # ISO year and week


@dataclass(frozen=True)
class Threshold:
    """The rule's line: ``hours`` over ``window`` lesweken together, or (``full_week``) every
    registered lesson of a lesweek; ``caption`` says in Dutch what the line means."""

    caption: str
    hours: float | None = None
    window: int = 1
    full_week: bool = False


@dataclass(frozen=True)
class WeekTotals:
    """One lesweek of the melding's period: its ISO week number, its school days, and what its
    evidence records add up to."""

    week: int
    first_day: date
    last_day: date
    unauthorised: float = 0.0
    authorised: float = 0.0
    late: int = 0
    registered: float = 0.0
    rolling: float | None = None

    @property
    def full(self) -> bool:
        """Every registered lesson of this lesweek was an unauthorised absence."""
        return self.registered > 0 and self.unauthorised >= self.registered


@dataclass(frozen=True)
class WeeklySummary:
    """The lesweken of a melding's period, oldest first, with the rule's threshold (if it has one)."""

    weeks: tuple[WeekTotals, ...]
    threshold: Threshold | None

    @property
    def unauthorised(self) -> float:
        """The unauthorised hours of every lesweek together."""
        return sum(w.unauthorised for w in self.weeks)

    @property
    def has_authorised(self) -> bool:
        """True when any evidence record was an authorised absence (the table then shows them)."""
        return any(w.authorised for w in self.weeks)

    @property
    def has_late(self) -> bool:
        """True when any evidence record was a late arrival that did not count as absence."""
        return any(w.late for w in self.weeks)


def threshold_for(rule: str, profile: Profile) -> Threshold | None:
    """The line a rule draws, from the school's profile (never a fixed number): the hour rules'
    threshold over their window, or the full lesweek of the run rules."""
    if rule in ("verzuim-16u", "herhaalmelding"):
        hours = profile.verzuim_16u_threshold
        more = "meer dan " if profile.verzuim_16u_compare == ">" else ""
        return Threshold(_window_caption(hours, more), hours, WINDOW_LESWEKEN)
    if rule == "intern-10u" and profile.intern_10u_hours is not None:
        return Threshold(_window_caption(profile.intern_10u_hours, ""), profile.intern_10u_hours,
                         WINDOW_LESWEKEN)
    if rule in FULL_WEEK_RULES:
        return Threshold("Het streepje boven elke staaf staat op alle geregistreerde lesuren van die "
                         "lesweek: een lesweek telt mee als de staaf het streepje haalt (alle lessen "
                         "ongeoorloofd gemist).", full_week=True)
    return None


def _window_caption(hours: float, more: str) -> str:
    return (f"De lijn staat op de drempel van de regel: {more}{dutch_number(hours)} uur ongeoorloofd "
            f"verzuim in {WINDOW_LESWEKEN} lesweken samen. De punten tonen per lesweek het totaal van "
            f"die lesweek en de {WINDOW_LESWEKEN - 1} lesweken ervoor.")


def summarise(rows: Sequence[EvidenceRow], calendar: SchoolCalendar, period: tuple[date, date], *,  # noqa: PLR0913  the records, where they lie, and the rule's own measures
              rule: str, threshold: Threshold | None, late_limit: int | None = None) -> WeeklySummary:
    """Every lesweek from ``period``'s first to its last day (and any week holding evidence),
    with the hours of the evidence records in it; a lesson joined more than ``late_limit`` minutes
    late counts as unauthorised absence, as the rules count it."""
    keys = _lesweek_keys(calendar, period) | {_key(r.day) for r in rows}
    totals: dict[WeekKey, dict[str, float]] = {k: {"u": 0.0, "a": 0.0, "l": 0.0, "r": 0.0} for k in keys}
    counted_only = rule in COUNTED_ONLY
    for row in rows:
        hours = _hours(row)
        week = totals[_key(row.day)]
        week["r"] += hours
        too_late = (row.status == "late" and late_limit is not None and row.minutes_late is not None
                    and row.minutes_late > late_limit)
        if counted_only or too_late or (row.status == "absent" and not is_authorised(row.reason)):
            week["u"] += hours
        elif row.status == "absent":
            week["a"] += hours
        elif row.status == "late":
            week["l"] += 1
    ordered = sorted(keys)
    window = threshold.window if threshold is not None and threshold.hours is not None else 0
    weeks = []
    for i, key in enumerate(ordered):
        first, last = _days_of(calendar, key)
        rolling = (sum(totals[k]["u"] for k in ordered[max(0, i - window + 1) : i + 1])
                   if window else None)
        t = totals[key]
        weeks.append(WeekTotals(key[1], first, last, round(t["u"], 2), round(t["a"], 2), int(t["l"]),
                                round(t["r"], 2), None if rolling is None else round(rolling, 2)))
    return WeeklySummary(tuple(weeks), threshold)


def _hours(row: EvidenceRow) -> float:
    minutes = (row.end.hour * 60 + row.end.minute) - (row.start.hour * 60 + row.start.minute)
    return max(0, minutes) / 60


def _key(day: date) -> WeekKey:
    iso = day.isocalendar()
    return iso[0], iso[1]


def _lesweek_keys(calendar: SchoolCalendar, period: tuple[date, date]) -> set[WeekKey]:
    first, last = period
    return {_key(d) for d in calendar.school_days if first <= d <= last}


def _days_of(calendar: SchoolCalendar, key: WeekKey) -> tuple[date, date]:
    """The lesweek's first and last school day; Monday to Friday for a week the calendar does not
    know (evidence outside the school year)."""
    monday = date.fromisocalendar(key[0], key[1], 1)
    days = [d for d in (monday + timedelta(days=n) for n in range(7)) if calendar.is_school_day(d)]
    return (days[0], days[-1]) if days else (monday, monday + timedelta(days=4))


# --- the chart ---------------------------------------------------------------------------------

CHART_HEIGHT: Final = 220
TOP, BOTTOM, LEFT, RIGHT = 12, 40, 44, 12
SLOT: Final = 44
BAR: Final = 28
MIN_SLOTS: Final = 4  # room for the axis label, even for a single lesweek


@dataclass(frozen=True)
class Bar:
    """One lesweek's bar: the unauthorised part at the bottom, the authorised part on top; the
    tick of a full-week threshold; the rolling total's point."""

    x: int
    label_x: int
    week: int
    unauthorised_y: int
    unauthorised_h: int
    authorised_y: int
    authorised_h: int
    tick_y: int | None
    point_y: int | None


@dataclass(frozen=True)
class Chart:
    """The SVG's size, bars, threshold line (its y), the rolling totals' polyline and the axis ticks
    (y and value in hours)."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_bottom: int
    bars: tuple[Bar, ...]
    threshold_y: int | None
    rolling_points: str
    ticks: tuple[tuple[int, float], ...]
    bar_width: int = BAR


def chart(summary: WeeklySummary) -> Chart:
    """The bar chart of ``summary`` in whole SVG units: one bar per lesweek, scaled to the highest
    bar, rolling total or threshold."""
    threshold = summary.threshold
    peaks = [w.unauthorised + w.authorised for w in summary.weeks] + [w.registered for w in summary.weeks]
    peaks += [w.rolling for w in summary.weeks if w.rolling is not None]
    if threshold is not None and threshold.hours is not None:
        peaks.append(threshold.hours)
    top = _nice(max(peaks, default=0.0) * 1.1)  # headroom: a line at the peak stays visible
    plot_h = CHART_HEIGHT - TOP - BOTTOM
    bottom = CHART_HEIGHT - BOTTOM

    def y(hours: float) -> int:
        return bottom - round(hours / top * plot_h)

    bars = []
    for i, w in enumerate(summary.weeks):
        x = LEFT + i * SLOT + (SLOT - BAR) // 2
        u_top, a_top = y(w.unauthorised), y(w.unauthorised + w.authorised)
        bars.append(Bar(x, x + BAR // 2, w.week, u_top, bottom - u_top, a_top, u_top - a_top,
                        y(w.registered) if threshold is not None and threshold.full_week else None,
                        None if w.rolling is None else y(w.rolling)))
    width = LEFT + SLOT * max(MIN_SLOTS, len(summary.weeks)) + RIGHT
    points = " ".join(f"{b.label_x},{b.point_y}" for b in bars if b.point_y is not None)
    line = y(threshold.hours) if threshold is not None and threshold.hours is not None else None
    ticks = tuple((y(v), v) for v in (0.0, top / 2, top))
    return Chart(width, CHART_HEIGHT, LEFT, width - RIGHT, bottom, tuple(bars), line, points, ticks)


def _nice(peak: float) -> float:
    """The axis' top: the peak rounded up to a multiple of 4 hours (at least 4)."""
    return max(4.0, float(-(-int(peak + 0.999) // 4) * 4))
