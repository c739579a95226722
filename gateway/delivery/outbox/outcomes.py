"""What became of a claimed row: each outcome finishes the row, moves its melding and is audited,
in one transaction that locks the melding first (``_finish``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from gateway.delivery.outbox.claiming import Claim
from gateway.delivery.outbox.levers import pause_route
from gateway.delivery.outbox.rows import (
    Locked,
    NewRow,
    Request,
    insert_row,
    lock_melding,
    move_row,
    routes_in_doubt,
)
from gateway.domain.lifecycle import State
from gateway.domain.outbox_lifecycle import Operation, OutboxState
from gateway.domain.ports import Receipt
from gateway.store import audit
from gateway.store.engine import Store, utcnow
from gateway.store.meldingen import guarded_move, lock_status, move_if_allowed, note, set_status
from gateway.store.schema import outbox

FALLBACK_ROUTE = "mail"


def _finish(locked: Locked, claim: Claim, target: OutboxState, **values: Any) -> None:
    """The claimed (``sending``) row leaves the worker's hands in state ``target``."""
    move_row(
        locked,
        claim.outbox_id,
        OutboxState.SENDING,
        target,
        worker_id=None,
        lease_until=None,
        updated_at=utcnow(),
        **values,
    )


def _audit(conn: sa.Connection, claim: Claim, action: str, actor: str, data: dict[str, Any]) -> None:
    audit.append(
        conn, actor=actor, action=action, school_id=claim.school_id, subject=claim.melding_id, data=data
    )


def _audit_attempt(conn: sa.Connection, claim: Claim, action: str, actor: str, error: str,
                   **extra: str) -> None:
    """Audit an attempt of the claimed row that did not get through: the row, the attempt, the error."""
    _audit(conn, claim, action, actor,
           {"outbox_id": claim.outbox_id, "attempt": claim.attempts, **extra, "error": error})


def _utc_naive(moment: datetime) -> datetime:
    """As the store keeps time: UTC without an offset (a receiver may answer in its own zone)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def record_receipt(store: Store, claim: Claim, receipt: Receipt, actor: str) -> None:
    """The receiver acknowledged the delivery or withdrawal: row done, melding on, audited."""
    with store.write() as conn:
        _finish(lock_melding(conn, claim.melding_id), claim, OutboxState.DONE, last_error=None)
        data = {
            "outbox_id": claim.outbox_id,
            "channel": receipt.channel,
            "message_id": receipt.message_id,
            "receiver_reference": receipt.receiver_reference,
            "attempt": claim.attempts,
        }
        if claim.operation is Operation.WITHDRAW:
            _audit(conn, claim, "melding.intrekking_verzonden", actor, data)
            return
        values = {
            "receiver_reference": receipt.receiver_reference,
            "last_error": None,
            "receiver_status": receipt.status,
            # The receiving side's deadlines count from here (a fallback's later receipt moves it on).
            "delivered_at": _utc_naive(receipt.received_at),
        }
        # verzonden/onzeker -> ontvangen (onzeker passes verzonden: the status query found it there)
        target = State.ONTVANGEN if receipt.receiver_reference else State.VERZONDEN
        sources = (State.ONZEKER, State.VERZONDEN) if target is State.ONTVANGEN else (State.ONZEKER,)
        if not guarded_move(conn, claim.melding_id, target, sources, **values):
            note(conn, claim.melding_id, **values)  # withdrawn meanwhile (or mail without receipt)
        _audit(conn, claim, "melding.verzonden", actor, data)


def record_transient(store: Store, claim: Claim, error: str, next_at: datetime, actor: str) -> None:
    """A transient failure: the next attempt at ``next_at`` (an in-doubt row stays in doubt)."""
    with store.write() as conn:
        locked = lock_melding(conn, claim.melding_id)
        if claim.in_doubt:
            # the status query failed: it stays in doubt, so the next attempt asks again first
            _finish(locked, claim, OutboxState.IN_DOUBT, next_attempt_at=next_at, last_error=error)
        else:
            _finish(locked, claim, OutboxState.PENDING, next_attempt_at=next_at, last_error=error)
            if claim.operation is Operation.DELIVER:
                move_if_allowed(conn, claim.melding_id, State.OPNIEUW, last_error=error)
        _audit_attempt(conn, claim, "outbox.opnieuw", actor, error, next_attempt_at=next_at.isoformat())


def record_in_doubt(store: Store, claim: Claim, error: str, next_at: datetime, actor: str) -> None:
    """The request left but no answer came: ask the receiver's status at ``next_at``, before any resend."""
    with store.write() as conn:
        locked = lock_melding(conn, claim.melding_id)
        _finish(
            locked, claim, OutboxState.IN_DOUBT, next_attempt_at=next_at, last_error=error, was_in_doubt=True
        )
        if claim.operation is Operation.DELIVER:
            move_if_allowed(conn, claim.melding_id, State.ONZEKER, last_error=error)
        _audit_attempt(conn, claim, "outbox.onzeker", actor, error)


