"""Claiming due rows for a worker, and recovering rows a worker left ``sending``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from gateway.delivery.outbox.rows import ROW_HEAD, Locked, lock_melding, move_row, try_lock_melding
from gateway.domain.lifecycle import State
from gateway.domain.outbox_lifecycle import DUE, IN_FLIGHT, Operation, OutboxState
from gateway.store import audit
from gateway.store.engine import Store, utcnow
from gateway.store.meldingen import guarded_move, lock_status, set_status
from gateway.store.schema import outbox, pauses


@dataclass(frozen=True)
class Claim:
    """One outbox row a worker has taken: deliver or withdraw one melding."""

    outbox_id: int
    melding_id: str
    school_id: str
    route: str
    operation: Operation
    in_doubt: bool
    attempts: int


def _not_paused() -> sa.ColumnElement[bool]:
    return ~sa.exists().where(
        pauses.c.school_id == outbox.c.school_id, pauses.c.route.in_([outbox.c.route, "*"])
    )


def _no_delivery_in_flight() -> sa.ColumnElement[bool]:
    """A withdrawal waits while a delivery of its melding may be on its way."""
    sibling = outbox.alias("sibling")
    return sa.or_(
        outbox.c.operation == Operation.DELIVER.value,
        ~sa.exists().where(
            sibling.c.melding_id == outbox.c.melding_id,
            sibling.c.operation == Operation.DELIVER.value,
            sibling.c.state.in_([s.value for s in IN_FLIGHT]),
        ),
    )


def _due() -> tuple[sa.ColumnElement[bool], ...]:
    return (
        outbox.c.state.in_([s.value for s in DUE]),
        outbox.c.next_attempt_at <= sa.bindparam("now"),
        _not_paused(),
        _no_delivery_in_flight(),
    )


# Claiming follows the lock order: candidates are read without locks, then a candidate's melding
# is locked and only then its row (both SKIP LOCKED: a claim never waits, it takes another row).
CLAIM_CANDIDATES = 32
_CANDIDATES = (
    sa.select(outbox.c.id, outbox.c.melding_id)
    .where(*_due())
    .order_by(outbox.c.next_attempt_at, outbox.c.id)
    .limit(CLAIM_CANDIDATES)
)
_CLAIM = (
    sa.select(*ROW_HEAD)
    .where(outbox.c.id == sa.bindparam("oid"), *_due())  # still due now that it is locked
    .with_for_update(skip_locked=True, of=outbox)
)


def claim(store: Store, worker_id: str, lease: timedelta, now: datetime | None = None) -> Claim | None:
    """Take the most overdue deliverable row (not paused), mark it ``sending``; None when nothing is due."""
    now = now or utcnow()
    with store.write() as conn:
        for candidate in conn.execute(_CANDIDATES, {"now": now}).all():
            locked = try_lock_melding(conn, candidate.melding_id)
            if locked is None:
                continue  # another transaction is changing this melding: take the next row
            row = conn.execute(_CLAIM, {"now": now, "oid": candidate.id}).one_or_none()
            if row is not None:
                taken = Claim(
                    row.id,
                    row.melding_id,
                    row.school_id,
                    row.route,
                    Operation(row.operation),
                    row.state == OutboxState.IN_DOUBT,
                    row.attempts + 1,
                )
                _mark_sending(locked, taken, worker_id, now + lease, now)
                return taken
    return None


def _mark_sending(locked: Locked, claim: Claim, worker_id: str, lease_until: datetime, now: datetime) -> None:
    """The locked, due row becomes ``sending`` for ``worker_id``; a delivery's melding ``verzonden``."""
    current = OutboxState.IN_DOUBT if claim.in_doubt else OutboxState.PENDING
    move_row(
        locked,
        claim.outbox_id,
        current,
        OutboxState.SENDING,
        worker_id=worker_id,
        lease_until=lease_until,
        attempts=claim.attempts,
        updated_at=now,
    )
    if claim.operation is Operation.DELIVER and not claim.in_doubt:
        guarded_move(
            locked.conn, claim.melding_id, State.VERZONDEN, (State.KLAAR, State.OPNIEUW), updated_at=now
        )


def recover(store: Store, worker_id: str, now: datetime | None = None) -> int:
    """At start-up: rows left ``sending`` by this worker name (a crash) or by any worker whose lease
    ran out become in doubt. Only a worker's own name makes its crashed rows recoverable at once."""
    now = now or utcnow()
    mine_or_lapsed = sa.or_(outbox.c.worker_id == worker_id, outbox.c.lease_until < now)
    return _recover(store, mine_or_lapsed, worker_id, now)


def recover_lapsed(store: Store, actor: str, now: datetime | None = None) -> int:
    """Rows left ``sending`` whose lease ran out become in doubt; a live claim is never touched,
    even when another worker carries the same name."""
    now = now or utcnow()
    return _recover(store, outbox.c.lease_until < now, actor, now)


def _recover(store: Store, which: sa.ColumnElement[bool], actor: str, now: datetime) -> int:
    with store.read() as conn:
        candidates = conn.execute(
            sa.select(outbox.c.id, outbox.c.melding_id)
            .where(outbox.c.state == OutboxState.SENDING.value, which)
            .order_by(outbox.c.id)
        ).all()
    recovered = 0
    for candidate in candidates:
        # One transaction per row, melding first (lock order): it waits for a melding only while
        # holding nothing else, so it cannot take part in a deadlock.
        with store.write() as conn:
            if _recover_row(lock_melding(conn, candidate.melding_id), candidate.id, which, actor, now):
                recovered += 1
    return recovered


def _recover_row(
    locked: Locked, outbox_id: int, which: sa.ColumnElement[bool], actor: str, now: datetime
) -> bool:
    conn = locked.conn
    row = conn.execute(
        sa.select(outbox.c.id, outbox.c.operation, outbox.c.school_id)
        .where(outbox.c.id == outbox_id, outbox.c.state == OutboxState.SENDING.value, which)
        .with_for_update()
    ).one_or_none()
    if row is None:  # finished or recovered by someone else meanwhile
        return False
    move_row(
        locked,
        row.id,
        OutboxState.SENDING,
        OutboxState.IN_DOUBT,
        was_in_doubt=True,
        worker_id=None,
        lease_until=None,
        next_attempt_at=now,
        updated_at=now,
        last_error="onderbroken tijdens verzenden (herstart)",
    )
    if row.operation == Operation.DELIVER and lock_status(conn, locked.melding_id) is State.VERZONDEN:
        set_status(conn, locked.melding_id, State.ONZEKER)
    audit.append(
        conn,
        actor=actor,
        action="outbox.onzeker",
        school_id=row.school_id,
        subject=locked.melding_id,
        data={"outbox_id": row.id, "operation": row.operation, "reden": "herstart na onderbreking"},
    )
    return True
