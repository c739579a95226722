"""Crash safety and concurrent workers, with real worker processes and a real HTTP receiver."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gateway import pipeline
from gateway.config.school import school_profile
from gateway.domain.ports import SourceBatch
from gateway.store import count_by_status
from tests.store.helpers import CALENDAR, SCHOOL, fake_signal, student
from tests.store.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]


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


def _worker(url: str, receiver: Receiver, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.worker_proc", url, receiver.url, name],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_sigkill_mid_delivery_loses_nothing_and_sends_nothing_twice(store, store_url):
    """A worker killed while a request is out is restarted; every melding arrives exactly once."""
    _fill(store, 40)
    with Receiver(hold_after=15) as receiver:
        first = _worker(store_url, receiver, "w1")
        assert receiver.holding.wait(60), "worker kwam niet tot de 16e verzending"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert count_by_status(store).get("verzonden") == 1  # the one whose answer never came
        second = _worker(store_url, receiver, "w1")
        assert second.wait(120) == 0
    assert count_by_status(store) == {"ontvangen": 40}
    assert len(receiver.posts) == 40 and set(receiver.posts.values()) == {1}


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_four_workers_deliver_each_melding_exactly_once(store, store_url):
    """Four worker processes over 2,000 meldingen on PostgreSQL: each delivered once, none lost."""
    _fill(store, 2000)
    with Receiver() as receiver:
        procs = [_worker(store_url, receiver, f"w{i}") for i in range(4)]
        assert [p.wait(180) for p in procs] == [0, 0, 0, 0]
    assert count_by_status(store) == {"ontvangen": 2000}
    assert len(receiver.posts) == 2000 and set(receiver.posts.values()) == {1}
