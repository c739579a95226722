"""Ingest throughput into SQLite versus a bare ``sqlite3.executemany`` of the same rows.

1,000,000 attendance records in batches of 5,000 (default); only the ingest call (or the bare
executemany plus commit) is timed, not building the records. Prints medians of several runs.
Usage: ``python bench/ingest.py [RECORDS] [RUNS]``.

What it leaves out: this calls ``pipeline.ingest`` in-process, not ``verzuim-gateway sync``, so
the pull from a source, the command's start-up and the evaluation after ingest are not timed
(``bench/sources.py`` times the pulls). The year is ingested as its last school day sees it
(``as_of``), so the batch checks refuse no lesson as lying in the future; they run, and are timed.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

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


def batches(total: int) -> Iterator[list[AttendanceRecord]]:
    """Validated records, ``BATCH`` at a time: lessons of 2,000 students over the school year."""
    first = date(2026, 8, 31)
    for start in range(0, total, BATCH):
        out = []
        for i in range(start, min(start + BATCH, total)):
            lesson, student = divmod(i, STUDENTS)
            day = first + timedelta(days=lesson // 4)
            hour = 8 + 2 * (lesson % 4)
            out.append(
                AttendanceRecord(
                    id=f"R{i}",
                    student_id=f"S{student:05d}",
                    date=day,
                    start=clock(hour),
                    end=clock(hour + 1, 30),
                    status=STATUSES[i % 4],
                )
            )
        yield out


def gateway_run(total: int, folder: Path) -> float:
    """Records per second through ``pipeline.ingest``."""
    store = Store.open(f"sqlite:///{folder / 'gw.db'}", FieldCipher({"k1": b"k" * 32}, "k1"))
    store.migrate()
    pipeline.register_school(store, SCHOOL, "bench")
    students = [
        Student(id=f"S{i:05d}", birth_date=date(2010, 1, 1), leerweg="BOL", niveau=2,
                onderwijsnummer=onderwijsnummer(i))
        for i in range(STUDENTS)
    ]
    # The whole school year is stored as its last day sees it: no lesson lies in the future.
    as_of = CALENDAR.last_school_day
    pipeline.ingest(store, SCHOOL.id, "bench", SourceBatch(students=students, calendar=CALENDAR), "bench",
                    as_of=as_of)
    elapsed = 0.0
    for records in batches(total):
        batch = SourceBatch(records=records)
        t0 = time.perf_counter()
        result = pipeline.ingest(store, SCHOOL.id, "bench", batch, "bench", as_of=as_of)
        elapsed += time.perf_counter() - t0
        assert result.accepted
    store.close()
    return total / elapsed


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
            (
                "25AB00",
                "bench",
                r.id,
                r.student_id,
                r.date.isoformat(),
                r.start.hour * 60 + r.start.minute,
                r.end.hour * 60 + r.end.minute,
                r.status,
                r.reason,
                r.minutes_late,
                1,
                n,
                0,
            )
            for r in records
        ]
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO attendance VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        conn.execute("COMMIT")
        elapsed += time.perf_counter() - t0
    conn.close()
    return total / elapsed


def main() -> None:
    """Print both rates (medians) and their ratio."""
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    gw, bare = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            bare.append(bare_run(total, Path(tmp)))
            gw.append(gateway_run(total, Path(tmp)))
    g, b = statistics.median(gw), statistics.median(bare)
    print(f"ingest: {total} records in batches of {BATCH}, {runs} runs (medians); load {os.getloadavg()}")
    print(f"  gateway ingest      {g:>10,.0f} records/s   (target >= 50,000)")
    print(f"  bare executemany    {b:>10,.0f} records/s")
    print(f"  ratio               {g / b:>10.2f}          (target >= 0.50)")


if __name__ == "__main__":
    main()
