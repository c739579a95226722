"""Several worker processes, and several sends in flight in one worker: every melding is delivered
exactly once, every outcome recorded once, and the audit log stays one chain that verifies."""

from __future__ import annotations

import threading
from collections import Counter

import psycopg
import pytest
import sqlalchemy as sa

from gateway.delivery import outbox
from gateway.delivery.worker import RetryPolicy, Worker
from gateway.domain.errors import PermanentDeliveryError, TransientDeliveryError
from gateway.domain.ports import OutgoingMelding, Receipt
from gateway.store import audit, count_by_status, get_melding
from gateway.store.schema import audit_log
from tests.store.helpers import AS_OF, FakeChannel, make_meldingen
from tests.store.receiver import Receiver
from tests.store.worker_proc import start

NO_WAITS = RetryPolicy(initial=60, maximum=60, jitter=0, max_attempts=3, in_doubt_delay=0)


def _worker(store, channel, **changes) -> Worker:  # type: ignore[no-untyped-def]
    return Worker(store, lambda school, route: channel, worker_id="w", retry=NO_WAITS, today=lambda: AS_OF,
                  **changes)


def _actions(store) -> Counter[str]:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return Counter(conn.scalars(sa.select(audit_log.c.action)))


class InFlightChannel(FakeChannel):
    """Answers only once ``width`` deliveries are in flight together (a barrier): a worker that
    sent one at a time would break the barrier, and the sends would fail."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(width, timeout=30)
        self.lock = threading.Lock()

    def deliver(self, melding: OutgoingMelding) -> Receipt:
        self.barrier.wait()
        with self.lock:
            return super().deliver(melding)


def test_worker_processes_deliver_each_melding_exactly_once(store, store_url):
    """Three worker processes, four sends in flight each, over 120 meldingen: each arrives once,
    each is recorded once, and the audit chain verifies."""
    mids = make_meldingen(store, *(f"S{i:04d}" for i in range(120)))
    with Receiver() as receiver:
        procs = [start(store_url, receiver.url, f"w{i}", concurrency=4) for i in range(3)]
        assert [p.wait(180) for p in procs] == [0, 0, 0]
    assert count_by_status(store) == {"ontvangen": 120}
    assert sorted(receiver.posts) == sorted(mids) and set(receiver.posts.values()) == {1}
    assert _actions(store)["melding.verzonden"] == 120
    assert audit.verify(store).ok


def test_one_worker_keeps_several_sends_in_flight(store):
    """With concurrency 4 one worker has four deliveries out at once; each melding goes once."""
    mids = make_meldingen(store, *(f"S{i}" for i in range(8)))
    channel = InFlightChannel(width=4)
    worker = _worker(store, channel, batch=8, concurrency=4)
    try:
        assert worker.run_round() == 8
    finally:
        worker.close()
    assert channel.delivered == dict.fromkeys(mids, 1)
    assert count_by_status(store) == {"ontvangen": 8}


def test_a_batch_records_each_outcome_once(store):
    """Delivered, retried and rejected rows in one batch: each gets its own outcome, audited once."""
    delivered, retried, rejected = make_meldingen(store, "S1", "S2", "S3")
    channel = FakeChannel()
    channel.fail("S2", TransientDeliveryError("DUO even weg"))
    channel.fail("S3", PermanentDeliveryError("afgewezen", receiver_text="0003 BSN onbekend"))
    worker = _worker(store, channel, batch=3, concurrency=2)
    try:
        assert worker.run_round() == 3
    finally:
        worker.close()
    statuses = [get_melding(store, m).status for m in (delivered, retried, rejected)]
    assert statuses == ["ontvangen", "opnieuw", "onbestelbaar"]
    actions = _actions(store)
    counted = (actions["melding.verzonden"], actions["outbox.opnieuw"], actions["outbox.onbestelbaar"])
    assert counted == (1, 1, 1)
    assert audit.verify(store).ok


def test_a_lock_conflict_while_recording_a_batch_records_each_row_on_its_own(store, monkeypatch):
    """The batch's transaction is rolled back by a deadlock: its rows are still the worker's, so
    each is recorded on its own, once; nothing is sent again."""
    mids = make_meldingen(store, "S1", "S2", "S3")
    real_record_all = outbox.record_all

    def deadlock_for_batches(store, records, actor):  # type: ignore[no-untyped-def]
        if len(records) > 1:
            raise sa.exc.OperationalError("UPDATE", {}, psycopg.errors.DeadlockDetected("deadlock"))
        return real_record_all(store, records, actor)

    monkeypatch.setattr(outbox, "record_all", deadlock_for_batches)
    channel = FakeChannel()
    worker = _worker(store, channel, batch=3)
    assert worker.run_round() == 3
    assert channel.delivered == dict.fromkeys(mids, 1)
    assert count_by_status(store) == {"ontvangen": 3}
    assert _actions(store)["melding.verzonden"] == 3


def test_entries_appended_together_form_the_same_chain(store):
    """Entries appended in one go follow each other in the chain exactly as entries appended one by one."""
    with store.write() as conn:
        first = audit.append(conn, actor="t", action="een", data={})
        together = [audit.Entry("t", "twee", {"n": 2}), audit.Entry("t", "drie", {"n": 3})]
        last = audit.append_many(conn, together)
        audit.append(conn, actor="t", action="vier", data={})
    assert last == first + 2
    assert [e["action"] for e in reversed(audit.entries(store, limit=4))] == ["een", "twee", "drie", "vier"]
    assert audit.verify(store).ok


@pytest.mark.parametrize(("batch", "concurrency", "waves"), [(1, 1, 1), (16, 1, 16), (16, 4, 4), (6, 4, 2)])
def test_a_batch_lease_lasts_for_every_wave_of_its_sends(store, monkeypatch, batch, concurrency, waves):
    """Rows sent in later waves of a batch keep their lease until their turn: the lease is the
    worker's lease for each wave of ``concurrency`` sends."""
    make_meldingen(store, "S1")
    leases = []
    real_claim_many = outbox.claim_many

    def claim_many(store, worker_id, lease, limit, now=None):  # type: ignore[no-untyped-def]
        leases.append(lease)
        return real_claim_many(store, worker_id, lease, limit, now)

    monkeypatch.setattr(outbox, "claim_many", claim_many)
    worker = _worker(store, FakeChannel(), batch=batch, concurrency=concurrency)
    worker.run_round()
    worker.close()
    assert leases == [worker.lease * waves]


@pytest.mark.parametrize("batch", [1, 16])
def test_run_stops_at_max_items_whatever_the_batch(store, batch):
    """``run(max_items=n)`` handles n rows, not a whole batch more."""
    make_meldingen(store, *(f"S{i}" for i in range(5)))
    worker = _worker(store, FakeChannel(), batch=batch)
    assert worker.run(threading.Event(), max_items=3) == 3
    assert count_by_status(store) == {"ontvangen": 3, "klaar": 2}
