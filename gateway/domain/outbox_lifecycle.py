"""The outbox row state machine: explicit states and the moves allowed between them.

The melding's own states are in ``gateway.domain.lifecycle``; an outbox row is one chain of
attempts to deliver (or withdraw) a melding by one route. ``gateway.delivery.outbox`` is the only
writer of rows and checks every move against ``TRANSITIONS``.
"""

from __future__ import annotations

from enum import StrEnum

from gateway.domain.errors import IllegalTransition


class OutboxState(StrEnum):
    """Where an outbox row is; the values are stored and shown as they are."""

    HELD = "held"  # the melding waits for approval: not due yet
    PENDING = "pending"  # due at ``next_attempt_at``
    SENDING = "sending"  # claimed by a worker (with a lease)
    IN_DOUBT = "in_doubt"  # a request went unanswered: ask the receiver's status before sending again
    DONE = "done"  # the receiver acknowledged it
    DEAD = "dead"  # dead letter: a person decides (replay makes a new row)
    CANCELLED = "cancelled"  # withdrawn before it went, or replaced by a fallback row


class Operation(StrEnum):
    """What a row asks of the receiver."""

    DELIVER = "deliver"
    WITHDRAW = "withdraw"


_O = OutboxState  # short name for the tables below
TRANSITIONS: dict[OutboxState, frozenset[OutboxState]] = {
    _O.HELD: frozenset({_O.PENDING, _O.CANCELLED}),
    _O.PENDING: frozenset({_O.SENDING, _O.CANCELLED}),
    _O.SENDING: frozenset({_O.PENDING, _O.IN_DOUBT, _O.DONE, _O.DEAD, _O.CANCELLED}),
    _O.IN_DOUBT: frozenset({_O.SENDING, _O.CANCELLED}),
    _O.DONE: frozenset(),
    _O.DEAD: frozenset(),
    _O.CANCELLED: frozenset(),
}
# A new row starts held (its melding awaits approval) or pending.
INITIAL = frozenset({_O.HELD, _O.PENDING})
# Not finished: a worker or a person still has to act on these.
ACTIVE = (_O.HELD, _O.PENDING, _O.SENDING, _O.IN_DOUBT)
# What a worker may claim (when ``next_attempt_at`` has come and the route is not paused).
DUE = (_O.PENDING, _O.IN_DOUBT)
# A delivery that may be on its way to the receiver right now (a withdrawal waits for it).
IN_FLIGHT = (_O.SENDING, _O.IN_DOUBT)


def check_transition(current: OutboxState | str, target: OutboxState | str) -> OutboxState:
    """Return ``target`` as an OutboxState when the move is allowed; raise ``IllegalTransition`` if not."""
    src, dst = OutboxState(current), OutboxState(target)
    if dst not in TRANSITIONS[src]:
        raise IllegalTransition(f"verzending kan niet van '{src}' naar '{dst}'")
    return dst


def allowed_from(target: OutboxState) -> frozenset[OutboxState]:
    """The states a row may move to ``target`` from (for guarded bulk updates in SQL)."""
    return frozenset(src for src, targets in TRANSITIONS.items() if target in targets)
