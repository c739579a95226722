"""The transactional outbox: claiming due rows, recording outcomes, and the operator's levers.

Retry state lives per row (no head-of-line blocking). Claims use ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL and the database write lock on SQLite, so several workers never take the same row.

Lock order (PostgreSQL): every transaction that changes a melding and its outbox rows locks the
melding's row first (``lock_status``), then its outbox rows, and appends to the audit log (which
locks the audit head) last. ``pipeline.withdraw`` and ``pipeline.approve`` work in the same order,
and ``pipeline.evaluate`` locks every active melding of the students it evaluates before its first
audit entry; two transactions that took the rows the other way round could each wait for the other
(deadlock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from gateway.domain.errors import GatewayError, IllegalTransition
from gateway.domain.lifecycle import State, allowed_from
from gateway.domain.ports import Receipt
from gateway.store import audit
from gateway.store.engine import Store, utcnow
from gateway.store.meldingen import fallback_from_column, lock_status, set_status
from gateway.store.schema import meldingen, outbox, pauses

ACTIVE_STATES = ("held", "pending", "sending", "in_doubt")


@dataclass(frozen=True)
class Claim:
    """One outbox row a worker has taken: deliver or withdraw one melding."""

    outbox_id: int
    melding_id: str
    school_id: str
    route: str
    operation: str
    in_doubt: bool
    attempts: int


def _not_paused() -> sa.ColumnElement[bool]:
    return ~sa.exists().where(
        pauses.c.school_id == outbox.c.school_id, pauses.c.route.in_([outbox.c.route, "*"])
    )


def _no_delivery_in_flight() -> sa.ColumnElement[bool]:
    sibling = outbox.alias("sibling")
    return sa.or_(
        outbox.c.operation == "deliver",
        ~sa.exists().where(
            sibling.c.melding_id == outbox.c.melding_id,
            sibling.c.operation == "deliver",
            sibling.c.state.in_(("sending", "in_doubt")),
        ),
    )


def _due() -> tuple[sa.ColumnElement[bool], ...]:
    return (
        outbox.c.state.in_(("pending", "in_doubt")),
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
_LOCK_MELDING_OR_SKIP = (
    sa.select(meldingen.c.id).where(meldingen.c.id == sa.bindparam("mid")).with_for_update(skip_locked=True)
)
_CLAIM = (
    sa.select(
        outbox.c.id,
        outbox.c.melding_id,
        outbox.c.school_id,
        outbox.c.route,
        outbox.c.operation,
        outbox.c.state,
        outbox.c.attempts,
    )
    .where(outbox.c.id == sa.bindparam("oid"), *_due())  # still due now that it is locked
    .with_for_update(skip_locked=True, of=outbox)
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
            .where(outbox.c.state == "sending", which)
            .order_by(outbox.c.id)
        ).all()
    recovered = 0
    for candidate in candidates:
        # One transaction per row, melding first (lock order): it waits for a melding only while
        # holding nothing else, so it cannot take part in a deadlock.
        with store.write() as conn:
            _lock_melding(conn, candidate.melding_id)
            row = conn.execute(
                sa.select(outbox.c.id, outbox.c.melding_id, outbox.c.operation, outbox.c.school_id)
                .where(outbox.c.id == candidate.id, outbox.c.state == "sending", which)
                .with_for_update()
            ).one_or_none()
            if row is None:  # finished or recovered by someone else meanwhile
                continue
            conn.execute(
                outbox.update()
                .where(outbox.c.id == row.id)
                .values(
                    state="in_doubt",
                    was_in_doubt=True,
                    worker_id=None,
                    lease_until=None,
                    next_attempt_at=now,
                    updated_at=now,
                    last_error="onderbroken tijdens verzenden (herstart)",
                )
            )
            if row.operation == "deliver" and lock_status(conn, row.melding_id) is State.VERZONDEN:
                set_status(conn, row.melding_id, State.ONZEKER)
            audit.append(
                conn,
                actor=actor,
                action="outbox.onzeker",
                school_id=row.school_id,
                subject=row.melding_id,
                data={"outbox_id": row.id, "operation": row.operation, "reden": "herstart na onderbreking"},
            )
            recovered += 1
    return recovered


def claim(store: Store, worker_id: str, lease: timedelta, now: datetime | None = None) -> Claim | None:
    """Take the most overdue deliverable row (not paused), mark it ``sending``; None when nothing is due."""
    now = now or utcnow()
    with store.write() as conn:
        for candidate in conn.execute(_CANDIDATES, {"now": now}).all():
            if conn.execute(_LOCK_MELDING_OR_SKIP, {"mid": candidate.melding_id}).first() is None:
                continue  # another transaction is changing this melding: take the next row
            row = conn.execute(_CLAIM, {"now": now, "oid": candidate.id}).one_or_none()
            if row is not None:
                taken = Claim(row.id, row.melding_id, row.school_id, row.route, row.operation,
                              row.state == "in_doubt", row.attempts + 1)
                _mark_sending(conn, taken, worker_id, lease, now)
                return taken
    return None


# The worker's hot path runs these for every melding: statements are built once per shape (which
# columns are set) and reused, so SQLAlchemy compiles and caches each only once.
@lru_cache(maxsize=64)
def _update_outbox_row(columns: tuple[str, ...]) -> sa.Update:
    return (outbox.update().where(outbox.c.id == sa.bindparam("p_oid"))
            .values({c: sa.bindparam(f"p_{c}") for c in columns}))


@lru_cache(maxsize=64)
def _move_melding_from(sources: tuple[str, ...], columns: tuple[str, ...]) -> sa.Update:
    return (meldingen.update()
            .where(meldingen.c.id == sa.bindparam("p_mid"), meldingen.c.status.in_(sources))
            .values({c: sa.bindparam(f"p_{c}") for c in columns}))


_LOCK_MELDING = sa.select(meldingen.c.id).where(meldingen.c.id == sa.bindparam("mid")).with_for_update()


def _params(values: dict[str, Any]) -> dict[str, Any]:
    return {f"p_{k}": v for k, v in values.items()}


def _set_row(conn: sa.Connection, outbox_id: int, **values: Any) -> None:
    keys = tuple(sorted(values))
    conn.execute(_update_outbox_row(keys), {"p_oid": outbox_id, **_params(values)})


def _mark_sending(conn: sa.Connection, claim: Claim, worker_id: str, lease: timedelta, now: datetime) -> None:
    """The locked, due row becomes ``sending`` for ``worker_id``; a delivery's melding ``verzonden``."""
    _set_row(conn, claim.outbox_id, state="sending", worker_id=worker_id, lease_until=now + lease,
             attempts=claim.attempts, updated_at=now)
    if claim.operation == "deliver" and not claim.in_doubt:
        _guarded_move(conn, claim.melding_id, State.VERZONDEN, ("klaar", "opnieuw"), now)


