"""Crash safety and concurrent workers, with real worker processes and a real HTTP receiver."""

from __future__ import annotations

import signal

import pytest

from gateway import pipeline
from gateway.config.school import school_profile
from gateway.domain.ports import SourceBatch
from gateway.store import audit, count_by_status
from tests.store.helpers import CALENDAR, SCHOOL, fake_signal, student
from tests.store.receiver import Receiver
from tests.store.worker_proc import start


def _fill(store, n: int) -> None:
    sids = [f"S{i:05d}" for i in range(n)]
    pipeline.ingest(
        store,
        SCHOOL.id,
        "magister",
        SourceBatch(students=[student(s) for s in sids], calendar=CALENDAR),
        "test",
    )
    as_of = fake_signal("x", 30).trigger_date
    context = pipeline.DecisionContext(SCHOOL, school_profile(SCHOOL), as_of, "test")
    with store.write() as conn:
        pipeline.apply_signals(conn, context, sids, [fake_signal(s, i) for i, s in enumerate(sids)],
                               cipher=store.cipher)


@pytest.mark.parametrize("concurrency", [1, 4])
def test_sigkill_mid_delivery_loses_nothing_and_sends_nothing_twice(store, store_url, concurrency):
    """A worker killed while a request is out is restarted; every melding arrives exactly once.

    The killed worker's claimed batch (the one whose answer never came, and those answered but not
    yet recorded) is left ``verzonden``; after the restart the receiver is asked before any resend.
    """
    _fill(store, 40)
    with Receiver(hold_after=15) as receiver:
        first = start(store_url, receiver.url, "w1", concurrency)
        assert receiver.holding.wait(60), "worker kwam niet tot de 16e verzending"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert count_by_status(store).get("verzonden", 0) >= 1  # at least the one whose answer never came
        second = start(store_url, receiver.url, "w1", concurrency)
        assert second.wait(120) == 0
    assert count_by_status(store) == {"ontvangen": 40}
    assert len(receiver.posts) == 40 and set(receiver.posts.values()) == {1}
    assert audit.verify(store).ok


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_four_workers_deliver_each_melding_exactly_once(store, store_url):
    """Four worker processes over 2,000 meldingen on PostgreSQL: each delivered once, none lost."""
    _fill(store, 2000)
    with Receiver() as receiver:
        procs = [start(store_url, receiver.url, f"w{i}") for i in range(4)]
        assert [p.wait(180) for p in procs] == [0, 0, 0, 0]
    assert count_by_status(store) == {"ontvangen": 2000}
    assert len(receiver.posts) == 2000 and set(receiver.posts.values()) == {1}
    assert audit.verify(store).ok
