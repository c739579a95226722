"""Claiming due rows for a worker, and recovering rows a worker left ``sending``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from gateway.delivery.outbox.melding_moves import guarded_move_many
from gateway.delivery.outbox.rows import ROW_HEAD, Locked, lock_melding, lock_with_rows, move_each, move_row
from gateway.domain.lifecycle import State
from gateway.domain.outbox_lifecycle import DUE, IN_FLIGHT, Operation, OutboxState
from gateway.store import audit
from gateway.store.engine import Store, utcnow
from gateway.store.meldingen import lock_status, set_status
from gateway.store.schema import meldingen, outbox, pauses


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


# A claim locks each due row's melding together with the row, in one statement that never waits
# (SKIP LOCKED: a row whose melding or row another transaction holds is passed over, and another
# is taken). It holds nothing while it would wait, so it cannot take part in a deadlock. The
# meldingen table comes first: its rows are locked before the outbox rows (lock order).
_CLAIM = (
    sa.select(*ROW_HEAD)
    .select_from(meldingen.join(outbox, outbox.c.melding_id == meldingen.c.id))
    .where(*_due())
    .order_by(outbox.c.next_attempt_at, outbox.c.id)
    .limit(sa.bindparam("limit"))
    .with_for_update(skip_locked=True, of=[meldingen, outbox])
)


def claim(store: Store, worker_id: str, lease: timedelta, now: datetime | None = None) -> Claim | None:
    """Take the most overdue deliverable row (not paused), mark it ``sending``; None when nothing is due."""
    taken = claim_many(store, worker_id, lease, 1, now)
    return taken[0] if taken else None


def claim_many(
    store: Store, worker_id: str, lease: timedelta, limit: int, now: datetime | None = None
) -> list[Claim]:
    """Take up to ``limit`` of the most overdue deliverable rows (not paused) in one transaction,
    marking each ``sending`` and each delivery's melding ``verzonden``; an empty list when nothing
    is due."""
    now = now or utcnow()
    with store.write() as conn:
        taken: list[tuple[Locked, Claim]] = []
        delivering: set[str] = set()
        for locked, row in lock_with_rows(conn, _CLAIM, {"now": now, "limit": limit}):
            one = Claim(
                row.id,
                row.melding_id,
                row.school_id,
                row.route,
                Operation(row.operation),
                row.state == OutboxState.IN_DOUBT,
                row.attempts + 1,
            )
            if one.operation is Operation.WITHDRAW and one.melding_id in delivering:
                continue  # a withdrawal waits while a delivery of its melding is on its way
            if one.operation is Operation.DELIVER:
                delivering.add(one.melding_id)
            taken.append((locked, one))
        if taken:
            _mark_sending(taken, worker_id, now + lease, now)
    return [one for _, one in taken]


def _mark_sending(
    taken: list[tuple[Locked, Claim]], worker_id: str, lease_until: datetime, now: datetime
) -> None:
    """The locked, due rows become ``sending`` for ``worker_id``; each new delivery's melding
    ``verzonden``."""
    move_each(
        [(locked, one.outbox_id) for locked, one in taken],
        (OutboxState.PENDING, OutboxState.IN_DOUBT),
        OutboxState.SENDING,
        worker_id=worker_id,
        lease_until=lease_until,
        attempts=outbox.c.attempts + 1,
        updated_at=now,
    )
    sending = [one.melding_id for _, one in taken if one.operation is Operation.DELIVER and not one.in_doubt]
    if sending:
        conn = taken[0][0].conn
        guarded_move_many(conn, sending, State.VERZONDEN, (State.KLAAR, State.OPNIEUW))


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
