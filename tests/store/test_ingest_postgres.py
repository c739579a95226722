"""PostgreSQL re-ingest: stored records are looked up by primary-key probes whatever the statistics say."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from gateway.store import Store
from gateway.store import attendance as attendance_repo
from gateway.store import students as students_repo
from tests.store.conftest import drop_schema, pg_available, pg_schema_url, school_store
from tests.store.helpers import SCHOOL, absences, student

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store() -> Iterator[Store]:
    """A migrated PostgreSQL store (this plan exists only there)."""
    if not pg_available():
        pytest.skip("PostgreSQL niet bereikbaar")
    schema, url = pg_schema_url()
    try:
        with school_store(url) as s:
            yield s
    finally:
        drop_schema(schema)


@pytest.mark.parametrize("analysed", [False, True], ids=["statistics-say-empty", "statistics-current"])
def test_stored_records_are_found_by_primary_key_probes(pg_store, analysed):
    """Whether the statistics say the table is empty or are current, the lookup probes the primary key."""
    records = absences("S1", [date(2026, 9, 1) + timedelta(days=d) for d in range(1500)], per_day=4)
    with pg_store.write() as conn:
        students_repo.upsert_students(conn, pg_store.cipher, SCHOOL.id, [student("S1")], 1)
        # 6,000 rows written without the ingest's ANALYZE: the statistics still say "empty".
        attendance_repo.upsert_records(conn, SCHOOL.id, "eduarte", records, 1)
        if analysed:
            conn.exec_driver_sql("ANALYZE attendance")
        conn.exec_driver_sql(
            "INSERT INTO ingest_batch SELECT record_id, student_id, day, start_min, end_min, status, "
            "reason, minutes_late FROM attendance"
        )
        plan = "\n".join(
            row[0]
            for row in conn.exec_driver_sql(
                "EXPLAIN " + attendance_repo._PG_CHANGED,  # the statement ingest runs
                {"school": SCHOOL.id, "source": "eduarte", "seq": 2},
            )
        )
    assert "Index Scan using attendance_pkey" in plan and "Seq Scan on attendance" not in plan
