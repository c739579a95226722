"""The outbox side of a melding's decisions, inside the caller's transaction: queue its delivery
when it is created, release it when approved, cancel it and queue withdrawals when withdrawn.

Each function locks the melding first (a no-op when the caller already has), so a caller that
changes the melding's status and then calls one of these keeps the lock order by construction.
"""

from __future__ import annotations

import sqlalchemy as sa

from gateway.delivery.outbox.rows import NewRow, Request, insert_row, lock_melding, move_rows, routes_in_doubt
from gateway.domain.lifecycle import POSSIBLY_DELIVERED, State
from gateway.domain.outbox_lifecycle import Operation, OutboxState
from gateway.store.engine import utcnow
from gateway.store.schema import meldingen

# A delivery that has not gone out yet, or went unanswered: a withdrawal cancels it. A row being
# sent right now is left to finish; the withdrawal row waits for it (``claiming._no_delivery_in_flight``).
_CANCELLABLE = (OutboxState.HELD, OutboxState.PENDING, OutboxState.IN_DOUBT)


def queue_delivery(conn: sa.Connection, melding_id: str, *, school_id: str, route: str, held: bool) -> int:
    """Queue a new melding's delivery by ``route``; ``held`` while it waits for approval. Its id."""
    state = OutboxState.HELD if held else OutboxState.PENDING
    return insert_row(lock_melding(conn, melding_id), NewRow(school_id=school_id, route=route, state=state))


def release_held(conn: sa.Connection, melding_id: str) -> int:
    """The melding was approved: its held delivery becomes due now. Returns the rows released."""
    now = utcnow()
    locked = lock_melding(conn, melding_id)
    return move_rows(locked, (OutboxState.HELD,), OutboxState.PENDING, next_attempt_at=now, updated_at=now)


def withdraw_deliveries(conn: sa.Connection, melding_id: str, previous: State, request: Request) -> list[str]:
    """The melding was withdrawn from status ``previous``: cancel its deliveries that did not go, and
    queue a withdrawal for each route whose receiver may hold it. Returns those routes."""
    locked = lock_melding(conn, melding_id)
    move_rows(locked, _CANCELLABLE, OutboxState.CANCELLED, operation=Operation.DELIVER, updated_at=utcnow())
    school_id, route = conn.execute(
        sa.select(meldingen.c.school_id, meldingen.c.route).where(meldingen.c.id == melding_id)
    ).one()
    routes = withdrawal_routes(conn, melding_id, previous, route)
    for each in routes:
        insert_row(
            locked, NewRow(school_id=school_id, route=each, operation=Operation.WITHDRAW, request=request)
        )
    return routes


def withdrawal_routes(conn: sa.Connection, melding_id: str, previous: State, route: str | None) -> list[str]:
    """The routes whose receiver may hold the melding: its route when its state says it may have
    arrived, and every route where a delivery attempt was in doubt. The latter covers a dead letter
    after in-doubt attempts (``onbestelbaar``, yet perhaps received) and a replay of one; a melding
    rejected without ever being in doubt never reached the receiver and needs no withdrawal."""
    routes = routes_in_doubt(conn, melding_id)
    if previous in POSSIBLY_DELIVERED and route is not None:
        routes.add(route)
    return sorted(routes)
