"""The outbox and worker: receipts, retries per melding, dead letters, replay, pause, in-doubt."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
from datetime import timedelta

import click
import psycopg
import pytest
import sqlalchemy as sa

from gateway.cli.worker import worker as worker_command
from gateway.delivery import outbox
from gateway.delivery.worker import RetryPolicy, Worker, is_lock_conflict
from gateway.domain.errors import InDoubtDeliveryError, PermanentDeliveryError, TransientDeliveryError
from gateway.store import Store, get_melding
from gateway.store.meldingen import lock_status
from gateway.store.schema import outbox as outbox_table
from tests.store.helpers import SCHOOL, FakeChannel, drain, drain_due, make_meldingen, student


def test_delivered_melding_is_received_with_reference(store, worker, channel):
    """A delivery with a receipt moves the melding to ontvangen with the receiver's reference."""
    [mid] = make_meldingen(store, "S1")
    assert drain(worker) == 1
    m = get_melding(store, mid)
    assert (m.status, channel.delivered) == ("ontvangen", {mid: 1})
    assert m.receiver_reference.startswith("REF-")


def test_channel_gets_decrypted_student_details(store, worker, channel):
    """The channel receives the student's personal data, decrypted from the store."""
    make_meldingen(store, "S1")
    drain(worker)
    assert channel.seen_students[0].bsn == student().bsn


def test_transient_error_schedules_a_retry(store, worker, channel):
    """A transient failure leaves the melding opnieuw with a next attempt in the future."""
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", TransientDeliveryError("verbinding geweigerd"))
    worker.retry = RetryPolicy(initial=60, maximum=60, jitter=0)
    assert worker.run_once()
    assert get_melding(store, mid).status == "opnieuw"
    [row] = outbox.list_rows(store)
    assert row["state"] == "pending" and row["attempts"] == 1 and row["last_error"] == "verbinding geweigerd"
    assert not worker.run_once()


def test_retry_succeeds_after_transient_errors(store, worker, channel):
    """After transient failures the next attempt delivers, once."""
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", TransientDeliveryError("a"), TransientDeliveryError("b"))
    drain_due(worker)
    assert (get_melding(store, mid).status, channel.delivered) == ("ontvangen", {mid: 1})


def test_transient_errors_beyond_the_limit_dead_letter(store, worker, channel):
    """After max_attempts transient failures the melding becomes onbestelbaar."""
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", *(TransientDeliveryError("weg") for _ in range(5)))
    drain_due(worker)
    assert get_melding(store, mid).status == "onbestelbaar"


def test_permanent_error_dead_letters_with_receiver_text(store, worker, channel):
    """A permanent error goes straight to the dead letters with the receiver's text."""
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", PermanentDeliveryError("afgewezen", receiver_text="0003 BSN onbekend"))
    drain(worker)
    m = get_melding(store, mid)
    assert (m.status, m.last_error) == ("onbestelbaar", "0003 BSN onbekend")


def test_poison_melding_does_not_block_the_others(store, worker, channel):
    """One melding failing again and again never holds back the rest."""
    bad, *good = make_meldingen(store, "S1", "S2", "S3")
    channel.fail("S1", *(TransientDeliveryError("x") for _ in range(10)))
    worker.retry = RetryPolicy(initial=60, maximum=60, jitter=0)
    drain(worker)
    assert sorted(channel.delivered) == sorted(good)
    assert get_melding(store, bad).status == "opnieuw"


def test_replay_creates_a_new_attempt_pointing_to_its_parent(store, worker, channel):
    """Replaying a dead letter makes a new outbox row with parent, who and why; it then delivers."""
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", PermanentDeliveryError("nee"))
    drain(worker)
    new_id = outbox.replay(store, mid, "beheerder", "BSN gecorrigeerd")
    with store.read() as conn:
        row = conn.execute(sa.select(outbox_table).where(outbox_table.c.id == new_id)).one()
    assert (row.requested_by, row.reason, row.parent_id is not None) == (
        "beheerder",
        "BSN gecorrigeerd",
        True,
    )
    drain(worker)
    assert get_melding(store, mid).status == "ontvangen"


def test_pause_stops_delivery_at_once_and_resume_restarts_it(store, worker, channel):
    """A paused school and route gets nothing delivered until resumed."""
    make_meldingen(store, "S1")
    assert outbox.pause(store, SCHOOL.id, "duo", "beheerder", "storing DUO")
    assert not worker.run_once()
    assert outbox.resume(store, SCHOOL.id, "duo", "beheerder")
    assert worker.run_once()


def test_in_doubt_melding_found_at_receiver_is_not_sent_again(store, worker, channel):
    """An in-doubt delivery is settled by asking the receiver's status, not by resending."""
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", InDoubtDeliveryError("time-out na verzenden"))
    assert worker.run_once()
    assert get_melding(store, mid).status == "onzeker"
    channel.known.add(mid)  # the request did arrive
    assert worker.run_once()
    assert (get_melding(store, mid).status, channel.delivered) == ("ontvangen", {})


