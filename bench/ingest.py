"""Ingest throughput on SQLite and PostgreSQL: a fresh ingest, a re-ingest and a 5 % changed re-ingest.

For each database, in ONE run: ingest RECORDS attendance records in batches of 5,000 into an empty
store (fresh), ingest the same records again unchanged (what a full-snapshot source such as Eduarte
delivers every day), then again with 5 % of them changed (status flipped; one in five of those
also moves to another student). Prints each rate and its ratio to the fresh rate (target for both
re-ingests: at least 0.5x), medians of several runs, plus a bare ``sqlite3.executemany`` of the same
rows as a floor for SQLite. Only the ingest calls are timed, not building the records.
Usage: ``python bench/ingest.py [RECORDS] [RUNS] [sqlite,postgresql]``; PostgreSQL is taken from
``VERZUIM_BENCH_PG`` (default ``postgresql://postgres@127.0.0.1:5432/test``, a fresh schema per run).

What it leaves out: this calls ``pipeline.ingest`` in-process (what ``sync`` and the push API run),
not ``verzuim-gateway sync``, so the pull from a source, the command's start-up and the evaluation
after ingest are not timed (``bench/sources.py`` times the pulls). The year is ingested as its last
school day sees it (``as_of``), so the batch checks refuse no lesson as lying in the future; they
run, and are timed.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

import psycopg

from gateway import pipeline
from gateway.config.school import SchoolConfig
from gateway.domain.model import AttendanceRecord, Calendar, Student
from gateway.domain.ports import SourceBatch
from gateway.store import Store
from gateway.store.crypto import FieldCipher
from gateway.store.engine import WAL_AUTOCHECKPOINT_PAGES
from gateway.testing.identity_numbers import onderwijsnummer

BATCH = 5000
STUDENTS = 2000
SCHOOL = SchoolConfig(id="25AB00", brin="25AB", oin="00000001234567890000", name="ROC Bench")
CALENDAR = Calendar(first_school_day=date(2026, 8, 31), last_school_day=date(2027, 7, 16))
STATUSES = ("present", "present", "present", "absent")
PG_URL = os.environ.get("VERZUIM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
CHANGED_EVERY = 20  # 5 %


def batches(total: int, *, changed: bool = False) -> Iterator[list[AttendanceRecord]]:
    """Validated records, ``BATCH`` at a time: lessons of 2,000 students over the school year.

    With ``changed``, every 20th record differs: its status flips, and one in five of those moves
    to the next student (a record booked on the wrong student and corrected).
    """
    first = date(2026, 8, 31)
    for start in range(0, total, BATCH):
        out = []
        for i in range(start, min(start + BATCH, total)):
            lesson, student = divmod(i, STUDENTS)
            status = STATUSES[i % 4]
            if changed and i % CHANGED_EVERY == 0:
                status = "present" if status == "absent" else "absent"
                if i % (5 * CHANGED_EVERY) == 0:
                    student = (student + 1) % STUDENTS
            day = first + timedelta(days=lesson // 4)
            hour = 8 + 2 * (lesson % 4)
            out.append(
                AttendanceRecord(
                    id=f"R{i}",
                    student_id=f"S{student:05d}",
                    date=day,
                    start=clock(hour),
                    end=clock(hour + 1, 30),
                    status=status,
                )
            )
        yield out


def _ingest_all(store: Store, total: int, *, changed: bool, expect: tuple[int, int, int]) -> float:
    """Records per second for ingesting every batch; checks the new/changed/unchanged totals."""
    as_of = CALENDAR.last_school_day  # the whole year as its last day sees it: nothing in the future
    elapsed = 0.0
    got = [0, 0, 0]
    for records in batches(total, changed=changed):
        batch = SourceBatch(records=records)
        t0 = time.perf_counter()
        result = pipeline.ingest(store, SCHOOL.id, "bench", batch, "bench", as_of=as_of)
        elapsed += time.perf_counter() - t0
        assert result.accepted
        got = [got[0] + result.new, got[1] + result.changed, got[2] + result.unchanged]
    assert tuple(got) == expect, (got, expect)
    return total / elapsed


def gateway_run(total: int, url: str) -> tuple[float, float, float]:
    """Fresh, unchanged and 5 % changed re-ingest rates through ``pipeline.ingest`` on one store."""
    store = Store.open(url, FieldCipher({"k1": b"k" * 32}, "k1"))
    store.migrate()
    pipeline.register_school(store, SCHOOL, "bench")
    students = [
        Student(id=f"S{i:05d}", birth_date=date(2010, 1, 1), leerweg="BOL", niveau=2,
                onderwijsnummer=onderwijsnummer(i))
        for i in range(STUDENTS)
    ]
    pipeline.ingest(store, SCHOOL.id, "bench", SourceBatch(students=students, calendar=CALENDAR), "bench",
                    as_of=CALENDAR.last_school_day)
    n_changed = len(range(0, total, CHANGED_EVERY))
    try:
        fresh = _ingest_all(store, total, changed=False, expect=(total, 0, 0))
        same = _ingest_all(store, total, changed=False, expect=(0, 0, total))
        some = _ingest_all(store, total, changed=True, expect=(0, n_changed, total - n_changed))
    finally:
        store.close()
    return fresh, same, some


def bare_run(total: int, folder: Path) -> float:
    """Records per second for a bare executemany of the same rows into a table of the same shape."""
    conn = sqlite3.connect(folder / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")  # the same page cache the store uses
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")  # and the same checkpointing
    conn.execute(
        "CREATE TABLE attendance (school_id TEXT, source TEXT, record_id TEXT, student_id TEXT, "
        "day DATE, start_min INTEGER, end_min INTEGER, status TEXT, reason TEXT, minutes_late INTEGER, "
        "version INTEGER, batch_seq INTEGER, withdrawn BOOLEAN, PRIMARY KEY (school_id, source, record_id))"
    )
    conn.execute("CREATE INDEX ix_student ON attendance (school_id, student_id)")
    elapsed = 0.0
    for n, records in enumerate(batches(total)):
        rows = [
            ("25AB00", "bench", r.id, r.student_id, r.date.isoformat(), r.start.hour * 60 + r.start.minute,
             r.end.hour * 60 + r.end.minute, r.status, r.reason, r.minutes_late, 1, n, 0)
            for r in records
        ]
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO attendance VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        conn.execute("COMMIT")
        elapsed += time.perf_counter() - t0
    conn.close()
    return total / elapsed


def _sqlite_run(total: int) -> tuple[float, float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        bare = bare_run(total, Path(tmp))
        return (*gateway_run(total, f"sqlite:///{Path(tmp) / 'gw.db'}"), bare)


def _postgres_run(total: int) -> tuple[float, float, float, float]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        return (*gateway_run(total, f"{PG_URL}{sep}options=-csearch_path%3D{schema}"), 0.0)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


RUNNERS: dict[str, Callable[[int], tuple[float, float, float, float]]] = {
    "sqlite": _sqlite_run,
    "postgresql": _postgres_run,
}


def main() -> None:
    """Print, per database, the three rates (medians of RUNS) and the re-ingest ratios to fresh."""
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    dialects = sys.argv[3].split(",") if len(sys.argv) > 3 else ["sqlite", "postgresql"]
    print(f"ingest: {total:,} records in batches of {BATCH:,}, {runs} runs per database (medians)")
    for dialect in dialects:
        results = [RUNNERS[dialect](total) for _ in range(runs)]
        fresh, same, some, bare = (statistics.median(r[i] for r in results) for i in range(4))
        print(f"{dialect}:")
        print(f"  fresh ingest           {fresh:>10,.0f} records/s")
        target = "x fresh (target >= 0.50)"
        print(f"  re-ingest unchanged    {same:>10,.0f} records/s   {same / fresh:5.2f}{target}")
        print(f"  re-ingest 5 % changed  {some:>10,.0f} records/s   {some / fresh:5.2f}{target}")
        if bare:
            print(f"  bare executemany       {bare:>10,.0f} records/s   fresh is {fresh / bare:.2f}x of it")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
