"""Lock order on PostgreSQL: an evaluation and a worker never wait for each other in a circle."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from gateway import pipeline
from gateway.delivery import outbox
from gateway.domain.ports import SourceBatch
from gateway.store import audit, get_melding
from gateway.store.engine import utcnow
from gateway.store.meldingen import lock_status
from gateway.store.schema import outbox as outbox_table
from tests.store.helpers import AS_OF, SCHOOL, absences, make_meldingen, sixteen_hour_batch


def _wait_until_a_lock_is_awaited(store, limit: int = 500) -> None:
    """Bounded wait until some other transaction waits for a row lock (pg_locks, not granted)."""
    with store.engine.connect() as conn:
        for _ in range(limit):
            if conn.scalar(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
                return
            conn.execute(sa.text("SELECT pg_sleep(0.01)"))
    raise AssertionError("the evaluation never waited for the locked melding")


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_evaluation_withdrawing_a_melding_a_worker_holds_does_not_deadlock(store):
    """A worker holds melding M and then appends to the audit log, while an evaluation withdraws M
    and creates another melding: the evaluation waits for M before it takes the audit head."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch("S1"), "test")
    [held] = pipeline.evaluate(store, SCHOOL.id, AS_OF).created
    correction = absences("S1", [date(2026, 9, 2)], per_day=1, reason="ziek")  # S1's signal goes away
    new_case = sixteen_hour_batch("S2")  # S2's 16 hours: a new melding in the same evaluation
    both = SourceBatch(students=new_case.students, records=[*correction, *new_case.records])
    pipeline.ingest(store, SCHOOL.id, "magister", both, "test")
    outcome: dict[str, object] = {}

    def evaluate() -> None:
        try:
            outcome["result"] = pipeline.evaluate(store, SCHOOL.id, AS_OF)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = exc

    with store.engine.connect() as worker_conn, worker_conn.begin():
        worker_conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
        lock_status(worker_conn, held)  # as record_receipt does first
        thread = threading.Thread(target=evaluate)
        thread.start()
        _wait_until_a_lock_is_awaited(store)
        audit.append(worker_conn, actor="worker:test", action="melding.verzonden", subject=held, data={})
    thread.join(timeout=60)
    assert "error" not in outcome, outcome
    result = outcome["result"]
    assert (result.withdrawn, len(result.created)) == ([held], 1)
    assert get_melding(store, held).status == "ingetrokken"


def _wait_until_blocked_by(store, holder_pid: int, limit: int = 500) -> None:
    """Bounded wait until another session waits for a lock the session ``holder_pid`` holds."""
    blocked = sa.text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
    with store.engine.connect() as conn:
        for _ in range(limit):
            if conn.scalar(blocked, {"pid": holder_pid}):
                return
            conn.execute(sa.text("SELECT pg_sleep(0.01)"))
            # pg_stat_activity is a snapshot per transaction: a session that connected after the
            # first look would never appear without a fresh one.
            conn.rollback()
    raise AssertionError("the outbox write never waited for the locked melding")


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("claimed", [False, True], ids=["retry_now", "record_transient"])
def test_outbox_writes_wait_for_the_melding_before_touching_its_rows(store, claimed):
    """While another transaction holds melding M, an outbox write for M waits for M first and holds
    none of M's outbox rows meanwhile: the lock order is the API's, not each caller's."""
    [mid] = make_meldingen(store, "S1")
    claim = outbox.claim(store, "w", timedelta(minutes=5)) if claimed else None

    failures: list[BaseException] = []

    def write() -> None:
        try:
            if claim is None:
                outbox.retry_now(store, mid, "beheerder")
            else:
                outbox.record_transient(store, claim, "DUO onbereikbaar", utcnow(), "worker:w")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    with store.engine.connect() as holder, holder.begin():
        lock_status(holder, mid)  # as a withdrawal or an approval does first
        thread = threading.Thread(target=write)
        thread.start()
        holder_pid = holder.scalar(sa.text("SELECT pg_backend_pid()"))
        assert not failures, failures
        _wait_until_blocked_by(store, holder_pid)
        rows = holder.execute(
            sa.select(outbox_table.c.id).where(outbox_table.c.melding_id == mid).with_for_update(nowait=True)
        ).all()  # would fail at once (lock not available) had the waiting write taken a row first
    thread.join(timeout=30)
    assert len(rows) == 1 and not thread.is_alive() and not failures, failures
