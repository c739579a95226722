"""What became of a claimed row: each outcome finishes the row, moves its melding and is audited.

A worker records a whole batch of outcomes in one transaction (``record_all``: one commit for
many rows, so commits stop being the bottleneck); ``record_receipt`` and the other
``record_*`` functions record one outcome in its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from gateway.delivery.outbox.claiming import Claim
from gateway.delivery.outbox.levers import pause_route
from gateway.delivery.outbox.melding_moves import move_or_note_each
from gateway.delivery.outbox.rows import (
    Locked,
    NewRow,
    Request,
    insert_row,
    lock_meldingen,
    move_each,
    move_row,
    routes_in_doubt,
)
from gateway.domain.lifecycle import State
from gateway.domain.outbox_lifecycle import Operation, OutboxState
from gateway.domain.ports import Receipt
from gateway.store import audit
from gateway.store.engine import Store, utcnow
from gateway.store.meldingen import lock_status, move_if_allowed, note, set_status
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


def _entry(claim: Claim, action: str, actor: str, data: dict[str, Any]) -> audit.Entry:
    return audit.Entry(actor, action, data, school_id=claim.school_id, subject=claim.melding_id)


def _attempt_entry(claim: Claim, action: str, actor: str, error: str, **extra: str) -> audit.Entry:
    """An attempt of the claimed row that did not get through: the row, the attempt, the error."""
    return _entry(claim, action, actor,
                  {"outbox_id": claim.outbox_id, "attempt": claim.attempts, **extra, "error": error})


def _utc_naive(moment: datetime) -> datetime:
    """As the store keeps time: UTC without an offset (a receiver may answer in its own zone)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


# --- what can become of a claimed row --------------------------------------------------------
# Each outcome writes its row and melding through ``apply`` (the melding is locked already) and
# adds its audit entries to ``audits``; ``record_all`` appends them last, in one go (lock order).


@dataclass(frozen=True)
class Delivered:
    """The receiver acknowledged the delivery or withdrawal: row done, melding on."""

    claim: Claim
    receipt: Receipt

    @staticmethod
    def apply_all(done: Sequence[Delivered], locked: dict[str, Locked], actor: str) -> list[audit.Entry]:
        """Write many receipts at once (their meldingen locked): the rows in one statement, the
        meldingen in one per target status; returns their audit entries."""
        move_each(
            [(locked[d.claim.melding_id], d.claim.outbox_id) for d in done],
            (OutboxState.SENDING,),
            OutboxState.DONE,
            worker_id=None,
            lease_until=None,
            updated_at=utcnow(),
            last_error=None,
        )
        moves: dict[State, list[tuple[str, dict[str, Any]]]] = {State.ONTVANGEN: [], State.VERZONDEN: []}
        entries = []
        for d in done:
            claim, receipt = d.claim, d.receipt
            data = {
                "outbox_id": claim.outbox_id,
                "channel": receipt.channel,
                "message_id": receipt.message_id,
                "receiver_reference": receipt.receiver_reference,
                "attempt": claim.attempts,
            }
            if claim.operation is Operation.WITHDRAW:
                entries.append(_entry(claim, "melding.intrekking_verzonden", actor, data))
                continue
            values = {
                "receiver_reference": receipt.receiver_reference,
                "last_error": None,
                "receiver_status": receipt.status,
                # The receiving side's deadlines count from here (a fallback's later receipt moves it on).
                "delivered_at": _utc_naive(receipt.received_at),
            }
            # verzonden/onzeker -> ontvangen (onzeker passes verzonden: the status query found it there)
            moves[State.ONTVANGEN if receipt.receiver_reference else State.VERZONDEN].append(
                (claim.melding_id, values)
            )
            entries.append(_entry(claim, "melding.verzonden", actor, data))
        conn = next(iter(locked.values())).conn
        # A melding in neither source state was withdrawn meanwhile (or is mail without a receipt):
        # it keeps its status and notes what the receiver answered.
        move_or_note_each(conn, moves[State.ONTVANGEN], State.ONTVANGEN, (State.ONZEKER, State.VERZONDEN))
        move_or_note_each(conn, moves[State.VERZONDEN], State.VERZONDEN, (State.ONZEKER,))
        return entries


@dataclass(frozen=True)
class Retry:
    """A transient failure: the next attempt at ``next_at`` (an in-doubt row stays in doubt)."""

    claim: Claim
    error: str
    next_at: datetime

    def apply(self, locked: Locked, actor: str, audits: list[audit.Entry]) -> None:
        """Write the outcome in the locked melding's transaction; its audit entries to ``audits``."""
        claim, error = self.claim, self.error
        if claim.in_doubt:
            # the status query failed: it stays in doubt, so the next attempt asks again first
            _finish(locked, claim, OutboxState.IN_DOUBT, next_attempt_at=self.next_at, last_error=error)
        else:
            _finish(locked, claim, OutboxState.PENDING, next_attempt_at=self.next_at, last_error=error)
            if claim.operation is Operation.DELIVER:
                move_if_allowed(locked.conn, claim.melding_id, State.OPNIEUW, last_error=error)
        audits.append(_attempt_entry(claim, "outbox.opnieuw", actor, error,
                                     next_attempt_at=self.next_at.isoformat()))