def _guarded_move(
    conn: sa.Connection,
    melding_id: str,
    target: State,
    sources: tuple[str, ...],
    now: datetime,
    **values: Any,
) -> bool:
    """One-statement transition: only from ``sources`` (each allowed by the lifecycle)."""
    if not set(sources) <= set(allowed_from(target)):
        raise IllegalTransition(f"melding kan niet van {sources} naar '{target}'")
    changes = {"status": target.value, "updated_at": now, **values}
    statement = _move_melding_from(tuple(sources), tuple(sorted(changes)))
    result = conn.execute(statement, {"p_mid": melding_id, **_params(changes)})
    return bool(result.rowcount)


def _lock_melding(conn: sa.Connection, melding_id: str) -> None:
    """Lock the melding's row before touching its outbox rows (the lock order, see the module doc)."""
    conn.execute(_LOCK_MELDING, {"mid": melding_id})


def _finish_row(conn: sa.Connection, claim: Claim, state: str, **values: Any) -> None:
    _lock_melding(conn, claim.melding_id)
    _set_row(conn, claim.outbox_id, state=state, worker_id=None, lease_until=None, updated_at=utcnow(),
             **values)


def _move(conn: sa.Connection, melding_id: str, target: State, **values: Any) -> bool:
    """Move the melding if the lifecycle allows it (a withdrawal may have overtaken the send)."""
    try:
        set_status(conn, melding_id, target, **values)
    except IllegalTransition:
        conn.execute(meldingen.update().where(meldingen.c.id == melding_id).values(**values))
        return False
    return True