def record_dead(store: Store, claim: Claim, error: str, actor: str, *, maybe_received: bool = False) -> bool:
    """A permanent failure: the row becomes a dead letter with the receiver's reason.

    ``maybe_received``: this last attempt was in doubt, so the receiver may hold the melding (kept
    on the row as ``was_in_doubt``: a later withdrawal must then be sent). Returns True the first
    time (so the caller alerts once per melding).
    """
    extra = {"was_in_doubt": True} if maybe_received else {}
    with store.write() as conn:
        locked = lock_melding(conn, claim.melding_id)
        alerted = bool(conn.scalar(sa.select(outbox.c.alerted).where(outbox.c.id == claim.outbox_id)))
        _finish(locked, claim, OutboxState.DEAD, last_error=error, alerted=True, **extra)
        if claim.operation is Operation.DELIVER:
            if lock_status(conn, claim.melding_id) is State.ONZEKER:
                set_status(conn, claim.melding_id, State.VERZONDEN)
            move_if_allowed(conn, claim.melding_id, State.ONBESTELBAAR, last_error=error)
        _audit_attempt(conn, claim, "outbox.onbestelbaar", actor, error)
    return not alerted


def record_fallback(store: Store, claim: Claim, error: str, detail: str, actor: str) -> int:
    """DUO stays unreachable close to the due date: re-route the melding to mail, exactly once.

    In one transaction the DUO row is cancelled (it is never tried again), a mail row is queued
    that points to it, the melding's route becomes ``mail`` and ``melding.fallback`` is audited
    (with whether DUO may already hold it, for reconciliation). Returns the new row's id.
    """
    with store.write() as conn:
        locked = lock_melding(conn, claim.melding_id)
        _finish(locked, claim, OutboxState.CANCELLED, last_error=f"{error}; terugval naar {FALLBACK_ROUTE}")
        new_id = insert_row(
            locked,
            NewRow(
                school_id=claim.school_id,
                route=FALLBACK_ROUTE,
                operation=claim.operation,
                parent_id=claim.outbox_id,
                request=Request(actor, f"terugval van {claim.route}: {detail}"),
            ),
        )
        note(conn, claim.melding_id, route=FALLBACK_ROUTE)
        move_if_allowed(
            conn, claim.melding_id, State.OPNIEUW, last_error=f"{claim.route} onbereikbaar: {error}"
        )
        _audit(
            conn,
            claim,
            "melding.fallback",
            actor,
            {
                "van": claim.route,
                "naar": FALLBACK_ROUTE,
                "outbox_id": claim.outbox_id,
                "nieuwe_outbox_id": new_id,
                "reden": detail,
                "error": error,
                "mogelijk_al_ontvangen": claim.in_doubt or bool(routes_in_doubt(conn, claim.melding_id)),
            },
        )
    return new_id


def may_be_held(store: Store, claim: Claim) -> bool:
    """Whether the receiver may already hold the claim's melding: this row is in doubt, or an earlier
    delivery attempt was (a dead letter after in-doubt attempts, replayed since)."""
    if claim.in_doubt:
        return True
    with store.read() as conn:
        return bool(routes_in_doubt(conn, claim.melding_id))


def _put_back(locked: Locked, claim: Claim, error: str, next_at: datetime) -> str | None:
    """Return a claimed row to the queue without counting the attempt; the previous error comes back."""
    conn = locked.conn
    previous = conn.scalar(sa.select(outbox.c.last_error).where(outbox.c.id == claim.outbox_id))
    state = OutboxState.IN_DOUBT if claim.in_doubt else OutboxState.PENDING
    _finish(locked, claim, state, next_attempt_at=next_at, last_error=error, attempts=claim.attempts - 1)
    if claim.operation is Operation.DELIVER and not claim.in_doubt:
        move_if_allowed(conn, claim.melding_id, State.OPNIEUW, last_error=error)
    return str(previous) if previous is not None else None


def record_held_back(store: Store, claim: Claim, error: str, next_at: datetime, actor: str) -> bool:
    """No recipient can be found (RoutingError): keep the melding in the outbox, visible, checked
    again at ``next_at``. Audited when the problem is new; returns True then (alert once)."""
    with store.write() as conn:
        previous = _put_back(lock_melding(conn, claim.melding_id), claim, error, next_at)
        if previous == error:
            return False
        _audit(
            conn,
            claim,
            "outbox.niet_te_routeren",
            actor,
            {"outbox_id": claim.outbox_id, "route": claim.route, "error": error},
        )
    return True


def pause_misconfigured(store: Store, claim: Claim, error: str, actor: str) -> bool:
    """The route's channel is misconfigured (unknown adapter, bad settings): nothing was sent, so the
    row goes back unchanged and the school's route is paused with the reason (audited) until an
    operator fixes the configuration and resumes. Returns True when the pause is new."""
    with store.write() as conn:
        _put_back(lock_melding(conn, claim.melding_id), claim, error, utcnow())
        request = Request(actor, f"kanaal verkeerd ingesteld: {error}")
        return pause_route(conn, claim.school_id, claim.route, request, melding=claim.melding_id)
