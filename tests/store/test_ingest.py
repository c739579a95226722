"""Ingest: idempotent by source and record id, corrections keep history, batches all or nothing."""

from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa

from gateway import pipeline
from gateway.domain.model import AttendanceRecord
from gateway.domain.ports import SourceBatch
from gateway.store import get_cursor
from gateway.store.attendance import history, load_records
from gateway.store.schema import attendance, students
from tests.store.helpers import BSN, CALENDAR, FAMILY, NAME, SCHOOL, absences, sixteen_hour_batch, student


def _count(store, table) -> int:
    with store.read() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(table)))


def test_first_batch_stores_every_record_and_reports_changed_students(store):
    """A new batch stores its records and names the students whose data changed."""
    result = pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    assert result.accepted and result.new == 8 and result.students_changed == ["S1"]
    assert _count(store, attendance) == 8


def test_same_batch_twice_changes_nothing(store):
    """Ingest is idempotent by source and record id."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    again = pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    assert (again.new, again.changed, again.unchanged, again.students_changed) == (0, 0, 8, [])
    assert _count(store, attendance) == 8


def test_later_version_replaces_record_and_keeps_history(store):
    """A corrected record replaces the stored one; the earlier version stays in the history."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    fixed = absences("S1", [date(2026, 9, 1)], per_day=1, reason="ziek")
    result = pipeline.ingest(store, SCHOOL.id, "magister", SourceBatch(records=fixed), "test")
    assert (result.changed, result.students_changed) == (1, ["S1"])
    with store.read() as conn:
        live = {r.id: r for r in load_records(conn, SCHOOL.id, ["S1"])}
        old = history(conn, SCHOOL.id, "magister", fixed[0].id)
    assert live[fixed[0].id].reason == "ziek"
    assert [(h["version"], h["reason"]) for h in old] == [(1, None)]


def test_two_records_with_one_id_in_a_batch_reject_it(store):
    """Within one batch, two records with the same id are a source error: nothing is stored (issue 15)."""
    first = AttendanceRecord(
        id="X", student_id="S1", date=date(2026, 9, 1), start=time(8), end=time(9), status="absent"
    )
    second = first.model_copy(update={"status": "present"})
    result = pipeline.ingest(
        store,
        SCHOOL.id,
        "magister",
        SourceBatch(students=[student()], records=[first, second], calendar=CALENDAR),
        "test",
    )
    assert not result.accepted and result.rejected[0].field == "records[1].id"
    with store.read() as conn:
        assert load_records(conn, SCHOOL.id, ["S1"]) == []


def test_withdrawn_record_stops_counting(store):
    """A record the source deleted is no longer loaded for evaluation, and its history is kept."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    gone = sixteen_hour_batch().records[0].id
    result = pipeline.ingest(store, SCHOOL.id, "magister", SourceBatch(withdrawn_record_ids=[gone]), "test")
    assert result.withdrawn == 1
    with store.read() as conn:
        assert gone not in {r.id for r in load_records(conn, SCHOOL.id, ["S1"])}
        assert len(history(conn, SCHOOL.id, "magister", gone)) == 1


def test_batch_with_unknown_student_is_rejected_whole(store):
    """One bad record rejects the whole batch with its reason, and nothing is written."""
    batch = sixteen_hour_batch()
    stray = absences("NOBODY", [date(2026, 9, 1)], per_day=1)
    result = pipeline.ingest(
        store,
        SCHOOL.id,
        "magister",
        SourceBatch(students=batch.students, records=batch.records + stray, calendar=CALENDAR),
        "test",
    )
    assert not result.accepted
    assert [(r.record_id, r.reason) for r in result.rejected] == [
        (stray[0].id, "onbekende leerling 'NOBODY'")
    ]
    assert _count(store, attendance) == 0 and _count(store, students) == 0


def test_cursor_of_accepted_batch_is_kept(store):
    """The source's cursor is stored with the batch, for the next sync."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    assert get_cursor(store, SCHOOL.id, "magister") == "c1"
    assert get_cursor(store, SCHOOL.id, "eduarte") is None


def test_personal_data_is_encrypted_at_rest(store):
    """Names and BSN are stored only as AES-GCM ciphertext with a key id."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    with store.read() as conn:
        row = conn.execute(sa.select(students.c.facts, students.c.personal)).one()
    for secret in (NAME, FAMILY, BSN):
        assert secret not in row.facts and secret not in row.personal
    assert row.personal.startswith("v1.k1.")


def test_records_before_any_calendar_are_rejected(store):
    """Without a school calendar the first records are refused, and nothing is written."""
    batch = sixteen_hour_batch()
    result = pipeline.ingest(
        store, SCHOOL.id, "magister", SourceBatch(students=batch.students, records=batch.records), "test"
    )
    assert not result.accepted and "kalender" in result.rejected[0].reason
    assert _count(store, attendance) == 0


def test_changed_student_facts_replace_the_stored_ones(store):
    """A later batch with changed facts (a move to another gemeente) updates what is stored."""
    from gateway.store.students import load_students  # noqa: PLC0415

    pipeline.ingest(
        store, SCHOOL.id, "magister", SourceBatch(students=[student("S1")], calendar=CALENDAR), "t"
    )
    moved = pipeline.ingest(
        store, SCHOOL.id, "magister", SourceBatch(students=[student("S1", woongemeente="0400")]), "t"
    )
    with store.read() as conn:
        [loaded] = load_students(conn, SCHOOL.id, ["S1"])
    assert (moved.students_changed, loaded.woongemeente) == (["S1"], "0400")


def test_calendar_from_the_school_configuration_lets_records_in(store):
    """A school whose configuration holds the calendar needs no source to deliver one."""
    pipeline.register_school(store, SCHOOL.model_copy(update={"calendar": CALENDAR}), "beheer")
    batch = sixteen_hour_batch()
    result = pipeline.ingest(
        store, SCHOOL.id, "magister", SourceBatch(students=batch.students, records=batch.records), "test"
    )
    assert result.accepted
    assert _count(store, attendance) == len(batch.records)