def record_receipt(store: Store, claim: Claim, receipt: Receipt, actor: str) -> None:
    """The receiver acknowledged the delivery or withdrawal: row done, melding on, audited."""
    with store.write() as conn:
        _finish_row(conn, claim, "done", last_error=None)
        data = {
            "outbox_id": claim.outbox_id,
            "channel": receipt.channel,
            "message_id": receipt.message_id,
            "receiver_reference": receipt.receiver_reference,
            "attempt": claim.attempts,
        }
        if claim.operation == "withdraw":
            audit.append(
                conn,
                actor=actor,
                action="melding.intrekking_verzonden",
                school_id=claim.school_id,
                subject=claim.melding_id,
                data=data,
            )
            return
        values = {
            "receiver_reference": receipt.receiver_reference,
            "last_error": None,
            "receiver_status": receipt.status,
        }
        # verzonden/onzeker -> ontvangen (onzeker passes verzonden: the status query found it there)
        target = State.ONTVANGEN if receipt.receiver_reference else State.VERZONDEN
        sources = ("onzeker", "verzonden") if target is State.ONTVANGEN else ("onzeker",)
        if not _guarded_move(conn, claim.melding_id, target, sources, utcnow(), **values):
            # withdrawn meanwhile (or mail without receipt): keep the status, record what came back
            conn.execute(meldingen.update().where(meldingen.c.id == claim.melding_id).values(**values))
        audit.append(
            conn,
            actor=actor,
            action="melding.verzonden",
            school_id=claim.school_id,
            subject=claim.melding_id,
            data=data,
        )


def record_transient(
    store: Store, claim: Claim, error: str, next_at: datetime, actor: str, max_attempts: int
) -> bool:
    """A transient failure: schedule the next attempt (or dead-letter after ``max_attempts``)."""
    if claim.attempts >= max_attempts:
        record_dead(store, claim, f"{error} (na {claim.attempts} pogingen)", actor)
        return False
    with store.write() as conn:
        if claim.in_doubt:
            # the status query failed: it stays in doubt, so the next attempt asks again first
            _finish_row(conn, claim, "in_doubt", next_attempt_at=next_at, last_error=error)
        else:
            _finish_row(conn, claim, "pending", next_attempt_at=next_at, last_error=error)
            if claim.operation == "deliver":
                _move(conn, claim.melding_id, State.OPNIEUW, last_error=error)
        audit.append(
            conn,
            actor=actor,
            action="outbox.opnieuw",
            school_id=claim.school_id,
            subject=claim.melding_id,
            data={
                "outbox_id": claim.outbox_id,
                "attempt": claim.attempts,
                "next_attempt_at": next_at.isoformat(),
                "error": error,
            },
        )
    return True


def record_in_doubt(
    store: Store, claim: Claim, error: str, next_at: datetime, actor: str, max_attempts: int | None = None
) -> bool:
    """The request left but no answer came: ask the receiver's status before any resend.

    After ``max_attempts`` the row becomes a dead letter (a person must check with the receiver);
    returns False then.
    """
    if max_attempts is not None and claim.attempts >= max_attempts:
        record_dead(
            store,
            claim,
            f"{error} (onzeker na {claim.attempts} pogingen; controleer bij de ontvanger)",
            actor,
            maybe_received=True,
        )
        return False
    with store.write() as conn:
        _finish_row(conn, claim, "in_doubt", next_attempt_at=next_at, last_error=error, was_in_doubt=True)
        if claim.operation == "deliver":
            _move(conn, claim.melding_id, State.ONZEKER, last_error=error)
        audit.append(
            conn,
            actor=actor,
            action="outbox.onzeker",
            school_id=claim.school_id,
            subject=claim.melding_id,
            data={"outbox_id": claim.outbox_id, "attempt": claim.attempts, "error": error},
        )
    return True


def record_dead(store: Store, claim: Claim, error: str, actor: str, *, maybe_received: bool = False) -> bool:
    """A permanent failure: the row becomes a dead letter with the receiver's reason.

    ``maybe_received``: this last attempt was in doubt, so the receiver may hold the melding (kept
    on the row as ``was_in_doubt``: a later withdrawal must then be sent). Returns True the first
    time (so the caller alerts once per melding).
    """
    extra = {"was_in_doubt": True} if maybe_received else {}
    with store.write() as conn:
        alerted = bool(conn.scalar(sa.select(outbox.c.alerted).where(outbox.c.id == claim.outbox_id)))
        _finish_row(conn, claim, "dead", last_error=error, alerted=True, **extra)
        if claim.operation == "deliver":
            if lock_status(conn, claim.melding_id) is State.ONZEKER:
                set_status(conn, claim.melding_id, State.VERZONDEN)
            _move(conn, claim.melding_id, State.ONBESTELBAAR, last_error=error)
        audit.append(
            conn,
            actor=actor,
            action="outbox.onbestelbaar",
            school_id=claim.school_id,
            subject=claim.melding_id,
            data={"outbox_id": claim.outbox_id, "attempt": claim.attempts, "error": error},
        )
    return not alerted


