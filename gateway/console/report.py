"""The monthly verzuimrapportage for the onderwijsdirecteur (seed 001: the verzuimmedewerker "geeft
maandelijkse terugkoppeling van het verzuim aan de onderwijsdirecteur").

One school, one calendar month:

- *meldingen* by trigger date, per rule, per leslocatie (``meldingen.leslocatie``, else the
  student's ``students.leslocatie`` as the meldingen list filters; "onbekend" when neither is
  known), per recipient, and per month for the chosen month and the 11 before it. A withdrawn
  melding (``ingetrokken``) is counted apart, never among the meldingen. The school's own signals
  and tasks (recipient ``school``) are meldingen too: the per-recipient figures show them.
- *tijdigheid*: the meldingen whose due date lies in the month and that go to a receiver (not
  withdrawn, not the school's own): on time when the receipt (``delivered_at``, as a date in
  Amsterdam) came on or before the due date, late when after it, *open* when not delivered and the
  due date has passed (today), *binnen termijn* when not delivered and not yet due. Medians in
  calendar days: how early the on-time ones came, how late the late ones.
- *no-show*: the monitor's figures (``gateway.console.monitor``) for the month's school year.

Every count is a GROUP BY in the database; only the month's due meldingen (a few hundred) are read
as rows, because their Amsterdam receipt date is not portable SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from statistics import median
from typing import Final

import sqlalchemy as sa

from gateway.config.school import find_school
from gateway.console.monitor import NoShowFigures, SchoolYear, school_figures
from gateway.delivery.receiver_deadlines import delivered_on
from gateway.domain.errors import InvalidInput
from gateway.domain.lifecycle import State
from gateway.rules.catalogue import RECIPIENT_NAMES, RULE_NAMES
from gateway.store import Store, utcnow
from gateway.store.melding_search import melding_leslocatie, with_students
from gateway.store.schema import meldingen

TREND_MONTHS: Final = 12
UNKNOWN_LOCATION: Final = "onbekend"
OWN_RECIPIENT: Final = "school"  # the school's own signals and tasks: no receiver, no due-date delivery
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
WITHDRAWN: Final = State.INGETROKKEN.value
_MONTH_TEXT = re.compile(r"(\d{4})-(\d{2})")


class InvalidMonth(InvalidInput):
    """The ``maand`` of a report is not a month as ``2026-09``; ``reason`` is the Dutch message alone."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason, "maand")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month."""

    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        """The month containing ``day``."""
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2026-09`` as a month; anything else raises ``InvalidMonth``."""
        found = _MONTH_TEXT.fullmatch(text.strip())
        if found is None:
            raise InvalidMonth("dit is geen maand; schrijf jaar en maand als 2026-09")
        year, month = int(found.group(1)), int(found.group(2))
        if not 1 <= month <= 12:  # noqa: PLR2004 - the months of a year
            raise InvalidMonth(f"maand {month:02d} bestaat niet; kies 01 tot en met 12")
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidMonth(f"kies een maand tussen {FIRST_YEAR} en {LAST_YEAR}")
        return cls(year, month)

    @property
    def first(self) -> date:
        """The month's first day."""
        return date(self.year, self.month, 1)

    @property
    def key(self) -> str:
        """``2026-09``: the month as the URL and the CSV write it."""
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Month:
        """The month ``months`` later (earlier when negative)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)


@dataclass(frozen=True)
class Count:
    """Meldingen under one key (a rule, leslocatie, recipient or month key); withdrawn ones apart."""

    key: str
    meldingen: int = 0
    withdrawn: int = 0


Counts = tuple[Count, ...]


@dataclass(frozen=True)
class TrendPoint:
    """One month of the trend."""

    month: Month
    meldingen: int = 0
    withdrawn: int = 0


@dataclass(frozen=True)
class Timeliness:
    """The meldingen due in the month against their due date."""

    on_time: int = 0
    late: int = 0
    overdue: int = 0  # not delivered, due date passed
    not_yet_due: int = 0  # not delivered, due date today or later
    median_days_early: float | None = None
    median_days_late: float | None = None

    @property
    def due(self) -> int:
        """Every melding due in the month."""
        return self.on_time + self.late + self.overdue + self.not_yet_due

    @property
    def decided(self) -> int:
        """Those whose outcome is known: delivered, or past their due date."""
        return self.on_time + self.late + self.overdue

    @property
    def share_on_time(self) -> float | None:
        """On time as a fraction of the decided ones (None when none is decided)."""
        return self.on_time / self.decided if self.decided else None


@dataclass(frozen=True)
class MonthReport:
    """Everything the report page and its CSV show for one school and month."""

    school_id: str
    school_name: str
    month: Month
    total: Count
    by_rule: Counts
    by_location: Counts
    by_recipient: Counts
    trend: tuple[TrendPoint, ...]
    timeliness: Timeliness
    no_show: NoShowFigures


_WITHDRAWN_COUNT = sa.func.sum(sa.case((meldingen.c.status == WITHDRAWN, 1), else_=0))


def _in_months(school_id: str, first: Month, last: Month) -> sa.ColumnElement[bool]:
    return sa.and_(meldingen.c.school_id == school_id, meldingen.c.trigger_date >= first.first,
                   meldingen.c.trigger_date < last.shift(1).first)


def _sorted(counts: dict[str, list[int]], always: Iterable[str]) -> Counts:
    """Counts with a zero for each key of ``always``; the most meldingen first."""
    for key in always:
        counts.setdefault(key, [0, 0])
    made = [Count(key, total - withdrawn, withdrawn) for key, (total, withdrawn) in counts.items()]
    return tuple(sorted(made, key=lambda c: (-c.meldingen, -c.withdrawn, c.key)))


def _breakdowns(conn: sa.Connection, school_id: str, month: Month,
                locations: Iterable[str]) -> tuple[Count, Counts, Counts, Counts]:
    """The month's total and its counts per rule, leslocatie and recipient (one GROUP BY)."""
    # As the meldingen list filters, so a director's count matches the filtered list.
    location = melding_leslocatie()
    joined = with_students()
    query = (sa.select(meldingen.c.rule, meldingen.c.recipient, location, sa.func.count(), _WITHDRAWN_COUNT)
             .select_from(joined).where(_in_months(school_id, month, month))
             .group_by(meldingen.c.rule, meldingen.c.recipient, location))
    rules: dict[str, list[int]] = {}
    places: dict[str, list[int]] = {}
    recipients: dict[str, list[int]] = {}
    totals = [0, 0]
    for rule, recipient, place, total, withdrawn in conn.execute(query):
        for counts, key in ((rules, rule), (places, place or UNKNOWN_LOCATION), (recipients, recipient)):
            entry = counts.setdefault(key, [0, 0])
            entry[0] += total
            entry[1] += int(withdrawn or 0)
        totals[0] += total
        totals[1] += int(withdrawn or 0)
    total = Count("totaal", totals[0] - totals[1], totals[1])
    return (total, _sorted(rules, RULE_NAMES), _sorted(places, locations),
            _sorted(recipients, RECIPIENT_NAMES))