@dataclass(frozen=True)
class Unanswered:
    """The request left but no answer came: ask the receiver's status at ``next_at``, before any resend."""

    claim: Claim
    error: str
    next_at: datetime

    def apply(self, locked: Locked, actor: str, audits: list[audit.Entry]) -> None:
        """Write the outcome in the locked melding's transaction; its audit entries to ``audits``."""
        claim, error = self.claim, self.error
        _finish(locked, claim, OutboxState.IN_DOUBT, next_attempt_at=self.next_at, last_error=error,
                was_in_doubt=True)
        if claim.operation is Operation.DELIVER:
            move_if_allowed(locked.conn, claim.melding_id, State.ONZEKER, last_error=error)
        audits.append(_attempt_entry(claim, "outbox.onzeker", actor, error))


@dataclass(frozen=True)
class Dead:
    """A permanent failure: the row becomes a dead letter with the receiver's reason.

    ``maybe_received``: this last attempt was in doubt, so the receiver may hold the melding (kept
    on the row as ``was_in_doubt``: a later withdrawal must then be sent). ``apply`` returns True
    the first time (so the caller alerts once per melding).
    """

    claim: Claim
    error: str
    maybe_received: bool = False

    def apply(self, locked: Locked, actor: str, audits: list[audit.Entry]) -> bool:
        """Write the outcome in the locked melding's transaction; its audit entries to ``audits``."""
        claim, error, conn = self.claim, self.error, locked.conn
        extra = {"was_in_doubt": True} if self.maybe_received else {}
        alerted = bool(conn.scalar(sa.select(outbox.c.alerted).where(outbox.c.id == claim.outbox_id)))
        _finish(locked, claim, OutboxState.DEAD, last_error=error, alerted=True, **extra)
        if claim.operation is Operation.DELIVER:
            if lock_status(conn, claim.melding_id) is State.ONZEKER:
                set_status(conn, claim.melding_id, State.VERZONDEN)
            move_if_allowed(conn, claim.melding_id, State.ONBESTELBAAR, last_error=error)
        audits.append(_attempt_entry(claim, "outbox.onbestelbaar", actor, error))
        return not alerted


@dataclass(frozen=True)
class Fallback:
    """DUO stays unreachable close to the due date: re-route the melding to mail, exactly once.

    The DUO row is cancelled (it is never tried again), a mail row is queued that points to it,
    the melding's route becomes ``mail`` and ``melding.fallback`` is audited (with whether DUO may
    already hold it, for reconciliation). ``apply`` returns the new row's id.
    """

    claim: Claim
    error: str
    detail: str

    def apply(self, locked: Locked, actor: str, audits: list[audit.Entry]) -> int:
        """Write the outcome in the locked melding's transaction; its audit entries to ``audits``."""
        claim, error, conn = self.claim, self.error, locked.conn
        _finish(locked, claim, OutboxState.CANCELLED, last_error=f"{error}; terugval naar {FALLBACK_ROUTE}")
        new_id = insert_row(
            locked,
            NewRow(
                school_id=claim.school_id,
                route=FALLBACK_ROUTE,
                operation=claim.operation,
                parent_id=claim.outbox_id,
                request=Request(actor, f"terugval van {claim.route}: {self.detail}"),
            ),
        )
        note(conn, claim.melding_id, route=FALLBACK_ROUTE)
        move_if_allowed(
            conn, claim.melding_id, State.OPNIEUW, last_error=f"{claim.route} onbereikbaar: {error}"
        )
        audits.append(_entry(claim, "melding.fallback", actor, {
            "van": claim.route,
            "naar": FALLBACK_ROUTE,
            "outbox_id": claim.outbox_id,
            "nieuwe_outbox_id": new_id,
            "reden": self.detail,
            "error": error,
            "mogelijk_al_ontvangen": claim.in_doubt or bool(routes_in_doubt(conn, claim.melding_id)),
        }))
        return new_id


def _put_back(locked: Locked, claim: Claim, error: str, next_at: datetime) -> str | None:
    """Return a claimed row to the queue without counting the attempt; the previous error comes back."""
    conn = locked.conn
    previous = conn.scalar(sa.select(outbox.c.last_error).where(outbox.c.id == claim.outbox_id))
    state = OutboxState.IN_DOUBT if claim.in_doubt else OutboxState.PENDING
    _finish(locked, claim, state, next_attempt_at=next_at, last_error=error, attempts=claim.attempts - 1)
    if claim.operation is Operation.DELIVER and not claim.in_doubt:
        move_if_allowed(conn, claim.melding_id, State.OPNIEUW, last_error=error)
    return str(previous) if previous is not None else None


