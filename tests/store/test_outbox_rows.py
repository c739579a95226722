"""The outbox's own rules: row moves follow the outbox lifecycle, and a row is written only under
its melding's lock (``gateway.delivery.outbox.rows``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gateway.delivery.outbox import rows
from gateway.domain.errors import IllegalTransition
from gateway.domain.outbox_lifecycle import OutboxState, check_transition
from gateway.store import Store
from gateway.store.schema import outbox as outbox_table
from tests.store.helpers import SCHOOL, drain, make_meldingen


def row_states(store: Store, melding_id: str) -> list[str]:
    """The states of the melding's outbox rows, oldest first."""
    with store.read() as conn:
        return list(
            conn.scalars(
                sa.select(outbox_table.c.state)
                .where(outbox_table.c.melding_id == melding_id)
                .order_by(outbox_table.c.id)
            )
        )


def test_lifecycle_refuses_to_reopen_a_delivered_row():
    """A row the receiver acknowledged is finished: it cannot become due again."""
    with pytest.raises(IllegalTransition, match="'done' naar 'pending'"):
        check_transition(OutboxState.DONE, OutboxState.PENDING)


def test_guarded_move_refuses_an_illegal_move_and_changes_nothing(store, worker):
    """Asking the outbox to move delivered rows back to pending raises; the row stays done."""
    [mid] = make_meldingen(store, "S1")
    drain(worker)
    with pytest.raises(IllegalTransition), store.write() as conn:
        rows.move_rows(rows.lock_melding(conn, mid), (OutboxState.DONE,), OutboxState.PENDING)
    assert row_states(store, mid) == ["done"]


def test_a_new_row_cannot_start_as_sent(store):
    """A row starts held or pending; 'sending' is only ever reached by a worker's claim."""
    [mid] = make_meldingen(store, "S1")
    with pytest.raises(IllegalTransition), store.write() as conn:
        rows.insert_row(
            rows.lock_melding(conn, mid), rows.NewRow(SCHOOL.id, "duo", state=OutboxState.SENDING)
        )
    assert row_states(store, mid) == ["pending"]


def test_a_lock_on_one_melding_reaches_none_of_another_meldings_rows(store):
    """The row writers touch only rows of the melding whose lock they were given."""
    first, second = make_meldingen(store, "S1", "S2")
    with store.read() as conn:
        second_row = conn.scalar(sa.select(outbox_table.c.id).where(outbox_table.c.melding_id == second))
    with store.write() as conn:
        rows.move_row(rows.lock_melding(conn, first), second_row, OutboxState.PENDING, OutboxState.CANCELLED)
    assert (row_states(store, first), row_states(store, second)) == (["pending"], ["pending"])


def test_only_a_move_changes_a_rows_state(store):
    """Touching other columns cannot slip in a state change past the lifecycle."""
    [mid] = make_meldingen(store, "S1")
    with pytest.raises(IllegalTransition), store.write() as conn:
        rows.touch_rows(rows.lock_melding(conn, mid), (OutboxState.PENDING,), state=OutboxState.DONE.value)
    assert row_states(store, mid) == ["pending"]