def test_in_doubt_melding_unknown_at_receiver_is_sent_again(store, worker, channel):
    """When the receiver does not know the in-doubt melding, it is sent again, once."""
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", InDoubtDeliveryError("time-out"))
    drain(worker)
    assert (get_melding(store, mid).status, channel.delivered) == ("ontvangen", {mid: 1})


def test_rows_left_sending_become_in_doubt_on_start(store, worker):
    """On start-up, rows a crash left mid-send become onzeker before any delivery."""
    [mid] = make_meldingen(store, "S1")
    assert outbox.claim(store, worker.worker_id, timedelta(minutes=5)) is not None
    assert worker.recover() == 1
    assert get_melding(store, mid).status == "onzeker"


def test_rows_of_a_live_worker_are_left_alone(store, worker):
    """Recovery by another worker does not touch rows whose lease still runs."""
    make_meldingen(store, "S1")
    outbox.claim(store, "other-worker", timedelta(minutes=5))
    assert worker.recover() == 0


def test_due_soon_lists_meldingen_near_their_due_date(store):
    """The outbox list can show what is due within a number of days."""
    make_meldingen(store, "S1")
    assert outbox.list_rows(store, due_within=timedelta(days=3650))
    assert not outbox.list_rows(store, due_within=timedelta(days=-3650))


# --- lock conflicts and recovery by several workers ------------------------------------------


def _deadlock() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT ... FOR UPDATE", {}, psycopg.errors.DeadlockDetected("deadlock"))


def test_worker_survives_a_deadlock_while_claiming(store, worker, channel, monkeypatch):
    """A deadlock reported by the database ends that round only: the next round delivers."""
    [mid] = make_meldingen(store, "S1")
    real_claim = outbox.claim_many
    conflicts = [_deadlock()]

    def claim_after_a_deadlock(*args, **kwargs):  # type: ignore[no-untyped-def]
        if conflicts:
            raise conflicts.pop()
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(outbox, "claim_many", claim_after_a_deadlock)
    assert not worker.run_once()
    assert worker.run_once()
    assert (get_melding(store, mid).status, channel.delivered) == ("ontvangen", {mid: 1})


def test_other_database_errors_still_stop_the_worker(store, worker, monkeypatch):
    """A lost database server is no lock conflict: the worker does not carry on as if nothing happened."""
    lost = sa.exc.OperationalError("SELECT 1", {}, psycopg.errors.ConnectionFailure("server weg"))

    def claim_without_server(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise lost

    monkeypatch.setattr(outbox, "claim_many", claim_without_server)
    with pytest.raises(sa.exc.OperationalError):
        worker.run_once()


def test_busy_sqlite_file_is_a_lock_conflict(tmp_path):
    """SQLite's 'database is locked' (another writer holds the file) counts as a lock conflict."""
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with pytest.raises(sa.exc.OperationalError) as caught, engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        assert is_lock_conflict(caught.value)
    finally:
        engine.dispose()
        holder.close()


@pytest.mark.postgres
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_claim_passes_over_a_melding_another_transaction_has_locked(store, store_url):
    """The melding is locked before its outbox row: while a withdrawal holds melding A, a claim
    takes B's row instead of waiting for A (waiting there, holding A's row, was the deadlock)."""
    busy, free = make_meldingen(store, "S1", "S2")
    claimer = Store.open(store_url.replace("options=", "options=-clock_timeout%3D5000%20"), store.cipher)
    try:
        with store.engine.connect() as conn, conn.begin():
            lock_status(conn, busy)  # what pipeline.withdraw does first
            taken = outbox.claim(claimer, "w", timedelta(minutes=5))
        assert taken is not None and taken.melding_id == free
    finally:
        claimer.close()


def test_idle_recovery_leaves_another_live_claim_alone(store, worker):
    """Two workers with one name: the idle loop of one never turns the other's live sends into doubt."""
    [mid] = make_meldingen(store, "S1")

    def twin_claims_a_row() -> int:  # runs after the start-up recovery, while this worker runs
        assert outbox.claim(store, worker.worker_id, timedelta(minutes=5)) is not None
        return 0

    worker.check_due_dates = twin_claims_a_row  # type: ignore[method-assign]
    worker.run(OneIdleRound())
    [row] = outbox.list_rows(store)
    assert (row["state"], get_melding(store, mid).status) == ("sending", "verzonden")


def test_idle_recovery_takes_over_rows_whose_lease_ran_out(store, worker):
    """A row whose worker died (lease over) becomes in doubt in another worker's idle loop."""
    [mid] = make_meldingen(store, "S1")
    outbox.claim(store, "crashed-worker", timedelta(seconds=-1))
    assert worker.recover_lapsed() == 1
    assert get_melding(store, mid).status == "onzeker"


def test_default_worker_name_is_unique_per_process(store):
    """Without --name, two workers on one host get different names: host and process id."""
    name = next(p for p in worker_command.params if p.name == "name")
    expected = f"{socket.gethostname()}:{os.getpid()}"
    assert name.get_default(click.Context(worker_command)) == expected
    assert Worker(store, lambda school, route: FakeChannel()).worker_id == expected


class OneIdleRound(threading.Event):
    """A stop switch that stops the worker at its first idle wait (after the idle recovery)."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True
