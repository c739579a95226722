"""Meldingen in the store: creation with their outbox row, status changes, and the read API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from gateway.domain.lifecycle import State, check_transition
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
    )


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


def list_meldingen(
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


def insert_melding(
    conn: sa.Connection,
    *,
    school_id: str,
    business_id: str,
    message_id: str,
    signal: Signal,
    status: State,
    route: str | None,
    profile_stamp: str,
) -> None:
    """Write a melding; when it is to be sent, its outbox row in the same transaction."""
    now = utcnow()
    conn.execute(
        meldingen.insert().values(
            id=message_id,
            school_id=school_id,
            business_id=business_id,
            student_id=signal.student_id,
            rule=signal.rule,
            kind=signal.kind,
            recipient=signal.recipient,
            route=route,
            status=status.value,
            trigger_date=signal.trigger_date,
            period_start=signal.period_start,
            period_end=signal.period_end,
            due_date=signal.due_date,
            hours=signal.hours,
            signal=json.dumps(signal.to_json(), sort_keys=True),
            profile_stamp=profile_stamp,
            created_at=now,
            updated_at=now,
        )
    )
    if route is not None and status in (State.CONCEPT, State.KLAAR):
        conn.execute(
            outbox.insert().values(
                melding_id=message_id,
                school_id=school_id,
                route=route,
                operation="deliver",
                state="held" if status is State.CONCEPT else "pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )


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
