"""The worker writes signed audit checkpoints on a schedule (an injected clock, no sleeping)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from structlog.testing import capture_logs

from gateway.store import checkpoint
from gateway.store.checkpoint_keys import signing_key
from gateway.store.schema import audit_log
from tests.clock import HandClock
from tests.store.helpers import make_meldingen

START = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)


def Clock() -> HandClock:
    """A clock the test moves by hand, from START."""
    return HandClock(START)


def schedule(tmp_path, minutes: int = 10) -> checkpoint.CheckpointSchedule:
    """Checkpoints every ``minutes`` into ``tmp_path/out``, signed with a key of the test's own."""
    folder = tmp_path / "out"
    folder.mkdir()
    key = signing_key(tmp_path / "keys")
    return checkpoint.CheckpointSchedule(folder, key, timedelta(minutes=minutes), "gw")


def test_without_a_schedule_the_worker_writes_no_checkpoint(worker):
    """Checkpoints are off unless configured."""
    assert worker.checkpoints is None and worker.checkpoint_if_due() is None


def test_a_checkpoint_is_written_at_once_then_every_interval(worker, tmp_path):
    """The first turn writes one; the next only once the interval has passed."""
    clock = Clock()
    worker.checkpoints, worker.clock = schedule(tmp_path), clock
    first = worker.checkpoint_if_due()
    clock.now += timedelta(minutes=9, seconds=59)
    assert worker.checkpoint_if_due() is None
    clock.now += timedelta(seconds=1)
    second = worker.checkpoint_if_due()
    assert first is not None and second is not None and first != second
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "audit-checkpoint-20261206T060000Z-1.json", "audit-checkpoint-20261206T061000Z-1.json",
    ]


def test_a_scheduled_checkpoint_verifies_against_the_chain(worker, tmp_path):
    """What the worker writes is a valid signed checkpoint of the store's chain."""
    worker.checkpoints, worker.clock = schedule(tmp_path), Clock()
    path = worker.checkpoint_if_due()
    assert path is not None
    signed = checkpoint.read(path)
    assert checkpoint.verify_against(worker.store, signed, worker.checkpoints.key.public).ok


def test_a_broken_chain_is_an_alert_and_the_worker_goes_on(worker, tmp_path):
    """No checkpoint of a broken chain: the worker logs an alert and tries again next interval."""
    clock = Clock()
    worker.checkpoints, worker.clock = schedule(tmp_path), clock
    with worker.store.write() as conn:
        conn.execute(audit_log.update().where(audit_log.c.seq == 1).values(actor="iemand anders"))
    with capture_logs() as logs:
        assert worker.checkpoint_if_due() is None
    assert [e["event"] for e in logs] == ["alert: geen auditcontrolepunt geschreven"]
    assert list((tmp_path / "out").iterdir()) == []


def test_the_run_loop_writes_checkpoints_by_itself(worker, tmp_path):
    """The worker's loop takes a checkpoint before its first item when one is due."""
    make_meldingen(worker.store, "S1")
    worker.checkpoints, worker.clock = schedule(tmp_path), Clock()
    worker.run(threading.Event(), max_items=1)
    assert len(list((tmp_path / "out").iterdir())) == 1