def record_fallback(store: Store, claim: Claim, error: str, detail: str, actor: str) -> int:
    """DUO stays unreachable close to the due date: re-route the melding to mail, exactly once.

    In one transaction the DUO row is cancelled (it is never tried again), a mail row is queued
    that points to it, the melding's route becomes ``mail`` and ``melding.fallback`` is audited
    (with whether DUO may already hold it, for reconciliation). Returns the new row's id.
    """
    now = utcnow()
    with store.write() as conn:
        _finish_row(conn, claim, "cancelled", last_error=f"{error}; terugval naar mail")
        new_id = conn.execute(
            outbox.insert()
            .values(
                melding_id=claim.melding_id,
                school_id=claim.school_id,
                route="mail",
                operation=claim.operation,
                state="pending",
                attempts=0,
                next_attempt_at=now,
                parent_id=claim.outbox_id,
                requested_by=actor,
                reason=f"terugval van {claim.route}: {detail}",
                created_at=now,
                updated_at=now,
            )
            .returning(outbox.c.id)
        ).scalar_one()
        conn.execute(meldingen.update().where(meldingen.c.id == claim.melding_id).values(route="mail"))
        _move(conn, claim.melding_id, State.OPNIEUW, last_error=f"{claim.route} onbereikbaar: {error}")
        audit.append(
            conn,
            actor=actor,
            action="melding.fallback",
            school_id=claim.school_id,
            subject=claim.melding_id,
            data={
                "van": claim.route,
                "naar": "mail",
                "outbox_id": claim.outbox_id,
                "nieuwe_outbox_id": new_id,
                "reden": detail,
                "error": error,
                "mogelijk_al_ontvangen": claim.in_doubt or _any_attempt_in_doubt(conn, claim.melding_id),
            },
        )
    return int(new_id)


def may_be_held(store: Store, claim: Claim) -> bool:
    """Whether the receiver may already hold the claim's melding: this row is in doubt, or an earlier
    delivery attempt was (a dead letter after in-doubt attempts, replayed since)."""
    if claim.in_doubt:
        return True
    with store.read() as conn:
        return _any_attempt_in_doubt(conn, claim.melding_id)


def _any_attempt_in_doubt(conn: sa.Connection, melding_id: str) -> bool:
    query = sa.select(outbox.c.id).where(
        outbox.c.melding_id == melding_id, outbox.c.operation == "deliver", outbox.c.was_in_doubt
    )
    return conn.execute(query.limit(1)).first() is not None


def _put_back(conn: sa.Connection, claim: Claim, error: str, next_at: datetime) -> str | None:
    """Return a claimed row to the queue without counting the attempt; the previous error comes back."""
    previous = conn.scalar(sa.select(outbox.c.last_error).where(outbox.c.id == claim.outbox_id))
    state = "in_doubt" if claim.in_doubt else "pending"
    _finish_row(conn, claim, state, next_attempt_at=next_at, last_error=error, attempts=claim.attempts - 1)
    if claim.operation == "deliver" and not claim.in_doubt:
        _move(conn, claim.melding_id, State.OPNIEUW, last_error=error)
    return str(previous) if previous is not None else None


def record_held_back(store: Store, claim: Claim, error: str, next_at: datetime, actor: str) -> bool:
    """No recipient can be found (RoutingError): keep the melding in the outbox, visible, checked
    again at ``next_at``. Audited when the problem is new; returns True then (alert once)."""
    with store.write() as conn:
        previous = _put_back(conn, claim, error, next_at)
        if previous == error:
            return False
        audit.append(
            conn,
            actor=actor,
            action="outbox.niet_te_routeren",
            school_id=claim.school_id,
            subject=claim.melding_id,
            data={"outbox_id": claim.outbox_id, "route": claim.route, "error": error},
        )
    return True


def pause_misconfigured(store: Store, claim: Claim, error: str, actor: str) -> bool:
    """The route's channel is misconfigured (unknown adapter, bad settings): nothing was sent, so the
    row goes back unchanged and the school's route is paused with the reason (audited) until an
    operator fixes the configuration and resumes. Returns True when the pause is new."""
    now = utcnow()
    with store.write() as conn:
        _put_back(conn, claim, error, now)
        exists = conn.scalar(
            sa.select(sa.func.count())
            .select_from(pauses)
            .where(pauses.c.school_id == claim.school_id, pauses.c.route == claim.route)
        )
        if exists:
            return False
        reason = f"kanaal verkeerd ingesteld: {error}"
        conn.execute(
            pauses.insert().values(
                school_id=claim.school_id, route=claim.route, actor=actor, reason=reason, created_at=now
            )
        )
        audit.append(
            conn,
            actor=actor,
            action="outbox.pauze",
            school_id=claim.school_id,
            subject=claim.route,
            data={"route": claim.route, "reden": reason, "melding": claim.melding_id},
        )
    return True


