"""Withdraw, approve and record a receiver's feedback on a melding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from gateway.config.school import load_school
from gateway.delivery import outbox
from gateway.domain.errors import GatewayError, InvalidInput
from gateway.domain.lifecycle import FEEDBACK_STATES, State
from gateway.domain.receiver_status import (
    AFGESLOTEN,
    ALL_STATUSES,
    GEREGISTREERD,
    GESTART_BIJ_MBO,
    GESTART_ELDERS,
    REDENEN_AFGESLOTEN,
    STARTED_OUTCOMES,
    TOELICHTINGEN_AFSLUITING,
    ReceiverOutcome,
    normalise,
)
from gateway.domain.soort_verzuim import NO_SHOW_MELDINGEN
from gateway.pipeline.gate import GateContext, approve_melding, settle_queue
from gateway.store import audit
from gateway.store.engine import Store, utcnow
from gateway.store.meldingen import lock_status, note, set_status
from gateway.store.schema import meldingen


def withdraw(conn: sa.Connection, melding_id: str, actor: str, reason: str) -> bool:
    """Withdraw a melding; queue a withdrawal when the receiver may hold it (returns whether it did).

    The melding is locked first (``set_status``), then ``outbox.withdraw_deliveries`` changes its
    outbox rows, and the audit entry comes last: the lock order of ``gateway.delivery.outbox``.
    """
    previous = set_status(conn, melding_id, State.INGETROKKEN)
    routes = outbox.withdraw_deliveries(conn, melding_id, previous, outbox.Request(actor, reason))
    audit.append(
        conn,
        actor=actor,
        action="melding.ingetrokken",
        school_id=conn.scalar(sa.select(meldingen.c.school_id).where(meldingen.c.id == melding_id)),
        subject=melding_id,
        data={
            "vorige_status": previous.value,
            "intrekking_verstuurd": bool(routes),
            "routes": routes,
            "reden": reason,
        },
    )
    return bool(routes)


# --- review and feedback ----------------------------------------------------------------------


def approve(store: Store, school_id: str, melding_id: str, actor: str) -> None:
    """Approve a concept melding: its content is frozen, it becomes ``klaar`` and its outbox row is
    released. ``IncompleteMelding`` names what a person must still fill in."""
    with store.write() as conn:
        owner = conn.scalar(sa.select(meldingen.c.school_id).where(meldingen.c.id == melding_id))
        if owner != school_id:
            raise GatewayError(f"melding {melding_id} bestaat niet bij school {school_id}")
        approve_melding(conn, store.cipher, GateContext(load_school(conn, school_id)), melding_id, actor)


def record_feedback(  # noqa: PLR0913  the contract's signature (issue 17): callers pass these by name
    store: Store,
    message_id: str,
    status: str,
    actor: str,
    detail: str | None = None,
    *,
    outcome: ReceiverOutcome | None = None,
    claim: Callable[[sa.Connection], bool] | None = None,
) -> State:
    """Apply a receiver's status or outcome (DUO, gemeente, DSP) to a melding; returns its state.

    ``status`` may be written in any spelling ``normalise`` knows (``InvalidInput`` otherwise, naming
    the accepted values); ``outcome`` adds the Besluit's codes, the start date and the contact.
    ``claim`` runs first in the same transaction, with the melding locked: when it returns False the
    same report was kept before, and nothing is changed or audited again.
    """
    label = canonical_status(status)
    if outcome is not None:
        check_outcome(label, outcome)
    with store.write() as conn:
        try:
            current = lock_status(conn, message_id)
        except KeyError as exc:
            raise GatewayError(f"onbekende melding {message_id}") from exc
        if claim is not None and not claim(conn):
            return current
        target = _move(conn, message_id, current, FEEDBACK_STATES[label], receiver_status=label)
        if label != GEREGISTREERD:  # the receiver's first word after the receipt starts its clock
            conn.execute(meldingen.update().where(meldingen.c.id == message_id,
                                                  meldingen.c.first_feedback_at.is_(None))
                         .values(first_feedback_at=utcnow()))
        _outcome_may_free(conn, store, message_id, actor)
        audit.append(conn, actor=actor, action="terugkoppeling",
                     school_id=conn.scalar(sa.select(meldingen.c.school_id)
                                           .where(meldingen.c.id == message_id)),
                     subject=message_id, data=_audit_data(label, outcome, detail))
        return target


def canonical_status(status: str) -> str:
    """The canonical label of a receiver's status; ``InvalidInput`` naming the accepted values."""
    label = normalise(status)
    if label is None:
        accepted = ", ".join(f"'{s}'" for s in ALL_STATUSES)
        raise InvalidInput(f"onbekende status '{status[:64]}' van de ontvanger; bekend zijn {accepted} "
                           "(hoofdletters, spaties en streepjes – of - maken niet uit)")
    return label


