"""Monitoring figures of the regional no-show process (seed 000 section 8; DESIGN.md section 7).

Counted: the school year's no-show meldingen (rule ``no-show`` and the second determination
``no-show-2``, trigger date from 1 August to 31 July) that went or go to a receiver; withdrawn ones
and the school's own tasks (``intern``) are left out. Processing counts meldingen; the outcomes
count jongeren (a student with a second determination has two meldingen but is one no-show).

- *verwerkt binnen 7 dagen* (norm >= 95 %) measures the RECEIVER: from the melding's delivery
  (``meldingen.delivered_at``, its receipt) to the receiver's first status or outcome
  (``meldingen.first_feedback_at``, else the first stored feedback row's ``created_at``; DUO's
  receipt "Geregistreerd" is no report). In time: reported at most 7 days after delivery. Late:
  reported later, or nothing reported 7 days after delivery. Running: delivered less than 7 days
  ago, nothing reported yet. Not delivered (no ``delivered_at``): the receiver cannot process it;
  counted apart, never as processed, and outside the share, which is in time / (in time + late).
- *alsnog gestart vóór 1 oktober* (norm >= 70 %): jongeren with an outcome "Gestart bij mbo" or
  "Gestart elders" whose START DATE (``feedback.started_on``, not the day it was reported) lies
  before the peildatum, 1 October of the school year; share of all no-show jongeren. One who
  started in time and dropped out later still counts: the indicator is the start.
- by each jongere's latest DSP outcome (seed 000 step 6 "gestart / elders / uit beeld", step 8
  "no shows, herstarters en uitvallers", section 8 "doorgeleid naar begeleiding of werk"):
  *herstarters* "Gestart bij mbo" or "Gestart elders"; *doorgeleid* "Niet gestart – in
  begeleiding"; *uitvallers* "Uit beeld"; *zonder uitkomst* no DSP outcome yet (a gemeente's
  Besluit status counts as processing, not as an outcome).
- region: the school's rule profile (``SchoolConfig.profile``, e.g. ``kop-van-nh``), the regional
  agreement the school works under and so its ketenoverleg. A region's figures are the sums of its
  schools' counts, with the shares computed again from those sums.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gateway.config.school import SchoolConfig, find_school
from gateway.domain.calendar import school_year_start
from gateway.domain.lifecycle import State
from gateway.domain.receiver_status import (
    DSP_OUTCOMES,
    GEREGISTREERD,
    NIET_GESTART,
    STARTED_OUTCOMES,
    UIT_BEELD,
    normalise,
)
from gateway.domain.soort_verzuim import NO_SHOW_MELDINGEN
from gateway.store import Store, utcnow
from gateway.store.face_tables import feedback
from gateway.store.schema import meldingen, schools

PROCESS_WITHIN = timedelta(days=7)
PEILDATUM_MONTH = 10  # started before 1 October of the school year
NORM_PROCESSED = 95.0
NORM_STARTED = 70.0
LEFT_OUT = (State.INGETROKKEN.value, State.INTERN.value)


@dataclass(frozen=True)
class SchoolYear:
    """A school year (1 August to 31 July) and its peildatum (1 October)."""

    start: date
    end: date  # exclusive: 1 August of the next year
    peildatum: date

    @classmethod
    def of(cls, as_of: date) -> SchoolYear:
        """The school year containing ``as_of``."""
        start = school_year_start(as_of)
        return cls(start, start.replace(year=start.year + 1), date(start.year, PEILDATUM_MONTH, 1))

    @property
    def label(self) -> str:
        """``2026-2027``."""
        return f"{self.start.year}-{self.end.year}"


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class NoShowFigures:
    """The counts of one school (or the sums of a region) for one school year."""

    year: SchoolYear
    meldingen: int = 0
    processed_in_time: int = 0
    processed_late: int = 0
    running: int = 0
    undelivered: int = 0
    no_shows: int = 0  # jongeren
    started_before_peildatum: int = 0
    herstarters: int = 0
    uitvallers: int = 0
    doorgeleid: int = 0
    without_outcome: int = 0

    @property
    def share_processed(self) -> float | None:
        """Percentage processed within 7 days of the decided ones (None when none is decided yet)."""
        return _share(self.processed_in_time, self.processed_in_time + self.processed_late)

    @property
    def share_started(self) -> float | None:
        """Percentage of no-show jongeren started before the peildatum (None without no-shows)."""
        return _share(self.started_before_peildatum, self.no_shows)

    @property
    def processed_meets_norm(self) -> bool | None:
        """Whether the processing share meets its norm."""
        share = self.share_processed
        return None if share is None else share >= NORM_PROCESSED

    @property
    def started_meets_norm(self) -> bool | None:
        """Whether the started share meets its norm."""
        share = self.share_started
        return None if share is None else share >= NORM_STARTED


COUNTS = tuple(f.name for f in fields(NoShowFigures) if f.name != "year")


def _figures(year: SchoolYear, counts: Counter[str]) -> NoShowFigures:
    c = counts
    return NoShowFigures(year, meldingen=c["meldingen"], processed_in_time=c["processed_in_time"],
                         processed_late=c["processed_late"], running=c["running"],
                         undelivered=c["undelivered"], no_shows=c["no_shows"],
                         started_before_peildatum=c["started_before_peildatum"], herstarters=c["herstarters"],
                         uitvallers=c["uitvallers"], doorgeleid=c["doorgeleid"],
                         without_outcome=c["without_outcome"])


def combine(year: SchoolYear, parts: Iterable[NoShowFigures]) -> NoShowFigures:
    """The sums of ``parts`` (shares follow from the sums, never an average of shares)."""
    totals: Counter[str] = Counter()
    for part in parts:
        totals.update({name: getattr(part, name) for name in COUNTS})
    return _figures(year, totals)


@dataclass(frozen=True)
class SchoolFigures:
    """One school's figures with the names the region page and the CSV show."""

    school_id: str
    name: str
    region: str
    figures: NoShowFigures