# --- the operator's levers ---------------------------------------------------------------------


def pause(store: Store, school_id: str, route: str, actor: str, reason: str | None = None) -> bool:
    """Stop delivery for a school and route (``*``: every route) at once; False if already paused."""
    with store.write() as conn:
        exists = conn.scalar(
            sa.select(sa.func.count())
            .select_from(pauses)
            .where(pauses.c.school_id == school_id, pauses.c.route == route)
        )
        if exists:
            return False
        conn.execute(
            pauses.insert().values(
                school_id=school_id, route=route, actor=actor, reason=reason, created_at=utcnow()
            )
        )
        audit.append(
            conn,
            actor=actor,
            action="outbox.pauze",
            school_id=school_id,
            subject=route,
            data={"route": route, "reden": reason},
        )
    return True


def resume(store: Store, school_id: str, route: str, actor: str) -> bool:
    """Lift a pause; False when there was none."""
    with store.write() as conn:
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
        result = conn.execute(
            outbox.update()
            .where(outbox.c.melding_id == melding_id, outbox.c.state.in_(("pending", "in_doubt")))
            .values(next_attempt_at=utcnow(), updated_at=utcnow())
        )
        if result.rowcount:
            audit.append(
                conn,
                actor=actor,
                action="outbox.nu_opnieuw",
                subject=melding_id,
                data={"rows": result.rowcount},
            )
        return int(result.rowcount)


def replay(store: Store, melding_id: str, actor: str, reason: str) -> int:
    """Send a dead-lettered melding again: a new attempt pointing to its parent, with who and why."""
    if not reason.strip():
        raise GatewayError("geef een reden op voor het opnieuw aanbieden")
    now = utcnow()
    with store.write() as conn:
        _lock_melding(conn, melding_id)
        parent = conn.execute(
            sa.select(outbox)
            .where(outbox.c.melding_id == melding_id, outbox.c.state == "dead")
            .order_by(outbox.c.id.desc())
            .limit(1)
        ).one_or_none()
        if parent is None:
            raise GatewayError(
                f"melding {melding_id} heeft geen onbestelbare verzending om opnieuw aan te bieden"
            )
        if parent.operation == "deliver":
            set_status(conn, melding_id, State.KLAAR, last_error=None)
        new_id = conn.execute(
            outbox.insert()
            .values(
                melding_id=melding_id,
                school_id=parent.school_id,
                route=parent.route,
                operation=parent.operation,
                state="pending",
                attempts=0,
                next_attempt_at=now,
                parent_id=parent.id,
                requested_by=actor,
                reason=reason,
                created_at=now,
                updated_at=now,
            )
            .returning(outbox.c.id)
        ).scalar_one()
        audit.append(
            conn,
            actor=actor,
            action="outbox.replay",
            school_id=parent.school_id,
            subject=melding_id,
            data={"outbox_id": new_id, "parent_id": parent.id, "reden": reason},
        )
    return int(new_id)


def list_rows(
    store: Store,
    *,
    school_id: str | None = None,
    states: tuple[str, ...] = (*ACTIVE_STATES, "dead"),
    due_within: timedelta | None = None,
    stuck_for: timedelta | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Outbox rows with their melding: what is stuck (older than ``stuck_for``) or due soon."""
    now = utcnow()
    query = (
        sa.select(
            outbox.c.id,
            outbox.c.melding_id,
            outbox.c.school_id,
            outbox.c.route,
            outbox.c.operation,
            outbox.c.state,
            outbox.c.attempts,
            outbox.c.next_attempt_at,
            outbox.c.last_error,
            outbox.c.parent_id,
            outbox.c.requested_by,
            outbox.c.updated_at,
            meldingen.c.rule,
            meldingen.c.status,
            meldingen.c.due_date,
            meldingen.c.student_id,
            fallback_from_column(),
        )
        .join(meldingen, meldingen.c.id == outbox.c.melding_id)
        .where(outbox.c.state.in_(states))
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
