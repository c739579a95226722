"""Attendance read for evaluation in bulk: grouped per student and day, what changed since a batch,
and the records a signal's evidence points at. Plain tuples, no object per lesson.

Every query here reads live records (not withdrawn). The evaluation holds the school's attendance
lock (``gateway.pipeline.batches.lock_school_attendance``), so no batch is in flight: what is stored
is the state up to ``latest_batch``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, time
from typing import Any, cast

import sqlalchemy as sa

from gateway.domain.model import AttendanceRecord, Status
from gateway.store.schema import attendance, attendance_history, ingest_batches

_CHUNK = 500
_FETCH = 50_000

# (student id, day, status, reason, minutes late, records, minutes): one group per combination the
# record's class depends on.
GroupRow = tuple[str, Any, str, "str | None", "int | None", int, int]
# (record id, student id, day, start minute, end minute, status, reason, minutes late)
RecordRow = tuple[str, str, Any, int, int, str, "str | None", "int | None"]


def latest_batch(conn: sa.Connection, school_id: str) -> int:
    """The newest ingest batch of the school (0 before the first)."""
    b = ingest_batches.c
    seq = conn.scalar(sa.select(sa.func.max(b.seq)).where(b.school_id == school_id))
    return int(seq or 0)


def _day(conn: sa.Connection, day: date) -> Any:
    return day.isoformat() if conn.dialect.name == "sqlite" else day


def _grouped(where: Sequence[sa.ColumnElement[bool]]) -> sa.Select[Any]:
    a = attendance.c
    keys = (a.student_id, a.day, a.status, a.reason, a.minutes_late)
    return (sa.select(*keys, sa.func.count(), sa.func.sum(a.end_min - a.start_min))
            .where(a.withdrawn == sa.false(), *where).group_by(*keys))


def _ungrouped(where: Sequence[sa.ColumnElement[bool]]) -> sa.Select[Any]:
    """Records one by one in the shape of groups (of one): for a few, where grouping in SQL would
    make SQLite walk the covering index for its order instead of the index that finds them."""
    a = attendance.c
    return sa.select(a.student_id, a.day, a.status, a.reason, a.minutes_late, sa.literal(1),
                     a.end_min - a.start_min).where(a.withdrawn == sa.false(), *where)


def _stream(conn: sa.Connection, query: sa.Select[Any]) -> Iterator[list[Any]]:
    result = conn.execute(query, execution_options={"yield_per": _FETCH})
    while chunk := result.fetchmany(_FETCH):
        yield [tuple(row) for row in chunk]


def grouped_all(conn: sa.Connection, school_id: str) -> Iterator[list[GroupRow]]:
    """Every live record of the school, grouped, in chunks."""
    a = attendance.c
    return _stream(conn, _grouped([a.school_id == school_id]))


def grouped_of(conn: sa.Connection, school_id: str, student_ids: Sequence[str],
               ) -> Iterator[list[GroupRow]]:
    """The live records of the given students, grouped, in chunks."""
    a = attendance.c
    for i in range(0, len(student_ids), _CHUNK):
        chunk = list(student_ids[i : i + _CHUNK])
        yield from _stream(conn, _grouped([a.school_id == school_id, a.student_id.in_(chunk)]))


def batches_since(conn: sa.Connection, school_id: str, since: int) -> list[int]:
    """The school's ingest batches after batch ``since``, oldest first."""
    b = ingest_batches.c
    return list(conn.scalars(sa.select(b.seq).where(b.school_id == school_id, b.seq > since).order_by(b.seq)))


# The queries about what changed name the batches one by one: equality on (school, batch) makes
# every planner take ix_attendance_batch, where a range would let SQLite prefer scanning the
# school's whole covering index in GROUP BY order.


def grouped_new(conn: sa.Connection, school_id: str, batches: Sequence[int]) -> Iterator[list[GroupRow]]:
    """Records first stored in ``batches`` (never changed since), each a group of one, in chunks."""
    a = attendance.c
    for i in range(0, len(batches), _CHUNK):
        chunk = list(batches[i : i + _CHUNK])
        where = [a.school_id == school_id, a.batch_seq.in_(chunk), a.version == 1]
        yield from _stream(conn, _ungrouped(where))


def corrected_students(conn: sa.Connection, school_id: str, batches: Sequence[int]) -> set[str]:
    """Students with a record changed or withdrawn in ``batches``: the one it belongs to now, and the
    one it belonged to before (a record can move to another student)."""
    a, h = attendance.c, attendance_history.c
    found: set[str] = set()
    for i in range(0, len(batches), _CHUNK):
        chunk = list(batches[i : i + _CHUNK])
        found.update(conn.scalars(sa.select(a.student_id).where(
            a.school_id == school_id, a.batch_seq.in_(chunk), a.version > 1)))
        found.update(conn.scalars(sa.select(h.student_id).where(
            h.school_id == school_id, h.replaced_by_seq.in_(chunk))))
    return found


def students_touched_until(conn: sa.Connection, school_id: str, batches: Sequence[int],
                           day: date) -> set[str]:
    """Students with a record stored in ``batches`` dated on or before ``day`` (their past changed)."""
    a = attendance.c
    found: set[str] = set()
    for i in range(0, len(batches), _CHUNK):
        chunk = list(batches[i : i + _CHUNK])
        found.update(conn.scalars(sa.select(a.student_id).where(
            a.school_id == school_id, a.batch_seq.in_(chunk), a.day <= _day(conn, day))))
    return found


Spans = Mapping[str, tuple[date, date]]  # student id -> first and last day (inclusive)


def record_rows(conn: sa.Connection, school_id: str, spans: Spans) -> list[RecordRow]:
    """The live records of each student within its span of days (inclusive), ordered by student, day,
    start and id."""
    a = attendance.c
    out: list[RecordRow] = []
    ids = sorted(spans)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        first = min(spans[s][0] for s in chunk)
        last = max(spans[s][1] for s in chunk)
        query = (sa.select(a.record_id, a.student_id, a.day, a.start_min, a.end_min, a.status, a.reason,
                           a.minutes_late)
                 .where(a.school_id == school_id, a.student_id.in_(chunk), a.withdrawn == sa.false(),
                        a.day >= _day(conn, first), a.day <= _day(conn, last))
                 .order_by(a.student_id, a.day, a.start_min, a.record_id))
        for row in conn.execute(query):
            start, end = spans[row[1]]
            day = row[2] if isinstance(row[2], date) else date.fromisoformat(row[2])
            if start <= day <= end:
                out.append((row[0], row[1], day, row[3], row[4], row[5], row[6], row[7]))
    return out


def records_between(conn: sa.Connection, school_id: str, spans: Spans) -> list[AttendanceRecord]:
    """``record_rows`` as canonical records (validated on ingest, so built without re-validation)."""
    return [
        AttendanceRecord.model_construct(
            id=rid, student_id=sid, date=day, start=time(start // 60, start % 60),
            end=time(end // 60, end % 60), status=cast(Status, status), reason=reason, minutes_late=late)
        for rid, sid, day, start, end, status, reason, late in record_rows(conn, school_id, spans)
    ]
