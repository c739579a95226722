"""Monitoring figures of the regional no-show process (werkproces No Show, Kop van NH, section 8).

- processed within 7 days (norm >= 95 %): a no-show melding counts as processed in time when the
  receiver acknowledged it (first ``melding.verzonden`` audit entry) at most 7 days after the
  gateway created it; one still undelivered after 7 days counts as late, a younger one as running.
- started again before 1 October (norm >= 70 %): share of the school year's no-show meldingen with
  a reported outcome "Gestart bij mbo" or "Gestart elders" dated before 1 October.
- herstarters / uitvallers: latest outcome started / "Niet gestart - in begeleiding".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from gateway.console.feedback import NOT_STARTED, STARTED, feedback_for
from gateway.domain.calendar import school_year_start
from gateway.domain.lifecycle import State
from gateway.store import Store, list_meldingen, utcnow
from gateway.store.schema import audit_log

PROCESS_WITHIN = timedelta(days=7)
PEILDATUM_MONTH = 10  # "started again" counts outcomes dated before 1 October
NORM_PROCESSED = 95.0
NORM_STARTED = 70.0


@dataclass(frozen=True)
class NoShowFigures:
    """The figures for one school year of one school."""

    school_year: str
    peildatum: date
    meldingen: int
    processed_in_time: int
    processed_late: int
    running: int
    started_before_peildatum: int
    herstarters: int
    uitvallers: int
    without_outcome: int

    @property
    def share_processed(self) -> float | None:
        """Percentage processed within 7 days (None when nothing is decided yet)."""
        decided = self.processed_in_time + self.processed_late
        return round(100.0 * self.processed_in_time / decided, 1) if decided else None

    @property
    def share_started(self) -> float | None:
        """Percentage started again before 1 October (None without no-show meldingen)."""
        return round(100.0 * self.started_before_peildatum / self.meldingen, 1) if self.meldingen else None

    @property
    def processed_meets_norm(self) -> bool | None:
        """Whether the processing share meets its norm."""
        share = self.share_processed
        return None if share is None else share >= NORM_PROCESSED

    @property
    def started_meets_norm(self) -> bool | None:
        """Whether the started-again share meets its norm."""
        share = self.share_started
        return None if share is None else share >= NORM_STARTED


def _first_delivery(store: Store, ids: list[str]) -> dict[str, datetime]:
    if not ids:
        return {}
    query = (sa.select(audit_log.c.subject, sa.func.min(audit_log.c.ts))
             .where(audit_log.c.subject.in_(ids), audit_log.c.action == "melding.verzonden")
             .group_by(audit_log.c.subject))
    with store.read() as conn:
        rows = conn.execute(query).all()
    return {subject: datetime.fromisoformat(ts).replace(tzinfo=None) for subject, ts in rows}


def no_show_figures(store: Store, school_id: str, as_of: date, now: datetime | None = None) -> NoShowFigures:
    """Compute the figures for the school year of ``as_of`` (``now``: the real time, UTC naive)."""
    now = now or utcnow()
    start = school_year_start(as_of)
    peildatum = date(start.year, PEILDATUM_MONTH, 1)
    next_start = start.replace(year=start.year + 1)
    views = [m for m in list_meldingen(store, school_id, rule="no-show", limit=100_000)
             if m.status not in (State.INGETROKKEN.value, State.INTERN.value)
             and start <= m.trigger_date < next_start]
    ids = [m.id for m in views]
    delivered = _first_delivery(store, ids)
    outcomes = feedback_for(store, school_id, ids)
    in_time = late = running = started = herstart = uitval = without = 0
    for m in views:
        first = delivered.get(m.id)
        if first is not None:
            if first - m.created_at <= PROCESS_WITHIN:
                in_time += 1
            else:
                late += 1
        elif now - m.created_at > PROCESS_WITHIN:
            late += 1
        else:
            running += 1
        reported = outcomes.get(m.id, [])
        if any(f.status in STARTED and f.reported_on < peildatum for f in reported):
            started += 1
        if not reported:
            without += 1
        elif reported[-1].status in STARTED:
            herstart += 1
        else:
            uitval += int(reported[-1].status == NOT_STARTED)
    return NoShowFigures(f"{start.year}-{start.year + 1}", peildatum, len(views), in_time, late, running,
                         started, herstart, uitval, without)
