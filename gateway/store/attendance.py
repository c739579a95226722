"""Attendance records in the store: idempotent by (school, source, record id), history kept.

This is the hot path of ingest, so it speaks to the driver directly (``exec_driver_sql`` with
``executemany``) instead of building a statement per row. On PostgreSQL a batch is COPied into a
temporary table and compared with the stored records in SQL, by primary-key probes whose plan does
not depend on the table's statistics (a re-delivered snapshot costs about what a fresh one does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

import sqlalchemy as sa

from gateway.domain.model import AttendanceRecord
from gateway.store.attendance_columns import records_between

_VALUE_COLUMNS = ("student_id", "day", "start_min", "end_min", "status", "reason", "minutes_late")
_INSERT_COLUMNS = ("school_id", "source", "record_id", *_VALUE_COLUMNS, "version", "batch_seq", "withdrawn")
_HISTORY_COPY = ("school_id", "source", "record_id", "version", *_VALUE_COLUMNS, "batch_seq", "withdrawn")
_LOOKUP_CHUNK = 5000


@dataclass
class UpsertCounts:
    """What an upsert did: new, changed, unchanged and withdrawn records, and the students touched."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    students: set[str] = field(default_factory=set)

    def merge(self, other: UpsertCounts) -> None:
        """Add what another step of the same batch did (withdrawals after the upsert)."""
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.withdrawn += other.withdrawn
        self.students |= other.students


def _marks(conn: sa.Connection, n: int) -> str:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * n)