def _trend(conn: sa.Connection, school_id: str, month: Month) -> tuple[TrendPoint, ...]:
    """The chosen month and the 11 before it, oldest first, zeros where nothing triggered."""
    first = month.shift(1 - TREND_MONTHS)
    # Grouped by day (at most 366 groups), folded into months here: no date function per row, and
    # the same plain SQL on every dialect.
    day = meldingen.c.trigger_date
    query = (sa.select(day, sa.func.count(), _WITHDRAWN_COUNT)
             .where(_in_months(school_id, first, month)).group_by(day))
    found: dict[Month, list[int]] = {}
    for trigger, total, withdrawn in conn.execute(query):
        entry = found.setdefault(Month.of(trigger), [0, 0])
        entry[0] += total
        entry[1] += int(withdrawn or 0)
    points = []
    for n in range(TREND_MONTHS):
        each = first.shift(n)
        total, withdrawn = found.get(each, [0, 0])
        points.append(TrendPoint(each, total - withdrawn, withdrawn))
    return tuple(points)


def _timeliness(conn: sa.Connection, school_id: str, month: Month, today: date) -> Timeliness:
    query = (sa.select(meldingen.c.due_date, meldingen.c.delivered_at)
             .where(meldingen.c.school_id == school_id, meldingen.c.due_date >= month.first,
                    meldingen.c.due_date < month.shift(1).first,
                    meldingen.c.status.not_in((WITHDRAWN, State.INTERN.value)),
                    meldingen.c.recipient != OWN_RECIPIENT))
    early: list[int] = []
    late: list[int] = []
    overdue = not_yet_due = 0
    for due, delivered in conn.execute(query):
        if delivered is not None:
            days = (due - delivered_on(delivered)).days
            (early if days >= 0 else late).append(abs(days))
        elif due < today:
            overdue += 1
        else:
            not_yet_due += 1
    return Timeliness(len(early), len(late), overdue, not_yet_due,
                      float(median(early)) if early else None, float(median(late)) if late else None)


def month_report(store: Store, school_id: str, month: Month, today: date,
                 now: datetime | None = None) -> MonthReport:
    """The report of ``school_id`` for ``month``, in one read transaction (``today``: the app's day,
    for what is overdue; ``now``: real time in UTC, naive, for the no-show processing)."""
    with store.read() as conn:
        config = find_school(conn, school_id)
        locations = config.leslocaties if config is not None else []
        total, by_rule, by_location, by_recipient = _breakdowns(conn, school_id, month, locations)
        return MonthReport(
            school_id=school_id, school_name=config.name if config is not None else school_id, month=month,
            total=total, by_rule=by_rule, by_location=by_location, by_recipient=by_recipient,
            trend=_trend(conn, school_id, month), timeliness=_timeliness(conn, school_id, month, today),
            no_show=school_figures(conn, school_id, SchoolYear.of(month.first), now or utcnow()))