@dataclass(frozen=True)
class RegionFigures:
    """Every school of a region and their sums."""

    region: str
    schools: tuple[SchoolFigures, ...]
    total: NoShowFigures


@dataclass(frozen=True)
class _Report:
    status: str | None  # canonical label (``normalise``); None when unknown
    started_on: date | None
    created_at: datetime


def region_of(config: SchoolConfig) -> str:
    """The region a school's figures are aggregated in: its rule profile's name."""
    return config.profile


def _no_shows(conn: sa.Connection, school_id: str, year: SchoolYear) -> list[sa.Row[Any]]:
    query = (sa.select(meldingen.c.id, meldingen.c.student_id, meldingen.c.delivered_at,
                       meldingen.c.first_feedback_at)
             .where(meldingen.c.school_id == school_id, meldingen.c.rule.in_(sorted(NO_SHOW_MELDINGEN)),
                    meldingen.c.status.not_in(LEFT_OUT), meldingen.c.trigger_date >= year.start,
                    meldingen.c.trigger_date < year.end))
    return list(conn.execute(query))


def _reports(conn: sa.Connection, ids: list[str]) -> dict[str, list[_Report]]:
    out: dict[str, list[_Report]] = {}
    if not ids:
        return out
    query = (sa.select(feedback.c.melding_id, feedback.c.status, feedback.c.started_on, feedback.c.created_at)
             .where(feedback.c.melding_id.in_(ids)).order_by(feedback.c.created_at, feedback.c.id))
    for row in conn.execute(query):
        report = _Report(normalise(row.status), row.started_on, row.created_at)
        out.setdefault(row.melding_id, []).append(report)
    return out


def _processing(delivered: datetime | None, reported: datetime | None, now: datetime) -> str:
    """Which processing count a melding adds to."""
    if delivered is None:
        return "undelivered"
    if reported is not None:
        return "processed_in_time" if reported - delivered <= PROCESS_WITHIN else "processed_late"
    return "processed_late" if now - delivered > PROCESS_WITHIN else "running"


def _first_report(first_feedback_at: datetime | None, reports: list[_Report]) -> datetime | None:
    if first_feedback_at is not None:
        return first_feedback_at
    return next((r.created_at for r in reports if r.status != GEREGISTREERD), None)


_BY_OUTCOME = {NIET_GESTART: "doorgeleid", UIT_BEELD: "uitvallers"} | dict.fromkeys(
    STARTED_OUTCOMES, "herstarters")


def _outcome_counts(reports: list[_Report], peildatum: date) -> list[str]:
    """The outcome counts one jongere adds to, from all reports on their meldingen (oldest first)."""
    outcomes = [r.status for r in reports if r.status in DSP_OUTCOMES]
    counts = [_BY_OUTCOME[outcomes[-1]] if outcomes else "without_outcome"]
    if any(r.status in STARTED_OUTCOMES and r.started_on is not None and r.started_on < peildatum
           for r in reports):
        counts.append("started_before_peildatum")
    return counts


def school_figures(conn: sa.Connection, school_id: str, year: SchoolYear, now: datetime) -> NoShowFigures:
    """The figures of one school for ``year``, read in the caller's transaction (``now``: UTC naive)."""
    rows = _no_shows(conn, school_id, year)
    reports = _reports(conn, [r.id for r in rows])
    counts: Counter[str] = Counter(meldingen=len(rows))
    per_student: dict[str, list[_Report]] = {}
    for row in rows:
        own = reports.get(row.id, [])
        counts[_processing(row.delivered_at, _first_report(row.first_feedback_at, own), now)] += 1
        per_student.setdefault(row.student_id, []).extend(own)
    for student_reports in per_student.values():
        student_reports.sort(key=lambda r: r.created_at)
        counts.update(_outcome_counts(student_reports, year.peildatum))
    counts["no_shows"] = len(per_student)
    return _figures(year, counts)


def no_show_figures(store: Store, school_id: str, as_of: date, now: datetime | None = None) -> NoShowFigures:
    """The figures of one school for the school year of ``as_of`` (``now``: real time, UTC naive)."""
    with store.read() as conn:
        return school_figures(conn, school_id, SchoolYear.of(as_of), now or utcnow())


def region_figures(store: Store, region: str, as_of: date, now: datetime | None = None) -> RegionFigures:
    """Every registered school of ``region`` (by ``region_of``) and their sums, for the year of ``as_of``."""
    year, moment = SchoolYear.of(as_of), now or utcnow()
    found: list[SchoolFigures] = []
    with store.read() as conn:
        for school_id in conn.scalars(sa.select(schools.c.id).order_by(schools.c.id)).all():
            config = find_school(conn, school_id)
            if config is not None and region_of(config) == region:
                found.append(SchoolFigures(school_id, config.name, region,
                                           school_figures(conn, school_id, year, moment)))
    return RegionFigures(region, tuple(found), combine(year, (s.figures for s in found)))