def _existing(
    conn: sa.Connection, school_id: str, source: str, record_ids: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    cols = ", ".join(("record_id", *_VALUE_COLUMNS, "version", "withdrawn", "batch_seq"))
    found: dict[str, tuple[Any, ...]] = {}
    for i in range(0, len(record_ids), _LOOKUP_CHUNK):
        chunk = list(record_ids[i : i + _LOOKUP_CHUNK])
        if conn.dialect.name == "postgresql":
            # One primary-key probe per id, whatever the statistics say (see _PG_CHANGED).
            sql = (
                f"SELECT a.* FROM unnest(%s::text[]) AS b(record_id) CROSS JOIN LATERAL ("  # noqa: S608
                f"SELECT {cols} FROM attendance WHERE school_id = %s AND source = %s "
                "AND record_id = b.record_id OFFSET 0) AS a"
            )
            params: tuple[Any, ...] = (chunk, school_id, source)
        else:
            sql = (
                f"SELECT {cols} FROM attendance WHERE school_id = ? AND source = ? "  # noqa: S608
                f"AND record_id IN ({_marks(conn, len(chunk))})"
            )
            params = (school_id, source, *chunk)
        for row in conn.exec_driver_sql(sql, params):
            found[row[0]] = tuple(row[1:])
    return found


def _copy_to_history(
    conn: sa.Connection, school_id: str, source: str, record_ids: list[str], seq: int
) -> None:
    cols = ", ".join(_HISTORY_COPY)
    m = _marks(conn, 1)
    conn.exec_driver_sql(
        f"INSERT INTO attendance_history ({cols}, replaced_by_seq) SELECT {cols}, {m} FROM attendance "  # noqa: S608
        f"WHERE school_id = {m} AND source = {m} AND record_id = {m}",
        [(seq, school_id, source, rid) for rid in record_ids],
    )


def _insert_rows(
    records: Iterable[AttendanceRecord], school_id: str, source: str, seq: int, *, sqlite: bool
) -> dict[str, tuple[Any, ...]]:
    """Rows in insert shape by record id; a later record with the same id replaces the earlier one."""
    # Days and lesson times repeat a lot within a batch, so their conversions are cached per batch.
    days: dict[date, Any] = {}
    minutes: dict[time, int] = {}
    latest: dict[str, tuple[Any, ...]] = {}
    for r in records:
        day = days.get(r.date)
        if day is None:
            day = days[r.date] = r.date.isoformat() if sqlite else r.date
        start = minutes.get(r.start)
        if start is None:
            start = minutes[r.start] = r.start.hour * 60 + r.start.minute
        end = minutes.get(r.end)
        if end is None:
            end = minutes[r.end] = r.end.hour * 60 + r.end.minute
        latest[r.id] = (
            school_id,
            source,
            r.id,
            r.student_id,
            day,
            start,
            end,
            r.status,
            r.reason,
            r.minutes_late,
            1,
            seq,
            False,
        )
    return latest


def upsert_records(
    conn: sa.Connection, school_id: str, source: str, records: Iterable[AttendanceRecord], seq: int
) -> UpsertCounts:
    """Insert new records, replace changed ones (the old version goes to the history), skip equal ones."""
    latest = _insert_rows(records, school_id, source, seq, sqlite=conn.dialect.name == "sqlite")
    if not latest:
        return UpsertCounts()
    if conn.dialect.name == "postgresql":
        return _upsert_postgres(conn, school_id, source, latest, seq)
    counts = UpsertCounts()
    # Fresh records go in at once; only when some ids were already stored do we look them up.
    columns = ", ".join(_INSERT_COLUMNS)
    inserted = conn.exec_driver_sql(
        f"INSERT INTO attendance ({columns}) VALUES ({_marks(conn, len(_INSERT_COLUMNS))}) "  # noqa: S608
        "ON CONFLICT (school_id, source, record_id) DO NOTHING",
        [latest[rid] for rid in sorted(latest)],  # key order: the primary-key b-tree fills in sequence
    ).rowcount
    counts.students.update({row[3] for row in latest.values()})
    counts.new = inserted
    if inserted == len(latest):
        return counts
    counts.students.clear()
    existing = _existing(conn, school_id, source, list(latest))
    updates: list[tuple[Any, ...]] = []
    for rid, old in existing.items():
        row = latest[rid]
        if old[9] == seq and old[7] == 1:  # inserted just now
            counts.students.add(row[3])
            continue
        values = row[3:10]
        if not old[8] and (old[0], str(old[1]), *old[2:7]) == (values[0], str(values[1]), *values[2:]):
            counts.unchanged += 1
            continue
        updates.append((*values, old[7] + 1, seq, False, school_id, source, rid))
        counts.students.update((values[0], old[0]))
    counts.changed = len(updates)
    _replace(conn, school_id, source, updates, seq)
    return counts


def _replace(
    conn: sa.Connection, school_id: str, source: str, updates: list[tuple[Any, ...]], seq: int
) -> None:
    """Copy the stored versions to the history, then overwrite them (rows in ``UPDATE`` shape)."""
    if not updates:
        return
    _copy_to_history(conn, school_id, source, [u[-1] for u in updates], seq)
    m = _marks(conn, 1)
    sets = ", ".join(f"{c} = {m}" for c in (*_VALUE_COLUMNS, "version", "batch_seq", "withdrawn"))
    where = f"school_id = {m} AND source = {m} AND record_id = {m}"
    conn.exec_driver_sql(f"UPDATE attendance SET {sets} WHERE {where}", updates)  # noqa: S608


# PostgreSQL: the batch is copied into a temporary table, and everything else is done in SQL, so
# unchanged records never travel back to Python. The table lives per connection and is emptied at
# every commit.
_PG_BATCH_TABLE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS ingest_batch (record_id varchar(128) NOT NULL, "
    "student_id varchar(64) NOT NULL, day date NOT NULL, start_min smallint NOT NULL, "
    "end_min smallint NOT NULL, status varchar(8) NOT NULL, reason varchar(32), minutes_late smallint) "
    "ON COMMIT DELETE ROWS"
)
_PG_BATCH_COLUMNS = ("record_id", *_VALUE_COLUMNS)
_PG_INSERT = (
    "WITH added AS (INSERT INTO attendance ({columns}) "
    "SELECT %(school)s, %(source)s, {batch}, 1, %(seq)s, false FROM ingest_batch ORDER BY record_id "
    "ON CONFLICT (school_id, source, record_id) DO NOTHING RETURNING student_id) "
    "SELECT count(*), coalesce(array_agg(DISTINCT student_id), '{{}}') FROM added"
)
# The stored records this batch changes (a withdrawn one delivered again counts as changed); rows
# inserted by this batch (batch_seq = seq) are new, not changed. The lateral subquery with OFFSET 0
# cannot be flattened into a join, so the plan is one primary-key probe per batch row whatever the
# statistics say: never a hash join over the whole table on a stale row count.
_PG_CHANGED = (
    "SELECT b.record_id, a.student_id, a.version FROM ingest_batch b CROSS JOIN LATERAL ("  # noqa: S608
    f"SELECT {', '.join(_VALUE_COLUMNS)}, version, withdrawn, batch_seq FROM attendance "
    "WHERE school_id = %(school)s AND source = %(source)s AND record_id = b.record_id OFFSET 0) a "
    "WHERE a.batch_seq <> %(seq)s AND (a.withdrawn OR "
    f"({', '.join(f'a.{c}' for c in _VALUE_COLUMNS)}) IS DISTINCT FROM "
    f"({', '.join(f'b.{c}' for c in _VALUE_COLUMNS)}))"
)


def _upsert_postgres(
    conn: sa.Connection, school_id: str, source: str, latest: dict[str, tuple[Any, ...]], seq: int
) -> UpsertCounts:
    """``upsert_records`` on PostgreSQL: only new students and changed records come back to Python."""
    conn.exec_driver_sql(_PG_BATCH_TABLE)
    conn.exec_driver_sql("DELETE FROM ingest_batch")  # a second call in one transaction starts afresh
    with conn.connection.driver_connection.cursor() as cur, cur.copy(  # type: ignore[union-attr]
        f"COPY ingest_batch ({', '.join(_PG_BATCH_COLUMNS)}) FROM STDIN"
    ) as copy:
        for row in latest.values():
            copy.write_row(row[2:10])
    names = {"school": school_id, "source": source, "seq": seq}
    new, new_students = conn.exec_driver_sql(
        _PG_INSERT.format(columns=", ".join(_INSERT_COLUMNS), batch=", ".join(_PG_BATCH_COLUMNS)), names
    ).one()
    counts = UpsertCounts(new=new, students=set(new_students))
    if new == len(latest):
        return counts
    updates = []
    for rid, old_student, version in conn.exec_driver_sql(_PG_CHANGED, names):
        values = latest[rid][3:10]
        updates.append((*values, version + 1, seq, False, school_id, source, rid))
        counts.students.update((values[0], old_student))
    counts.changed = len(updates)
    counts.unchanged = len(latest) - new - len(updates)
    _replace(conn, school_id, source, updates, seq)
    return counts


def withdraw_records(
    conn: sa.Connection, school_id: str, source: str, record_ids: Sequence[str], seq: int
) -> UpsertCounts:
    """Mark records the source deleted as withdrawn (they stop counting; the history keeps them).

    Returns how many were withdrawn and whose they were (to ``merge`` into the batch's counts).
    """
    counts = UpsertCounts()
    existing = _existing(conn, school_id, source, list(dict.fromkeys(record_ids)))
    live = [rid for rid, old in existing.items() if not old[8]]
    if not live:
        return counts
    _copy_to_history(conn, school_id, source, live, seq)
    m = _marks(conn, 1)
    conn.exec_driver_sql(
        f"UPDATE attendance SET withdrawn = {m}, version = version + 1, batch_seq = {m} "  # noqa: S608
        f"WHERE school_id = {m} AND source = {m} AND record_id = {m}",
        [(True, seq, school_id, source, rid) for rid in live],
    )
    counts.withdrawn += len(live)
    counts.students.update(existing[rid][0] for rid in live)
    return counts


def load_records(conn: sa.Connection, school_id: str, student_ids: Sequence[str]) -> list[AttendanceRecord]:
    """The live records of the given students, every day."""
    return records_between(conn, school_id, dict.fromkeys(student_ids, (date.min, date.max)))


def history(conn: sa.Connection, school_id: str, source: str, record_id: str) -> list[dict[str, Any]]:
    """Every earlier version of one record, oldest first."""
    h = sa.table("attendance_history", *(sa.column(c) for c in (*_HISTORY_COPY, "replaced_by_seq")))
    query = (
        sa.select(h)
        .where(h.c.school_id == school_id, h.c.source == source, h.c.record_id == record_id)
        .order_by(h.c.version)
    )
    return [dict(r._mapping) for r in conn.execute(query)]
