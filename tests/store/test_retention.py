"""Retention: personal data and payloads past their keep period go; nothing undelivered, nothing
within its keep period, nothing of the current school year."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa

from gateway import pipeline
from gateway.domain.model import Calendar
from gateway.domain.ports import SourceBatch
from gateway.store import get_melding
from gateway.store.retention import RetentionPolicy, run_retention
from gateway.store.schema import attendance, attendance_history, audit_log, evaluation_state, students
from tests.store.helpers import AS_OF, SCHOOL, absences, drain, sixteen_hour_batch

NEXT_YEAR = Calendar(first_school_day=date(2030, 8, 26), last_school_day=date(2031, 7, 11), holidays=[])
LATER = date(2031, 6, 1)
SHORT = RetentionPolicy(attendance_days=365, melding_days=365)


def _melding(store, worker=None, *, feedback: str | None = None) -> str:
    """S1 reaches 16 hours (with one corrected record: history); optionally delivered and closed."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "t")
    [first] = absences("S1", [date(2026, 9, 1)], per_day=1)
    pipeline.ingest(
        store,
        SCHOOL.id,
        "magister",
        SourceBatch(records=[first.model_copy(update={"reason": "spijbelen"})]),
        "t",
    )
    [mid] = pipeline.evaluate(store, SCHOOL.id, AS_OF).created
    if worker is not None:
        drain(worker)
    if feedback:
        pipeline.record_feedback(store, mid, feedback, "duo")
    return mid


def _new_school_year(store) -> None:
    pipeline.ingest(store, SCHOOL.id, "magister", SourceBatch(calendar=NEXT_YEAR), "t")


def _counts(store) -> tuple[int, int, int]:
    with store.read() as conn:
        return (
            int(conn.scalar(sa.select(sa.func.count()).select_from(attendance))),
            int(conn.scalar(sa.select(sa.func.count()).select_from(attendance_history))),
            int(conn.scalar(sa.select(sa.func.count()).where(students.c.personal.is_not(None)))),
        )


def test_finished_melding_past_keep_period_loses_payload_records_and_personal_data(store, worker):
    """A closed melding past its keep period: records, history, personal data and evidence go."""
    mid = _melding(store, worker, feedback="Afgesloten")
    _new_school_year(store)
    result = run_retention(store, LATER, "beheer", SHORT)
    m = get_melding(store, mid)
    assert _counts(store) == (0, 0, 0)
    assert (result.attendance_deleted, result.history_deleted, result.personal_cleared) == (8, 1, 1)
    assert (m.status, m.signal["evidence"], m.signal["bewaartermijn_verstreken"]) == (
        "afgesloten",
        [],
        "2031-06-01",
    )


def test_undelivered_melding_keeps_everything(store):
    """A melding still in the outbox keeps its payload and its student's records, however old."""
    mid = _melding(store)
    _new_school_year(store)
    result = run_retention(store, LATER, "beheer", SHORT)
    assert (result.attendance_deleted, result.payloads_pruned, result.personal_cleared) == (0, 0, 0)
    assert _counts(store) == (8, 1, 1)
    assert len(get_melding(store, mid).signal["evidence"]) == 8


def test_dead_letter_keeps_everything(store, worker, channel):
    """A dead letter is undelivered: nothing of it is pruned."""
    from gateway.domain.errors import PermanentDeliveryError  # noqa: PLC0415

    channel.fail("S1", PermanentDeliveryError("afgewezen"))
    _melding(store, worker)
    _new_school_year(store)
    assert run_retention(store, LATER, "beheer", SHORT).attendance_deleted == 0


def test_melding_within_its_keep_period_keeps_everything(store, worker):
    """A closed melding still within its keep period keeps its payload and the student's records."""
    mid = _melding(store, worker, feedback="Afgesloten")
    _new_school_year(store)
    result = run_retention(store, LATER, "beheer", RetentionPolicy(attendance_days=365, melding_days=3650))
    assert (result.attendance_deleted, result.payloads_pruned) == (0, 0)
    assert len(get_melding(store, mid).signal["evidence"]) == 8


def test_records_of_the_current_school_year_stay(store, worker):
    """Without a newer calendar nothing of the current school year goes, whatever the keep period."""
    _melding(store, worker, feedback="Afgesloten")
    result = run_retention(store, LATER, "beheer", SHORT)
    assert (result.attendance_deleted, result.history_deleted, result.personal_cleared) == (0, 0, 0)


def test_dry_run_counts_but_changes_nothing(store, worker):
    """A dry run reports what would go and leaves data and audit log as they were."""
    _melding(store, worker, feedback="Afgesloten")
    _new_school_year(store)
    result = run_retention(store, LATER, "beheer", SHORT, dry_run=True)
    assert (result.attendance_deleted, result.payloads_pruned) == (8, 1)
    assert _counts(store) == (8, 1, 1)
    with store.read() as conn:
        assert not conn.scalar(sa.select(sa.func.count()).where(audit_log.c.action == "retentie"))


def test_retention_run_is_audited_with_counts(store, worker):
    """Each run is an audit entry with its counts and keep periods (no personal data)."""
    _melding(store, worker, feedback="Afgesloten")
    _new_school_year(store)
    run_retention(store, LATER, "beheer", SHORT)
    with store.read() as conn:
        data = json.loads(conn.scalar(sa.select(audit_log.c.data).where(audit_log.c.action == "retentie")))
    assert (data["attendance_deleted"], data["melding_days"], data["as_of"]) == (8, 365, "2031-06-01")


def test_retention_command_prints_counts(store, store_url, worker, tmp_path):
    """``db retention --dry-run`` prints what would go."""
    from tests.store.test_cli import _run  # noqa: PLC0415

    _melding(store, worker, feedback="Afgesloten")
    _new_school_year(store)
    result = _run(
        store_url,
        tmp_path,
        "db",
        "retention",
        "--as-of",
        "2031-06-01",
        "--attendance-days",
        "365",
        "--melding-days",
        "365",
        "--dry-run",
    )
    assert result.exit_code == 0, result.output
    assert "Proefrun, zou verwijderen: 8 aanwezigheidsregels" in result.output


def test_deleting_records_drops_the_kept_evaluation_state(store, worker):
    """The daily job's kept counts would still count the deleted records: they are made again."""
    _melding(store, worker, feedback="Afgesloten")
    _new_school_year(store)
    run_retention(store, LATER, "beheer", SHORT)
    with store.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(evaluation_state)) == 0
