"""Withdraw, approve and record a receiver's feedback on a melding."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.config.school import load_school
from gateway.delivery import outbox
from gateway.domain.errors import GatewayError
from gateway.domain.lifecycle import FEEDBACK_STATES, State
from gateway.pipeline.gate import GateContext, approve_melding, settle_queue
from gateway.store import audit
from gateway.store.engine import Store
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


def record_feedback(
    store: Store, message_id: str, status: str, actor: str, detail: str | None = None
) -> State:
    """Apply a receiver's status update (DUO or DSP) to a melding; returns its new state."""
    key = status.strip().lower()
    with store.write() as conn:
        try:
            current = lock_status(conn, message_id)
        except KeyError as exc:
            raise GatewayError(f"onbekende melding {message_id}") from exc
        target = FEEDBACK_STATES.get(key)
        school_id = conn.scalar(sa.select(meldingen.c.school_id).where(meldingen.c.id == message_id))
        values = {"receiver_status": status}
        if target is not None and target is not current:
            if current is State.ONZEKER:
                set_status(conn, message_id, State.VERZONDEN)
                current = State.VERZONDEN
            if current is State.VERZONDEN and target is not State.ONTVANGEN:
                set_status(conn, message_id, State.ONTVANGEN)
            set_status(conn, message_id, target, **values)
        else:
            note(conn, message_id, **values)
        _outcome_may_free(conn, store, message_id, actor)
        audit.append(
            conn,
            actor=actor,
            action="terugkoppeling",
            school_id=school_id,
            subject=message_id,
            data={"status": status, "detail": detail},
        )
        return target or current


def _outcome_may_free(conn: sa.Connection, store: Store, melding_id: str, actor: str) -> None:
    """A no-show's outcome may free the student's held uitschrijving: settle their review queue."""
    row = conn.execute(sa.select(meldingen.c.school_id, meldingen.c.student_id, meldingen.c.rule)
                       .where(meldingen.c.id == melding_id)).one()
    if row.rule == "no-show":
        gate = GateContext(load_school(conn, row.school_id))
        settle_queue(conn, store.cipher, gate, actor, [row.student_id])
