"""Outbox rows at the lowest level: the melding lock every write takes first, and the statements
that insert and move rows, each move checked against the outbox lifecycle.

The row writers take a ``Locked`` (only the ``lock_*`` functions here make one) and
touch only that melding's rows: no outbox row can be written before its melding is locked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from gateway.domain.errors import IllegalTransition
from gateway.domain.outbox_lifecycle import (
    INITIAL,
    Operation,
    OutboxState,
    allowed_from,
    check_transition,
)
from gateway.store.engine import utcnow
from gateway.store.schema import meldingen, outbox

# What identifies an outbox row and where it stands: the columns a claim reads and a listing starts with.
ROW_HEAD = (outbox.c.id, outbox.c.melding_id, outbox.c.school_id, outbox.c.route, outbox.c.operation,
            outbox.c.state, outbox.c.attempts)


@dataclass(frozen=True)
class Locked:
    """Proof that this transaction holds the lock of melding ``melding_id`` (PostgreSQL row lock;
    on SQLite the write transaction holds the whole file)."""

    conn: sa.Connection
    melding_id: str


_LOCK = sa.select(meldingen.c.id).where(meldingen.c.id == sa.bindparam("mid")).with_for_update()


def lock_melding(conn: sa.Connection, melding_id: str) -> Locked:
    """Lock the melding's row (waiting for it): the first step of every outbox write."""
    conn.execute(_LOCK, {"mid": melding_id})
    return Locked(conn, melding_id)


def lock_meldingen(conn: sa.Connection, melding_ids: Iterable[str]) -> dict[str, Locked]:
    """Lock several meldingen (waiting for them) in one statement, in id order: two transactions
    that lock overlapping sets this way never wait for each other in a circle."""
    ids = sorted(set(melding_ids))
    conn.execute(
        sa.select(meldingen.c.id).where(meldingen.c.id.in_(ids)).order_by(meldingen.c.id).with_for_update()
    )
    return {mid: Locked(conn, mid) for mid in ids}


def lock_with_rows(
    conn: sa.Connection, query: sa.Select[Any], params: dict[str, Any]
) -> list[tuple[Locked, Any]]:
    """Run ``query``, which locks each result's melding together with its outbox row (``FOR UPDATE
    OF meldingen, outbox``); each result row comes with the proof that its melding is locked."""
    return [(Locked(conn, row.melding_id), row) for row in conn.execute(query, params)]


@dataclass(frozen=True)
class Request:
    """Who asked for a new row and why (kept on the row as ``requested_by`` and ``reason``)."""

    actor: str
    reason: str | None


@dataclass(frozen=True)
class NewRow:
    """A row to queue for the locked melding."""

    school_id: str
    route: str
    operation: Operation = Operation.DELIVER
    state: OutboxState = OutboxState.PENDING
    parent_id: int | None = None  # the row this one retries or replaces (replay, fallback)
    request: Request | None = None


def insert_row(locked: Locked, row: NewRow) -> int:
    """Queue a row for the locked melding, due now; returns its id."""
    if row.state not in INITIAL:
        raise IllegalTransition(f"een nieuwe verzending kan niet beginnen als '{row.state}'")
    now = utcnow()
    new_id = locked.conn.execute(
        outbox.insert()
        .values(
            melding_id=locked.melding_id,
            school_id=row.school_id,
            route=row.route,
            operation=row.operation.value,
            state=row.state.value,
            attempts=0,
            next_attempt_at=now,
            parent_id=row.parent_id,
            requested_by=row.request.actor if row.request else None,
            reason=row.request.reason if row.request else None,
            created_at=now,
            updated_at=now,
        )
        .returning(outbox.c.id)
    ).scalar_one()
    return int(new_id)


# The worker's hot path runs these for every melding: statements are built once per shape (which
# columns are set) and reused, so SQLAlchemy compiles and caches each only once.
@lru_cache(maxsize=64)
def _update_one(columns: tuple[str, ...]) -> sa.Update:
    return (
        outbox.update()
        .where(outbox.c.id == sa.bindparam("p_oid"), outbox.c.melding_id == sa.bindparam("p_mid"))
        .values({c: sa.bindparam(f"p_{c}") for c in columns})
    )


def move_row(
    locked: Locked, outbox_id: int, current: OutboxState, target: OutboxState, **values: Any
) -> None:
    """Move one row of the locked melding from ``current`` to ``target`` (if the lifecycle allows it)."""
    check_transition(current, target)
    changes = {"state": target.value, **values}
    statement = _update_one(tuple(sorted(changes)))
    locked.conn.execute(
        statement,
        {"p_oid": outbox_id, "p_mid": locked.melding_id, **{f"p_{k}": v for k, v in changes.items()}},
    )


def move_each(
    rows: Iterable[tuple[Locked, int]], sources: Iterable[OutboxState], target: OutboxState, **values: Any
) -> int:
    """Move several rows, each of its locked melding, from a state in ``sources`` to ``target`` with
    the same ``values`` (SQL expressions allowed), in one statement; returns the count."""
    pairs = list(rows)
    if not pairs:
        return 0
    for source in sources:
        check_transition(source, target)
    conn = pairs[0][0].conn
    query = outbox.update().where(
        sa.tuple_(outbox.c.id, outbox.c.melding_id).in_([(oid, locked.melding_id) for locked, oid in pairs])
    )
    return int(conn.execute(query.values(state=target.value, **values)).rowcount)


def _rows_of(locked: Locked, states: Iterable[OutboxState], operation: Operation | None) -> sa.Update:
    query = outbox.update().where(
        outbox.c.melding_id == locked.melding_id, outbox.c.state.in_([s.value for s in states])
    )
    return query if operation is None else query.where(outbox.c.operation == operation.value)


def move_rows(
    locked: Locked,
    sources: Iterable[OutboxState],
    target: OutboxState,
    *,
    operation: Operation | None = None,
    **values: Any,
) -> int:
    """Move the locked melding's rows in ``sources`` (of ``operation``, if given) to ``target``;
    ``IllegalTransition`` when the lifecycle allows no move from one of them. Returns the count."""
    sources = frozenset(sources)
    illegal = sources - allowed_from(target)
    if illegal:
        raise IllegalTransition(f"verzending kan niet van {sorted(illegal)} naar '{target}'")
    result = locked.conn.execute(_rows_of(locked, sources, operation).values(state=target.value, **values))
    return int(result.rowcount)


def touch_rows(locked: Locked, states: Iterable[OutboxState], **values: Any) -> int:
    """Change other columns (not the state) of the locked melding's rows in ``states``; the count."""
    if "state" in values:
        raise IllegalTransition("een toestand verandert alleen via move_row of move_rows")
    result = locked.conn.execute(_rows_of(locked, states, None).values(**values))
    return int(result.rowcount)


def routes_in_doubt(conn: sa.Connection, melding_id: str) -> set[str]:
    """Routes where a delivery attempt of the melding was in doubt (the receiver may hold it)."""
    return set(
        conn.scalars(
            sa.select(outbox.c.route).where(
                outbox.c.melding_id == melding_id,
                outbox.c.operation == Operation.DELIVER.value,
                outbox.c.was_in_doubt,
            )
        )
    )
