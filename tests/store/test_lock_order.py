"""Lock order on PostgreSQL: an evaluation and a worker never wait for each other in a circle."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from gateway import pipeline
from gateway.domain.ports import SourceBatch
from gateway.store import audit, get_melding
from gateway.store.meldingen import lock_status
from tests.store.helpers import AS_OF, SCHOOL, absences, sixteen_hour_batch


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
