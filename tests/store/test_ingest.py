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


# Re-ingest: what a full-snapshot source (Eduarte) delivers every day. PostgreSQL compares the batch
# with the stored records in SQL (gateway/store/attendance.py), SQLite in Python; both must agree.


def _week(sid: str = "S1") -> list[AttendanceRecord]:
    return absences(sid, [date(2026, 9, d) for d in (1, 2, 3)], per_day=4)


def _first_load(store, *sids: str) -> list[AttendanceRecord]:
    records = [r for sid in sids for r in _week(sid)]
    batch = SourceBatch(students=[student(s) for s in sids], records=records, calendar=CALENDAR)
    assert pipeline.ingest(store, SCHOOL.id, "eduarte", batch, "test").accepted
    return records


def _again(store, records, withdrawn=()):
    batch = SourceBatch(records=records, withdrawn_record_ids=list(withdrawn))
    return pipeline.ingest(store, SCHOOL.id, "eduarte", batch, "test")


def _stored(store, record_id: str):
    with store.read() as conn:
        return conn.execute(
            sa.select(attendance).where(attendance.c.source == "eduarte", attendance.c.record_id == record_id)
        ).one()


def _changed_seq(store) -> dict[str, int]:
    with store.read() as conn:
        return {sid: seq for sid, seq in conn.execute(sa.select(students.c.id, students.c.changed_seq))}


def test_unchanged_snapshot_writes_nothing_and_touches_no_student(store):
    """A snapshot equal to what is stored counts every record unchanged and leaves rows and students be."""
    records = _first_load(store, "S1", "S2")
    before = _changed_seq(store)
    again = _again(store, records)
    assert (again.new, again.changed, again.unchanged, again.students_changed) == (0, 0, 24, [])
    assert _stored(store, records[0].id).batch_seq < again.batch_seq
    assert _changed_seq(store) == before


def test_changed_record_in_a_snapshot_gets_a_new_version_and_history(store):
    """One changed record among unchanged ones: version + 1, this batch's seq, the old version in history."""
    records = _first_load(store, "S1", "S2")
    first_seq = _stored(store, records[5].id).batch_seq
    records[5] = records[5].model_copy(update={"reason": "ziek"})
    again = _again(store, records)
    assert (again.new, again.changed, again.unchanged, again.students_changed) == (0, 1, 23, ["S1"])
    row = _stored(store, records[5].id)
    assert (row.reason, row.version, row.batch_seq) == ("ziek", 2, again.batch_seq)
    with store.read() as conn:
        [old] = history(conn, SCHOOL.id, "eduarte", records[5].id)
    assert (old["reason"], old["version"], old["batch_seq"], old["replaced_by_seq"]) == (
        None, 1, first_seq, again.batch_seq
    )
    assert _changed_seq(store)["S1"] == again.batch_seq != _changed_seq(store)["S2"]


def test_record_moved_to_another_student_touches_both_students(store):
    """A record booked on the wrong student and corrected: both the old and the new student changed."""
    records = _first_load(store, "S1", "S2", "S3")
    records[0] = records[0].model_copy(update={"student_id": "S2"})
    again = _again(store, records)
    assert (again.changed, again.unchanged, again.students_changed) == (1, 35, ["S1", "S2"])
    assert _stored(store, records[0].id).student_id == "S2"
    with store.read() as conn:
        assert [h["student_id"] for h in history(conn, SCHOOL.id, "eduarte", records[0].id)] == ["S1"]
    seqs = _changed_seq(store)
    assert seqs["S1"] == seqs["S2"] == again.batch_seq != seqs["S3"]


def test_snapshot_with_new_changed_and_unchanged_records_counts_each(store):
    """New records go in at version 1, changed ones are replaced, equal ones are counted and left."""
    records = _first_load(store, "S1", "S2")
    records[13] = records[13].model_copy(update={"status": "present"})  # S2's
    extra = absences("S3", [date(2026, 9, 4)], per_day=2)
    pipeline.ingest(store, SCHOOL.id, "eduarte", SourceBatch(students=[student("S3")]), "test")
    again = _again(store, records + extra)
    assert (again.new, again.changed, again.unchanged, again.students_changed) == (2, 1, 23, ["S2", "S3"])
    assert (_stored(store, extra[0].id).version, _stored(store, records[13].id).version) == (1, 2)
    assert _count(store, attendance) == 26


def test_withdrawn_record_delivered_again_is_a_change(store):
    """A record the source withdrew and then delivers unchanged comes back: counted as changed."""
    records = _first_load(store, "S1")
    _again(store, [], withdrawn=[records[0].id])
    back = _again(store, records)
    assert (back.changed, back.unchanged, back.students_changed) == (1, 11, ["S1"])
    row = _stored(store, records[0].id)
    assert (row.withdrawn, row.version) == (False, 3)
    with store.read() as conn:
        assert [h["withdrawn"] for h in history(conn, SCHOOL.id, "eduarte", records[0].id)] == [False, True]


def test_two_upserts_in_one_transaction_each_compare_with_what_is_stored(store):
    """The second upsert of a transaction sees the first one's rows (the PostgreSQL batch table is reused)."""
    from gateway.store.attendance import upsert_records  # noqa: PLC0415

    records = _first_load(store, "S1")
    changed = [r.model_copy(update={"reason": "ziek"}) for r in records]
    with store.write() as conn:
        first = upsert_records(conn, SCHOOL.id, "eduarte", changed, 999)
        second = upsert_records(conn, SCHOOL.id, "eduarte", records[:3], 1000)
    assert (first.changed, first.unchanged) == (12, 0)
    assert (second.changed, second.unchanged, second.new) == (3, 0, 0)
