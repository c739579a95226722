"""The monitor's no-show figures counted by hand from the raw rows, to hold ``gateway.console.monitor``
to its documented definitions (seed 000 section 8; docs/console.md).

Read straight from ``meldingen`` and ``feedback``: the school year's no-show meldingen (``no-show``
and ``no-show-2``, trigger date 1 August - 31 July), not withdrawn and not the school's own
tasks. Per melding: *in time* when the receiver's first word (``first_feedback_at``, else the first
feedback row that is not DUO's receipt) came at most 7 days after ``delivered_at``; *late* when it
came later, or nothing came and 7 days have passed; *running* otherwise; *not delivered* without
``delivered_at``. Per jongere (student), from all reports on their meldingen in order: the latest DSP
outcome makes a *herstarter* (gestart bij mbo / elders), *doorgeleid* (niet gestart – in
begeleiding) or *uitvaller* (uit beeld), none *zonder uitkomst*; *gestart vóór 1 oktober* when a
"gestart" outcome's START DATE lies before 1 October. A region sums its schools.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa

from gateway.config.school import find_school
from gateway.console.monitor import NoShowFigures, RegionFigures, no_show_figures, region_figures
from gateway.console.pages.monitor import figures_csv
from gateway.domain import receiver_status as rs
from gateway.store import Store
from gateway.store.face_tables import feedback
from gateway.store.schema import meldingen, schools

SEVEN_DAYS = timedelta(days=7)
NO_SHOW_KINDS = ("no-show", "no-show-2")
NOT_COUNTED = ("ingetrokken", "intern")
FIGURES = ("meldingen", "processed_in_time", "processed_late", "running", "undelivered", "no_shows",
           "started_before_peildatum", "herstarters", "uitvallers", "doorgeleid", "without_outcome")
DUTCH = {"meldingen": "meldingen", "processed_in_time": "verwerkt binnen 7 dagen",
         "processed_late": "te laat verwerkt", "running": "lopend", "undelivered": "niet afgeleverd",
         "no_shows": "no-shows (jongeren)", "started_before_peildatum": "gestart vóór 1 oktober",
         "herstarters": "herstarters", "uitvallers": "uitvallers", "doorgeleid": "doorgeleid",
         "without_outcome": "zonder uitkomst"}
LATEST = {rs.GESTART_BIJ_MBO: "herstarters", rs.GESTART_ELDERS: "herstarters",
          rs.NIET_GESTART: "doorgeleid", rs.UIT_BEELD: "uitvallers"}


def _year(as_of: date) -> tuple[date, date]:
    first = date(as_of.year if as_of.month >= 8 else as_of.year - 1, 8, 1)  # noqa: PLR2004  August
    return first, first.replace(year=first.year + 1)


class Report(NamedTuple):
    """One row of ``feedback`` as the hand count reads it (the status as the receiver wrote it)."""

    melding_id: str
    status: str
    started_on: date | None
    created_at: datetime
    id: int

    @property
    def label(self) -> str | None:
        """The canonical status (en dash or hyphen, any case)."""
        return rs.normalise(self.status)


def _processing(row: sa.Row[Any], own: list[Report], now: datetime) -> str:
    """Which processing figure a melding counts in."""
    first = row.first_feedback_at or next((f.created_at for f in own if f.label != rs.GEREGISTREERD), None)
    if row.delivered_at is None:
        return "undelivered"
    if first is not None:
        return "processed_in_time" if first - row.delivered_at <= SEVEN_DAYS else "processed_late"
    return "processed_late" if now - row.delivered_at > SEVEN_DAYS else "running"


def _outcomes(own: list[Report], peildatum: date) -> list[str]:
    """The outcome figures one jongere counts in, from all reports on their meldingen."""
    ordered = sorted(own, key=lambda f: (f.created_at, f.id))
    outcomes = [f.label for f in ordered if f.label in rs.DSP_OUTCOMES]
    out = [LATEST[outcomes[-1]] if outcomes and outcomes[-1] else "without_outcome"]
    if any(f.label in rs.STARTED_OUTCOMES and f.started_on is not None and f.started_on < peildatum
           for f in ordered):
        out.append("started_before_peildatum")
    return out


def hand_count(store: Store, school_id: str, as_of: date, now: datetime) -> Counter[str]:
    """The figures of one school, counted from the raw rows (``now``: naive UTC)."""
    start, end = _year(as_of)
    with store.read() as conn:
        rows = [r for r in conn.execute(sa.select(meldingen).where(meldingen.c.school_id == school_id))
                if r.rule in NO_SHOW_KINDS and r.status not in NOT_COUNTED and start <= r.trigger_date < end]
        reports = [Report(*r) for r in conn.execute(sa.select(
            feedback.c.melding_id, feedback.c.status, feedback.c.started_on, feedback.c.created_at,
            feedback.c.id))]
    count: Counter[str] = Counter(meldingen=len(rows))
    by_student: dict[str, list[Report]] = {}
    for row in rows:
        own = sorted((f for f in reports if f.melding_id == row.id), key=lambda f: (f.created_at, f.id))
        by_student.setdefault(row.student_id, []).extend(own)
        count[_processing(row, own, now)] += 1
    for own in by_student.values():
        count.update(_outcomes(own, date(start.year, 10, 1)))
    count["no_shows"] = len(by_student)
    return count


def _of(figures: NoShowFigures) -> Counter[str]:
    values = asdict(figures)
    return Counter({name: int(values[name]) for name in FIGURES})


def figure_differences(where: str, monitor: Counter[str], hand: Counter[str]) -> list[str]:
    """A Dutch line for each figure the monitor gives differently from the hand count."""
    return [f"monitor {where}: {DUTCH[name]} {monitor[name]}, met de hand geteld {hand[name]}"
            for name in FIGURES if monitor[name] != hand[name]]


def regions(store: Store) -> dict[str, list[str]]:
    """The registered schools per region (their profile), as the monitor groups them."""
    out: dict[str, list[str]] = {}
    with store.read() as conn:
        for school_id in conn.scalars(sa.select(schools.c.id).order_by(schools.c.id)):
            config = find_school(conn, school_id)
            if config is not None:
                out.setdefault(config.profile, []).append(school_id)
    return out


def compare_figures(store: Store, as_of: date, now: datetime) -> tuple[dict[str, Counter[str]], list[str]]:
    """The hand counts per school and per region, and a Dutch problem for each figure of the monitor
    (per school and per region) that differs from its hand count."""
    counted: dict[str, Counter[str]] = {}
    problems: list[str] = []
    for region, members in regions(store).items():
        total: Counter[str] = Counter()
        for school_id in members:
            counted[school_id] = hand_count(store, school_id, as_of, now)
            total.update(counted[school_id])
            problems += figure_differences(school_id, _of(no_show_figures(store, school_id, as_of, now)),
                                     counted[school_id])
        counted[f"regio {region}"] = total
        monitor = region_figures(store, region, as_of, now).total
        problems += figure_differences(f"regio {region}", _of(monitor), total)
    return counted, problems


def write_csv(store: Store, as_of: date, now: datetime, folder: Path) -> list[Path]:
    """The monitor's CSV export per region (``monitor-<regio>.csv``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for region in regions(store):
        figures: RegionFigures = region_figures(store, region, as_of, now)
        path = folder / f"monitor-{region}.csv"
        path.write_bytes(figures_csv(figures.schools, figures.total))  # as the console downloads it
        written.append(path)
    return written


def figure_lines(counted: dict[str, Counter[str]]) -> list[str]:
    """The hand counts (equal to the monitor's) as summary lines, per school and region."""
    lines = []
    for where, c in counted.items():
        decided = c["processed_in_time"] + c["processed_late"]
        share = f"{100 * c['processed_in_time'] / decided:.0f} %" if decided else "nog niets beslist"
        started = f"{100 * c['started_before_peildatum'] / c['no_shows']:.0f} %" if c["no_shows"] else "-"
        lines.append(f"  {where}: {c['meldingen']} no-show-meldingen, verwerkt binnen 7 dagen "
                     f"{c['processed_in_time']} van {decided} ({share}), {c['running']} lopend; "
                     f"{c['no_shows']} jongeren, gestart vóór 1 oktober {c['started_before_peildatum']} "
                     f"({started}); herstarters {c['herstarters']}, doorgeleid {c['doorgeleid']}, "
                     f"uitvallers {c['uitvallers']}, zonder uitkomst {c['without_outcome']}")
    return lines
