"""Withdrawing a melding: a withdrawal message goes out exactly when the receiver may hold it."""

from __future__ import annotations

import sqlalchemy as sa

from gateway import pipeline
from gateway.domain.errors import InDoubtDeliveryError, PermanentDeliveryError
from gateway.store import Store, get_melding
from gateway.store.schema import outbox as outbox_table
from tests.store.helpers import FakeChannel, drain_due, make_meldingen

REASON = "signaal vervallen na correctie"


def withdraw(store: Store, melding_id: str) -> bool:
    """Withdraw a melding as a correction does; whether a withdrawal message was queued."""
    with store.write() as conn:
        return pipeline.withdraw(conn, melding_id, "test", REASON)


def withdraw_rows(store: Store, melding_id: str) -> list[tuple[str, str]]:
    """(route, state) of the melding's withdrawal rows."""
    with store.read() as conn:
        return [
            (r.route, r.state)
            for r in conn.execute(
                sa.select(outbox_table.c.route, outbox_table.c.state).where(
                    outbox_table.c.melding_id == melding_id, outbox_table.c.operation == "withdraw"
                )
            )
        ]


def test_dead_letter_after_in_doubt_attempts_gets_a_withdrawal(store, worker, channel: FakeChannel):
    """Onbestelbaar after attempts whose answer never came: the receiver may hold the melding, so a
    correction still sends the withdrawal."""
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", *(InDoubtDeliveryError("time-out na verzenden") for _ in range(3)))
    drain_due(worker)
    assert get_melding(store, mid).status == "onbestelbaar"
    assert withdraw(store, mid)
    drain_due(worker)
    assert (channel.withdrawn, withdraw_rows(store, mid)) == ({mid: 1}, [("duo", "done")])


def test_dead_letter_rejected_without_doubt_gets_no_withdrawal(store, worker, channel: FakeChannel):
    """Rejected outright (never in doubt): the receiver never took it, so nothing is withdrawn there."""
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", PermanentDeliveryError("afgewezen", receiver_text="0003 BSN onbekend"))
    drain_due(worker)
    assert get_melding(store, mid).status == "onbestelbaar"
    assert not withdraw(store, mid)
    assert (get_melding(store, mid).status, withdraw_rows(store, mid)) == ("ingetrokken", [])
