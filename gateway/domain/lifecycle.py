"""The melding state machine (issue 3): explicit states and the transitions allowed between them."""

from __future__ import annotations

from enum import StrEnum

from gateway.domain import receiver_status as rs
from gateway.domain.errors import IllegalTransition


class State(StrEnum):
    """Where a melding is in its life; the values are stored and shown as they are."""

    CONCEPT = "concept"  # waits for approval (the school asks for review)
    KLAAR = "klaar"  # approved or automatic: waits in the outbox
    VERZONDEN = "verzonden"  # handed to the channel (request left, or on its way)
    ONTVANGEN = "ontvangen"  # receipt from the receiver (meldingsnummer)
    IN_BEHANDELING = "in_behandeling"
    AFGESLOTEN = "afgesloten"
    TER_KENNISGEVING = "ter_kennisgeving"
    OPNIEUW = "opnieuw"  # a transient failure; a retry is scheduled
    ONZEKER = "onzeker"  # in doubt: ask the receiver's status before sending again
    ONBESTELBAAR = "onbestelbaar"  # dead letter, with the receiver's reason
    INGETROKKEN = "ingetrokken"  # withdrawn (a correction removed its signal)
    INTERN = "intern"  # a signaal or taak for the school itself: nothing is sent


# Each state as words for people (console, reports).
STATE_NAMES: dict[State, str] = {
    State.CONCEPT: "te beoordelen",
    State.KLAAR: "klaar om te verzenden",
    State.VERZONDEN: "verzonden",
    State.ONTVANGEN: "ontvangen",
    State.IN_BEHANDELING: "in behandeling",
    State.AFGESLOTEN: "afgesloten",
    State.TER_KENNISGEVING: "ter kennisgeving",
    State.OPNIEUW: "wordt opnieuw verzonden",
    State.ONZEKER: "onzeker, status wordt nagevraagd",
    State.ONBESTELBAAR: "onbestelbaar",
    State.INGETROKKEN: "ingetrokken",
    State.INTERN: "intern, niet verzonden",
}
# What waits for a person of the school: review, a dead letter; and a ``taak`` still ``intern``
# (an open task of the school itself; an intern signaal stays ``intern`` and waits for nobody).
NEEDS_ACTION: frozenset[State] = frozenset({State.CONCEPT, State.ONBESTELBAAR})
OPEN_TASK_STATE: State = State.INTERN

S = State
_FEEDBACK = {S.IN_BEHANDELING, S.AFGESLOTEN, S.TER_KENNISGEVING}
TRANSITIONS: dict[State, frozenset[State]] = {
    S.CONCEPT: frozenset({S.KLAAR, S.INGETROKKEN}),
    S.KLAAR: frozenset({S.VERZONDEN, S.INGETROKKEN}),
    S.VERZONDEN: frozenset({S.ONTVANGEN, S.OPNIEUW, S.ONZEKER, S.ONBESTELBAAR, S.INGETROKKEN}),
    S.OPNIEUW: frozenset({S.VERZONDEN, S.ONBESTELBAAR, S.INGETROKKEN}),
    S.ONZEKER: frozenset({S.ONTVANGEN, S.VERZONDEN, S.OPNIEUW, S.ONBESTELBAAR, S.INGETROKKEN}),
    S.ONBESTELBAAR: frozenset({S.KLAAR, S.INGETROKKEN}),
    S.ONTVANGEN: frozenset(_FEEDBACK | {S.INGETROKKEN}),
    S.IN_BEHANDELING: frozenset({S.AFGESLOTEN, S.TER_KENNISGEVING, S.INGETROKKEN}),
    S.TER_KENNISGEVING: frozenset({S.AFGESLOTEN, S.INGETROKKEN}),
    S.AFGESLOTEN: frozenset({S.INGETROKKEN}),
    S.INGETROKKEN: frozenset(),
    # A school's own task (a no-show contact task) is closed when it is done.
    S.INTERN: frozenset({S.AFGESLOTEN, S.INGETROKKEN}),
}

# States in which the receiver may hold the melding: withdrawing then needs a withdrawal message.
# Not ``onbestelbaar`` as such: a dead letter after in-doubt attempts may have arrived too, but only
# the outbox knows that (``outbox.was_in_doubt``), so ``pipeline.withdraw`` asks it as well.
POSSIBLY_DELIVERED = frozenset({S.VERZONDEN, S.ONZEKER, S.ONTVANGEN} | _FEEDBACK)
# A receiver's status or outcome (canonical label of ``receiver_status``, or an old value) to the
# state it moves the melding to: "Geregistreerd" is DUO's receipt; a DSP's "Niet gestart – in
# begeleiding" keeps the melding in hand; "Uit beeld" closes it like the two "gestart" outcomes.
FEEDBACK_STATES: dict[str, State] = {
    rs.GEREGISTREERD: S.ONTVANGEN,
    rs.IN_BEHANDELING: S.IN_BEHANDELING,
    rs.AFGESLOTEN: S.AFGESLOTEN,
    rs.TER_KENNISNEMING: S.TER_KENNISGEVING,
    rs.GESTART_BIJ_MBO: S.AFGESLOTEN,
    rs.GESTART_ELDERS: S.AFGESLOTEN,
    rs.NIET_GESTART: S.IN_BEHANDELING,
    rs.UIT_BEELD: S.AFGESLOTEN,
}
# Old values (e.g. DUO's abolished "Overgedragen aan derden") read as the label they stand for.
FEEDBACK_STATES |= {old: FEEDBACK_STATES[new] for old, new in rs.LEGACY.items()}


def feedback_state(text: str) -> State | None:
    """The state a receiver's status or outcome moves a melding to, in any spelling; None if unknown."""
    label = rs.normalise(text)
    return FEEDBACK_STATES[label] if label is not None else None


def check_transition(current: State | str, target: State | str) -> State:
    """Return ``target`` as a State when the move is allowed; raise ``IllegalTransition`` if not."""
    src, dst = State(current), State(target)
    if dst not in TRANSITIONS[src]:
        raise IllegalTransition(f"melding kan niet van '{src}' naar '{dst}'")
    return dst


def allowed_from(target: State) -> tuple[str, ...]:
    """The states a melding may move to ``target`` from (for guarded bulk updates in SQL)."""
    return tuple(sorted(src.value for src, targets in TRANSITIONS.items() if target in targets))