@dataclass(frozen=True)
class HeldBack:
    """No recipient can be found (RoutingError): keep the melding in the outbox, visible, checked
    again at ``next_at``. Audited when the problem is new; ``apply`` returns True then (alert once)."""

    claim: Claim
    error: str
    next_at: datetime

    def apply(self, locked: Locked, actor: str, audits: list[audit.Entry]) -> bool:
        """Write the outcome in the locked melding's transaction; its audit entries to ``audits``."""
        claim = self.claim
        if _put_back(locked, claim, self.error, self.next_at) == self.error:
            return False
        audits.append(_entry(claim, "outbox.niet_te_routeren", actor,
                             {"outbox_id": claim.outbox_id, "route": claim.route, "error": self.error}))
        return True


@dataclass(frozen=True)
class Misconfigured:
    """The route's channel is misconfigured (unknown adapter, bad settings): nothing was sent, so the
    row goes back unchanged and the school's route is paused with the reason (audited) until an
    operator fixes the configuration and resumes. ``apply`` returns True when the pause is new."""

    claim: Claim
    error: str

    def apply(self, locked: Locked, actor: str, audits: list[audit.Entry]) -> bool:
        """Write the outcome in the locked melding's transaction (``pause_route`` audits itself)."""
        claim = self.claim
        _put_back(locked, claim, self.error, utcnow())
        request = Request(actor, f"kanaal verkeerd ingesteld: {self.error}")
        return pause_route(locked.conn, claim.school_id, claim.route, request, melding=claim.melding_id)


Record = Delivered | Retry | Unanswered | Dead | Fallback | HeldBack | Misconfigured


def record_all(store: Store, records: Sequence[Record], actor: str) -> list[Any]:
    """Record several claimed rows' outcomes in one transaction (one commit: group commit); returns
    each outcome's result, in order (None for those that have none).

    Lock order holds for the whole batch: every melding is locked first (in id order, so two
    batches never wait for each other in a circle), then rows and meldingen are written, and the
    audit entries are appended last. A pause (``Misconfigured``) audits itself, so those go last.
    """
    if not records:
        return []
    results: list[Any] = [None] * len(records)
    with store.write() as conn:
        locked = lock_meldingen(conn, [r.claim.melding_id for r in records])
        delivered = [r for r in records if isinstance(r, Delivered)]
        audits = Delivered.apply_all(delivered, locked, actor) if delivered else []
        for i, record in enumerate(records):
            if isinstance(record, Retry | Unanswered | Dead | Fallback | HeldBack):
                results[i] = record.apply(locked[record.claim.melding_id], actor, audits)
        audit.append_many(conn, audits)
        for i, record in enumerate(records):
            if isinstance(record, Misconfigured):
                results[i] = record.apply(locked[record.claim.melding_id], actor, [])
    return results


# --- one outcome per transaction (the same outcomes, for callers with a single row) -----------


def record_receipt(store: Store, claim: Claim, receipt: Receipt, actor: str) -> None:
    """The receiver acknowledged the delivery or withdrawal: row done, melding on, audited."""
    record_all(store, [Delivered(claim, receipt)], actor)


def record_transient(store: Store, claim: Claim, error: str, next_at: datetime, actor: str) -> None:
    """A transient failure: the next attempt at ``next_at`` (an in-doubt row stays in doubt)."""
    record_all(store, [Retry(claim, error, next_at)], actor)


def record_in_doubt(store: Store, claim: Claim, error: str, next_at: datetime, actor: str) -> None:
    """The request left but no answer came: ask the receiver's status at ``next_at``, before any resend."""
    record_all(store, [Unanswered(claim, error, next_at)], actor)


def record_dead(store: Store, claim: Claim, error: str, actor: str, *, maybe_received: bool = False) -> bool:
    """A permanent failure: the row becomes a dead letter (see ``Dead``); True the first time."""
    return bool(record_all(store, [Dead(claim, error, maybe_received)], actor)[0])


def record_fallback(store: Store, claim: Claim, error: str, detail: str, actor: str) -> int:
    """Re-route the melding to mail, exactly once (see ``Fallback``); returns the new row's id."""
    return int(record_all(store, [Fallback(claim, error, detail)], actor)[0])


def record_held_back(store: Store, claim: Claim, error: str, next_at: datetime, actor: str) -> bool:
    """Keep an unroutable melding in the outbox (see ``HeldBack``); True when the problem is new."""
    return bool(record_all(store, [HeldBack(claim, error, next_at)], actor)[0])


def pause_misconfigured(store: Store, claim: Claim, error: str, actor: str) -> bool:
    """Put the row back and pause the school's route (see ``Misconfigured``); True when the pause is new."""
    return bool(record_all(store, [Misconfigured(claim, error)], actor)[0])


def may_be_held(store: Store, claim: Claim) -> bool:
    """Whether the receiver may already hold the claim's melding: this row is in doubt, or an earlier
    delivery attempt was (a dead letter after in-doubt attempts, replayed since)."""
    if claim.in_doubt:
        return True
    with store.read() as conn:
        return bool(routes_in_doubt(conn, claim.melding_id))