def outcome_errors(label: str, outcome: ReceiverOutcome) -> list[tuple[str, str]]:
    """What does not fit in a receiver's outcome with status ``label``: (field, Dutch reason) pairs.

    The Besluit's reason and toelichting are codes and belong to ``Afgesloten``; a start date
    belongs to the two "gestart" outcomes (seed 000).
    """
    errors: list[tuple[str, str]] = []
    for field, code, table in (("reden", outcome.reden, REDENEN_AFGESLOTEN),
                               ("toelichting_afsluiting", outcome.toelichting_afsluiting,
                                TOELICHTINGEN_AFSLUITING)):
        if code is None:
            continue
        if code not in table:
            errors.append((field, f"onbekende code '{code[:64]}'; kies uit {', '.join(table)}"))
        elif label != AFGESLOTEN:
            errors.append((field, f"hoort alleen bij status '{AFGESLOTEN}', niet bij '{label}'"))
    if outcome.started_on is not None and label not in STARTED_OUTCOMES:
        errors.append(("started_on", "een startdatum hoort alleen bij "
                                     f"'{GESTART_BIJ_MBO}' of '{GESTART_ELDERS}', niet bij '{label}'"))
    return errors


def check_outcome(label: str, outcome: ReceiverOutcome) -> None:
    """Raise ``InvalidInput`` when the outcome does not fit its status (see ``outcome_errors``)."""
    if normalise(outcome.status) != label:
        raise InvalidInput(f"status '{label}' en de status van de uitkomst '{outcome.status}' verschillen")
    if errors := outcome_errors(label, outcome):
        raise InvalidInput("; ".join(f"{field}: {reason}" for field, reason in errors))


_PAST_RECEIPT = frozenset({State.IN_BEHANDELING, State.TER_KENNISGEVING, State.AFGESLOTEN})


def _move(conn: sa.Connection, message_id: str, current: State, target: State, **values: str) -> State:
    """Move the melding towards ``target`` through the states the receipt implies (an in-doubt or
    sent melding was evidently received); the same state again only records ``values``."""
    if target is State.ONTVANGEN and current in _PAST_RECEIPT:
        return current  # a late receipt after a later status: the later status stands
    if target is current:
        note(conn, message_id, **values)
        return current
    if current is State.ONZEKER:
        set_status(conn, message_id, State.VERZONDEN)
        current = State.VERZONDEN
    if current is State.VERZONDEN and target is not State.ONTVANGEN:
        set_status(conn, message_id, State.ONTVANGEN)
    set_status(conn, message_id, target, **values)
    return target


def _audit_data(label: str, outcome: ReceiverOutcome | None, detail: str | None) -> dict[str, Any]:
    """The audit entry's data: the status and the codes; never the free toelichting or the contact."""
    data: dict[str, Any] = {"status": label, "detail": detail}
    if outcome is not None:
        data |= {"reden": outcome.reden, "toelichting_afsluiting": outcome.toelichting_afsluiting,
                 "started_on": outcome.started_on.isoformat() if outcome.started_on else None}
    return data


def _outcome_may_free(conn: sa.Connection, store: Store, melding_id: str, actor: str) -> None:
    """A no-show's outcome may free the student's held uitschrijving: settle their review queue."""
    row = conn.execute(sa.select(meldingen.c.school_id, meldingen.c.student_id, meldingen.c.rule)
                       .where(meldingen.c.id == melding_id)).one()
    if row.rule in NO_SHOW_MELDINGEN:
        gate = GateContext(load_school(conn, row.school_id))
        settle_queue(conn, store.cipher, gate, actor, [row.student_id])
