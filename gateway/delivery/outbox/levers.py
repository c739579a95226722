"""The operator's levers on the outbox: pause and resume a route, retry now, replay a dead letter,
and the listing that shows what is stuck or due."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from gateway.delivery.outbox.rows import ROW_HEAD, NewRow, Request, insert_row, lock_melding, touch_rows
from gateway.domain.errors import GatewayError
from gateway.domain.lifecycle import State
from gateway.domain.outbox_lifecycle import ACTIVE, DUE, Operation, OutboxState
from gateway.store import audit
from gateway.store.engine import Store, utcnow
from gateway.store.meldingen import fallback_from_column, set_status
from gateway.store.schema import meldingen, outbox, pauses, schools

# What ``list_rows`` shows by default: what a worker or a person still has to act on.
ATTENTION = (*ACTIVE, OutboxState.DEAD)
# What a pause can name: one route, or every route of the school.
PAUSE_ROUTES = ("duo", "mail", "*")


def resolve_melding_id(store: Store, given: str) -> str:
    """The full id of the melding whose id is ``given`` or starts with it; ``GatewayError`` when no
    melding or more than one fits (then the person types more of the id)."""
    escaped = given.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    with store.read() as conn:
        if conn.scalar(sa.select(meldingen.c.id).where(meldingen.c.id == given)) is not None:
            return given
        found = conn.scalars(sa.select(meldingen.c.id).where(meldingen.c.id.like(f"{escaped}%", escape="\\"))
                             .order_by(meldingen.c.id).limit(2)).all()
    if not found:
        raise GatewayError(f"onbekende melding '{given}': geen melding heeft dit id of begint ermee")
    if len(found) > 1:
        raise GatewayError(f"'{given}' is dubbelzinnig: meer dan één melding begint ermee "
                           f"({found[0]}, {found[1]}, ...); geef meer tekens van het id")
    return str(found[0])


def why_not_retried(store: Store, melding_id: str) -> str:
    """Why ``retry_now`` found nothing to move forward for a melding, in words for the operator;
    ``GatewayError`` when the melding is dead-lettered (then ``replay`` is what helps)."""
    with store.read() as conn:
        states = set(conn.scalars(sa.select(outbox.c.state).where(outbox.c.melding_id == melding_id)))
    if OutboxState.DEAD.value in states and not states & {str(s) for s in ACTIVE}:
        raise GatewayError(
            f"melding {melding_id} is onbestelbaar; opnieuw proberen kan niet. Bied haar opnieuw aan met "
            f"`verzuim-gateway outbox replay {melding_id} --reason \"...\"`")
    if not states:
        return f"melding {melding_id} heeft geen verzendingen in de outbox"
    return f"melding {melding_id} heeft geen wachtende verzending (toestand: {', '.join(sorted(states))})"


def count_dead(store: Store) -> int:
    """How many outbox rows are dead letters (the worker command reports the ones it added)."""
    with store.read() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(outbox)
                               .where(outbox.c.state == OutboxState.DEAD.value)) or 0)


def pause_route(conn: sa.Connection, school_id: str, route: str, request: Request, **extra: str) -> bool:
    """Pause a school's route inside the caller's transaction, audited (with ``extra``); False if
    it was paused already."""
    exists = conn.scalar(
        sa.select(sa.func.count())
        .select_from(pauses)
        .where(pauses.c.school_id == school_id, pauses.c.route == route)
    )
    if exists:
        return False
    conn.execute(
        pauses.insert().values(
            school_id=school_id, route=route, actor=request.actor, reason=request.reason, created_at=utcnow()
        )
    )
    audit.append(
        conn,
        actor=request.actor,
        action="outbox.pauze",
        school_id=school_id,
        subject=route,
        data={"route": route, "reden": request.reason, **extra},
    )
    return True


def pause(store: Store, school_id: str, route: str, actor: str, reason: str | None = None) -> bool:
    """Stop delivery for a school and route (``*``: every route) at once; False if already paused.
    A school that is not registered, or a route that does not exist, is refused (``GatewayError``)."""
    if route not in PAUSE_ROUTES:
        raise GatewayError(f"onbekende route '{route}'; kies uit {', '.join(PAUSE_ROUTES)}")
    with store.write() as conn:
        _require_registered(conn, school_id, "pauzeren")
        return pause_route(conn, school_id, route, Request(actor, reason))


def _require_registered(conn: sa.Connection, school_id: str, doing: str) -> None:
    """Refuse a lever pulled for a school the gateway does not serve (a typo would do nothing)."""
    if conn.scalar(sa.select(schools.c.id).where(schools.c.id == school_id)) is None:
        raise GatewayError(f"school '{school_id}' is niet geregistreerd; {doing} kan alleen voor "
                           "een geregistreerde school")


def resume(store: Store, school_id: str, route: str, actor: str) -> bool:
    """Lift a pause; False when there was none. An unregistered school is refused."""
    with store.write() as conn:
        _require_registered(conn, school_id, "hervatten")
        gone = conn.execute(pauses.delete().where(pauses.c.school_id == school_id, pauses.c.route == route))
        if not gone.rowcount:
            return False
        audit.append(
            conn,
            actor=actor,
            action="outbox.hervat",
            school_id=school_id,
            subject=route,
            data={"route": route},
        )
    return True


def list_pauses(store: Store) -> list[dict[str, Any]]:
    """Every active pause."""
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(pauses).order_by(pauses.c.school_id))]


def retry_now(store: Store, melding_id: str, actor: str) -> int:
    """Make a waiting retry (or in-doubt check) of a melding due now; returns the rows touched."""
    with store.write() as conn:
        now = utcnow()
        touched = touch_rows(lock_melding(conn, melding_id), DUE, next_attempt_at=now, updated_at=now)
        if touched:
            audit.append(
                conn,
                actor=actor,
                action="outbox.nu_opnieuw",
                subject=melding_id,
                data={"rows": touched},
            )
        return touched


def replay(store: Store, melding_id: str, actor: str, reason: str) -> int:
    """Send a dead-lettered melding again: a new attempt pointing to its parent, with who and why."""
    if not reason.strip():
        raise GatewayError("geef een reden op voor het opnieuw aanbieden")
    with store.write() as conn:
        locked = lock_melding(conn, melding_id)
        parent = conn.execute(
            sa.select(outbox)
            .where(outbox.c.melding_id == melding_id, outbox.c.state == OutboxState.DEAD.value)
            .order_by(outbox.c.id.desc())
            .limit(1)
        ).one_or_none()
        if parent is None:
            raise GatewayError(
                f"melding {melding_id} heeft geen onbestelbare verzending om opnieuw aan te bieden"
            )
        if parent.operation == Operation.DELIVER:
            set_status(conn, melding_id, State.KLAAR, last_error=None)
        new_id = insert_row(
            locked,
            NewRow(
                school_id=parent.school_id,
                route=parent.route,
                operation=Operation(parent.operation),
                parent_id=parent.id,
                request=Request(actor, reason),
            ),
        )
        audit.append(
            conn,
            actor=actor,
            action="outbox.replay",
            school_id=parent.school_id,
            subject=melding_id,
            data={"outbox_id": new_id, "parent_id": parent.id, "reden": reason},
        )
    return new_id


_LISTED = (
    *ROW_HEAD,
    outbox.c.next_attempt_at,
    outbox.c.last_error,
    outbox.c.parent_id,
    outbox.c.requested_by,
    outbox.c.updated_at,
    meldingen.c.rule,
    meldingen.c.status,
    meldingen.c.due_date,
    meldingen.c.student_id,
)


def list_rows(  # noqa: PLR0913  keyword-only filters of one listing; an object for them would only move them
    store: Store,
    *,
    school_id: str | None = None,
    states: tuple[str, ...] = ATTENTION,
    due_within: timedelta | None = None,
    stuck_for: timedelta | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Outbox rows with their melding: what is stuck (older than ``stuck_for``) or due soon."""
    now = utcnow()
    query = (
        sa.select(*_LISTED, fallback_from_column())
        .join(meldingen, meldingen.c.id == outbox.c.melding_id)
        .where(outbox.c.state.in_([str(s) for s in states]))
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if school_id is not None:
        query = query.where(outbox.c.school_id == school_id)
    if stuck_for is not None:
        query = query.where(outbox.c.updated_at <= now - stuck_for)
    if due_within is not None:
        query = query.where(meldingen.c.due_date <= (now + due_within).date())
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
