"""Meldingen in the store: creation, status changes (checked by the lifecycle), and the read API."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from gateway.domain.errors import IllegalTransition
from gateway.domain.lifecycle import State, allowed_from, check_transition
from gateway.domain.signals import Signal
from gateway.store.engine import Store, utcnow
from gateway.store.schema import meldingen, outbox


@dataclass(frozen=True)
class MeldingView:
    """A melding as the API and CLI show it (no personal data)."""

    id: str
    school_id: str
    business_id: str
    message_id: str
    student_id: str
    rule: str
    kind: str
    recipient: str
    route: str | None
    status: str
    trigger_date: date
    period_start: date
    period_end: date | None
    due_date: date | None
    hours: float | None
    profile_stamp: str
    receiver_reference: str | None
    receiver_status: str | None
    last_error: str | None
    approved_by: str | None
    created_at: datetime
    updated_at: datetime
    signal: dict[str, Any]
    fallback_from: str | None = None  # the route a fallback took it from (``duo``), see docs/store.md
    # The completeness gate: fields still missing (None: never gated, e.g. an intern melding), and
    # the verzuimspecificatie computed from the evidence (None: not computed).
    missing: list[str] | None = None
    specification: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            out[key] = value.isoformat() if isinstance(value, date | datetime) else value
        return out


def _view(row: sa.Row[Any]) -> MeldingView:
    m = row._mapping
    return MeldingView(
        id=m["id"],
        school_id=m["school_id"],
        business_id=m["business_id"],
        message_id=m["id"],
        student_id=m["student_id"],
        rule=m["rule"],
        kind=m["kind"],
        recipient=m["recipient"],
        route=m["route"],
        status=m["status"],
        trigger_date=m["trigger_date"],
        period_start=m["period_start"],
        period_end=m["period_end"],
        due_date=m["due_date"],
        hours=m["hours"],
        profile_stamp=m["profile_stamp"],
        receiver_reference=m["receiver_reference"],
        receiver_status=m["receiver_status"],
        last_error=m["last_error"],
        approved_by=m["approved_by"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        signal=json.loads(m["signal"]),
        fallback_from=m.get("fallback_from"),
        missing=json.loads(m["missing"]) if m["missing"] is not None else None,
        specification=json.loads(m["specification"]) if m["specification"] is not None else None,
    )


def melding_view(row: sa.Row[Any]) -> MeldingView:
    """A melding row (``meldingen`` with ``fallback_from_column()``) as the API and console show it."""
    return _view(row)


def fallback_from_column() -> sa.Label[str | None]:
    """The route a melding fell back from (None without a fallback), correlated to ``meldingen``:
    an outbox row of the melding whose parent row went by another route."""
    child = outbox.alias("fb_child")
    parent = outbox.alias("fb_parent")
    return (
        sa.select(parent.c.route)
        .select_from(child.join(parent, child.c.parent_id == parent.c.id))
        .where(child.c.melding_id == meldingen.c.id, child.c.route != parent.c.route)
        .order_by(child.c.id)
        .limit(1)
        .correlate(meldingen)
        .scalar_subquery()
        .label("fallback_from")
    )


def list_meldingen(  # noqa: PLR0913  keyword-only filters of one query; an object for them would only move them
    store: Store,
    school_id: str,
    *,
    status: str | list[str] | None = None,
    student_id: str | None = None,
    rule: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[MeldingView]:
    """Meldingen of a school, newest trigger date first, filtered by status, student, rule or kind."""
    query = sa.select(meldingen, fallback_from_column()).where(meldingen.c.school_id == school_id)
    if status is not None:
        query = query.where(meldingen.c.status.in_([status] if isinstance(status, str) else status))
    if student_id is not None:
        query = query.where(meldingen.c.student_id == student_id)
    if rule is not None:
        query = query.where(meldingen.c.rule == rule)
    if kind is not None:
        query = query.where(meldingen.c.kind == kind)
    query = query.order_by(meldingen.c.trigger_date.desc(), meldingen.c.id).limit(limit).offset(offset)
    with store.read() as conn:
        return [_view(r) for r in conn.execute(query)]


def get_melding(store: Store, melding_id: str, school_id: str | None = None) -> MeldingView | None:
    """One melding by its id (= its message id), optionally checked to belong to ``school_id``."""
    query = sa.select(meldingen, fallback_from_column()).where(meldingen.c.id == melding_id)
    if school_id is not None:
        query = query.where(meldingen.c.school_id == school_id)
    with store.read() as conn:
        row = conn.execute(query).one_or_none()
    return _view(row) if row is not None else None


def count_by_status(store: Store, school_id: str | None = None) -> dict[str, int]:
    """How many meldingen are in each status (one school or all)."""
    query = sa.select(meldingen.c.status, sa.func.count()).group_by(meldingen.c.status)
    if school_id is not None:
        query = query.where(meldingen.c.school_id == school_id)
    with store.read() as conn:
        return {status: int(n) for status, n in conn.execute(query)}


# --- writes (inside the caller's transaction) ------------------------------------------------------

_LOCK_CHUNK = 500  # ids per locking statement (bound parameters stay well under every driver's limit)


@dataclass(frozen=True)
class NewMelding:
    """A melding to store: the signal it comes from and what was decided about it."""

    school_id: str
    business_id: str
    message_id: str
    signal: Signal
    status: State
    route: str | None
    profile_stamp: str


def insert_melding(conn: sa.Connection, melding: NewMelding) -> None:
    """Write a melding (its outbox row, if it is to be sent, is ``gateway.delivery.outbox``'s)."""
    now = utcnow()
    signal = melding.signal
    conn.execute(
        meldingen.insert().values(
            id=melding.message_id,
            school_id=melding.school_id,
            business_id=melding.business_id,
            student_id=signal.student_id,
            rule=signal.rule,
            kind=signal.kind,
            recipient=signal.recipient,
            route=melding.route,
            status=melding.status.value,
            trigger_date=signal.trigger_date,
            period_start=signal.period_start,
            period_end=signal.period_end,
            due_date=signal.due_date,
            hours=signal.hours,
            signal=json.dumps(signal.to_json(), sort_keys=True),
            profile_stamp=melding.profile_stamp,
            created_at=now,
            updated_at=now,
        )
    )


def lock_active(conn: sa.Connection, school_id: str, student_ids: Sequence[str]) -> None:
    """Lock every melding of these students that is not withdrawn (in id order, chunked)."""
    for i in range(0, len(student_ids), _LOCK_CHUNK):
        conn.execute(
            sa.select(meldingen.c.id)
            .where(
                meldingen.c.school_id == school_id,
                meldingen.c.student_id.in_(list(student_ids[i : i + _LOCK_CHUNK])),
                meldingen.c.status != State.INGETROKKEN.value,
            )
            .order_by(meldingen.c.id)
            .with_for_update()
        ).all()


def lock_status(conn: sa.Connection, melding_id: str) -> State:
    """The melding's status, with its row locked for this transaction (PostgreSQL)."""
    status = conn.scalar(sa.select(meldingen.c.status).where(meldingen.c.id == melding_id).with_for_update())
    if status is None:
        raise KeyError(melding_id)
    return State(status)


def set_status(conn: sa.Connection, melding_id: str, target: State, **values: Any) -> State:
    """Move a melding to ``target`` (raises ``IllegalTransition`` when not allowed); returns the old state."""
    current = lock_status(conn, melding_id)
    check_transition(current, target)
    conn.execute(
        meldingen.update()
        .where(meldingen.c.id == melding_id)
        .values(status=target.value, updated_at=utcnow(), **values)
    )
    return current


# The worker's hot path runs this for every melding: one statement per shape (source states and
# columns set), compiled once and reused.
@lru_cache(maxsize=64)
def _move_from(sources: tuple[str, ...], columns: tuple[str, ...]) -> sa.Update:
    return (
        meldingen.update()
        .where(meldingen.c.id == sa.bindparam("p_mid"), meldingen.c.status.in_(sources))
        .values({c: sa.bindparam(f"p_{c}") for c in columns})
    )


def guarded_move(
    conn: sa.Connection, melding_id: str, target: State, sources: tuple[State, ...], **values: Any
) -> bool:
    """One-statement transition, only from ``sources`` (each allowed by the lifecycle, else
    ``IllegalTransition``); False when the melding was in none of them."""
    names = tuple(s.value for s in sources)
    if not set(names) <= set(allowed_from(target)):
        raise IllegalTransition(f"melding kan niet van {names} naar '{target}'")
    changes = {"status": target.value, "updated_at": utcnow(), **values}
    statement = _move_from(names, tuple(sorted(changes)))
    result = conn.execute(statement, {"p_mid": melding_id, **{f"p_{k}": v for k, v in changes.items()}})
    return bool(result.rowcount)


def move_if_allowed(conn: sa.Connection, melding_id: str, target: State, **values: Any) -> bool:
    """Move the melding when the lifecycle allows it (a withdrawal may have overtaken a send);
    ``values`` are written either way. Returns whether it moved."""
    try:
        set_status(conn, melding_id, target, **values)
    except IllegalTransition:
        note(conn, melding_id, **values)
        return False
    return True


def note(conn: sa.Connection, melding_id: str, **values: Any) -> None:
    """Write columns other than the status (what a receiver answered, the last error)."""
    if values:
        conn.execute(meldingen.update().where(meldingen.c.id == melding_id).values(**values))
