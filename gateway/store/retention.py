"""Retention: prune personal data and payloads past their keep period.

What goes, per school, as of a day:
- attendance records (live and history) dated before the attendance cutoff: ``as_of`` minus
  ``attendance_days``, and never on or after the first school day of the school's current
  calendar (the rules only read the current school year, so evaluation cannot change);
- a student's encrypted personal data (and the blind index of their names) when the student has
  no records left and was last changed by a batch older than the attendance cutoff;
- the payload (evidence, explanation, the coordinator's text) of a melding that is finished
  (acknowledged, withdrawn or internal, nothing left in its outbox) and unchanged for
  ``melding_days``; the melding row itself (ids, rule, dates, status) stays for the audit trail.

What never goes: anything of a student with an undelivered melding or one still within its keep
period, and the audit log (it holds no personal data). The keep periods are the school's policy
(its privacy officer sets them); the defaults are placeholders, not legal advice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from gateway.domain.errors import ConfigurationError
from gateway.domain.lifecycle import State
from gateway.domain.model import Calendar
from gateway.domain.outbox_lifecycle import ACTIVE
from gateway.store import audit, evaluation_state, student_names
from gateway.store.engine import Store
from gateway.store.schema import (
    attendance,
    attendance_history,
    calendars,
    ingest_batches,
    meldingen,
    outbox,
    schools,
    students,
)

# Acknowledged by the receiver, withdrawn, or internal: nothing more will be sent.
FINISHED_STATES = tuple(
    s.value
    for s in (
        State.ONTVANGEN,
        State.IN_BEHANDELING,
        State.TER_KENNISGEVING,
        State.AFGESLOTEN,
        State.INGETROKKEN,
        State.INTERN,
    )
)
ACTIVE_OUTBOX_STATES = [s.value for s in ACTIVE]  # rows a worker or a person still acts on


@dataclass(frozen=True)
class RetentionPolicy:
    """Keep periods in days (see the module docstring)."""

    attendance_days: int = 730
    melding_days: int = 1825

    def __post_init__(self) -> None:
        if self.attendance_days < 1 or self.melding_days < 1:
            raise ConfigurationError("bewaartermijnen moeten minstens 1 dag zijn")


@dataclass
class RetentionResult:
    """What a retention run removed (or, in a dry run, would remove)."""

    attendance_deleted: int = 0
    history_deleted: int = 0
    personal_cleared: int = 0
    payloads_pruned: int = 0
    dry_run: bool = False


def _protected_students(school_id: str, melding_cutoff: datetime) -> sa.Select[tuple[str]]:
    """Students with a melding that is undelivered, still queued, or within its keep period."""
    queued = sa.select(outbox.c.melding_id).where(
        outbox.c.school_id == school_id, outbox.c.state.in_(ACTIVE_OUTBOX_STATES)
    )
    return sa.select(meldingen.c.student_id).where(
        meldingen.c.school_id == school_id,
        sa.or_(
            meldingen.c.status.not_in(FINISHED_STATES),
            meldingen.c.updated_at >= melding_cutoff,
            meldingen.c.id.in_(queued),
        ),
    )


def _attendance_cutoff(conn: sa.Connection, school_id: str, as_of: date, policy: RetentionPolicy) -> date:
    cutoff = as_of - timedelta(days=policy.attendance_days)
    text = conn.scalar(sa.select(calendars.c.data).where(calendars.c.school_id == school_id))
    if text is not None:
        cutoff = min(cutoff, Calendar.model_validate_json(text).first_school_day)
    return cutoff


def _prune_school(
    conn: sa.Connection, school_id: str, as_of: date, policy: RetentionPolicy, result: RetentionResult
) -> None:
    melding_cutoff = datetime.combine(as_of - timedelta(days=policy.melding_days), time())
    cutoff = _attendance_cutoff(conn, school_id, as_of, policy)
    protected = _protected_students(school_id, melding_cutoff)
    for table, field in ((attendance, "attendance_deleted"), (attendance_history, "history_deleted")):
        gone = conn.execute(
            table.delete().where(
                table.c.school_id == school_id,
                table.c.day < cutoff,
                table.c.student_id.not_in(protected),
            )
        )
        setattr(result, field, getattr(result, field) + int(gone.rowcount))
        if table is attendance and gone.rowcount:
            # The kept evaluation state counts what was just deleted: the next evaluation reads the store.
            evaluation_state.forget(conn, school_id)
    old_batches = sa.select(ingest_batches.c.seq).where(
        ingest_batches.c.school_id == school_id,
        ingest_batches.c.created_at < datetime.combine(cutoff, time()),
    )
    has_records = sa.exists().where(
        attendance.c.school_id == school_id, attendance.c.student_id == students.c.id
    )
    cleared = conn.execute(
        students.update()
        .where(
            students.c.school_id == school_id,
            students.c.personal.is_not(None),
            students.c.changed_seq.in_(old_batches),
            students.c.id.not_in(protected),
            ~has_records,
        )
        .values(personal=None)
    )
    result.personal_cleared += int(cleared.rowcount)
    # Their names' index goes with the names (hashes of names are personal data too).
    student_names.forget_without_personal(conn, school_id)
    queued = sa.select(outbox.c.melding_id).where(
        outbox.c.school_id == school_id, outbox.c.state.in_(ACTIVE_OUTBOX_STATES)
    )
    rows = conn.execute(
        sa.select(meldingen.c.id, meldingen.c.signal).where(
            meldingen.c.school_id == school_id,
            meldingen.c.status.in_(FINISHED_STATES),
            meldingen.c.updated_at < melding_cutoff,
            meldingen.c.id.not_in(queued),
            ~meldingen.c.signal.contains('"bewaartermijn_verstreken"'),
        )
    ).all()
    for row in rows:
        signal = json.loads(row.signal)
        signal.update(evidence=[], explanation="", bewaartermijn_verstreken=as_of.isoformat())
        conn.execute(
            meldingen.update()
            .where(meldingen.c.id == row.id)
            .values(signal=json.dumps(signal, sort_keys=True), content=None, last_error=None)
        )
    result.payloads_pruned += len(rows)


def run_retention(
    store: Store,
    as_of: date,
    actor: str,
    policy: RetentionPolicy | None = None,
    *,
    dry_run: bool = False,
) -> RetentionResult:
    """Prune what is past its keep period in every school, in one audited transaction."""
    policy = policy or RetentionPolicy()
    result = RetentionResult(dry_run=dry_run)
    with store.engine.connect() as conn:
        conn.execution_options(write=True)
        transaction = conn.begin()
        try:
            for school_id in conn.scalars(sa.select(schools.c.id).order_by(schools.c.id)).all():
                _prune_school(conn, school_id, as_of, policy, result)
            if not dry_run:
                audit.append(
                    conn,
                    actor=actor,
                    action="retentie",
                    subject=as_of.isoformat(),
                    data={**asdict(result), **asdict(policy), "as_of": as_of.isoformat()},
                )
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()  # a dry run counts, then leaves everything as it was
        else:
            transaction.commit()
    return result
