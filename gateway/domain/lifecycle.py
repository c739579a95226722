"""The melding state machine (issue 3): explicit states and the transitions allowed between them."""

from __future__ import annotations

from enum import StrEnum

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
    S.INTERN: frozenset({S.INGETROKKEN}),
}

# States in which the receiver may hold the melding: withdrawing then needs a withdrawal message.
# Not ``onbestelbaar`` as such: a dead letter after in-doubt attempts may have arrived too, but only
# the outbox knows that (``outbox.was_in_doubt``), so ``pipeline.withdraw`` asks it as well.
POSSIBLY_DELIVERED = frozenset({S.VERZONDEN, S.ONZEKER, S.ONTVANGEN} | _FEEDBACK)
# Receiver status words (DUO, DSP) to states.
FEEDBACK_STATES = {
    "geregistreerd": S.ONTVANGEN,
    "gestart bij mbo": S.AFGESLOTEN,  # DSP no-show outcomes
    "gestart elders": S.AFGESLOTEN,
    "niet gestart - in begeleiding": S.IN_BEHANDELING,
    "in_behandeling": S.IN_BEHANDELING,
    "in behandeling": S.IN_BEHANDELING,
    "afgesloten": S.AFGESLOTEN,
    "ter_kennisgeving": S.TER_KENNISGEVING,
    "ter kennisgeving aangenomen": S.TER_KENNISGEVING,
    "overgedragen aan derden": S.IN_BEHANDELING,  # legacy DUO value, read without failing
}


def check_transition(current: State | str, target: State | str) -> State:
    """Return ``target`` as a State when the move is allowed; raise ``IllegalTransition`` if not."""
    src, dst = State(current), State(target)
    if dst not in TRANSITIONS[src]:
        raise IllegalTransition(f"melding kan niet van '{src}' naar '{dst}'")
    return dst


def allowed_from(target: State) -> tuple[str, ...]:
    """The states a melding may move to ``target`` from (for guarded bulk updates in SQL)."""
    return tuple(sorted(src.value for src, targets in TRANSITIONS.items() if target in targets))
