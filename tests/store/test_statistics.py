"""Planner statistics: ANALYZE after migrations and after bulk loads, not after small batches."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from gateway import pipeline
from gateway.domain.ports import SourceBatch
from gateway.store import statistics
from tests.store.helpers import CALENDAR, SCHOOL, absences, student

AS_OF = date(2027, 7, 16)


def _analysed(store, table: str) -> int | None:
    """The row count ``table``'s statistics hold (None: never analysed), read from the catalog."""
    with store.read() as conn:
        if store.dialect == "postgresql":
            n = conn.exec_driver_sql(
                "SELECT c.reltuples FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
                "WHERE c.oid = to_regclass(%s) AND s.last_analyze IS NOT NULL",
                (table,),
            ).scalar()
            return None if n is None else int(n)
        if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
            return None
        stat = conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = ? LIMIT 1", (table,)).scalar()
        return None if stat is None else int(str(stat).split()[0])


def _ingest(store, records, students=()):
    batch = SourceBatch(students=list(students), records=records, calendar=CALENDAR)
    result = pipeline.ingest(store, SCHOOL.id, "eduarte", batch, "test", as_of=AS_OF)
    assert result.accepted
    return result


def _year(sid: str, days: int) -> list:
    return absences(sid, [date(2026, 9, 1) + timedelta(days=d) for d in range(days)], per_day=4)


def test_migrate_analyses_every_table(store):
    """After the migrations every table of the store has statistics (empty tables: zero rows)."""
    if store.dialect == "postgresql":
        with store.read() as conn:
            never = conn.exec_driver_sql(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                "AND last_analyze IS NULL AND relname <> 'alembic_version'"
            ).scalars().all()
        assert never == []
    else:
        with store.read() as conn:
            assert conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()


def test_bulk_ingest_analyses_attendance(store):
    """A batch that fills a large share of the attendance table leaves its statistics current."""
    records = _year("S1", 150)
    _ingest(store, records, [student("S1")])
    assert _analysed(store, "attendance") == len(records) == 600


def test_small_batch_leaves_the_statistics_alone(store):
    """A handful of records is no bulk load: no ANALYZE for it."""
    before = _analysed(store, "attendance")
    _ingest(store, _year("S1", 2), [student("S1")])
    assert _analysed(store, "attendance") == before


def test_table_loaded_in_many_batches_is_analysed_as_it_grows(store):
    """Batches below the threshold add up: once a fifth more rows came in since, it is analysed again."""
    _ingest(store, _year("S1", 150), [student("S1")])  # 600 rows, analysed
    _ingest(store, _year("S2", 25), [student("S2")])  # 100 more: a sixth, below the threshold of 500
    assert _analysed(store, "attendance") == 600
    for n in range(3, 8):
        _ingest(store, _year(f"S{n}", 25), [student(f"S{n}")])  # 600 more in all since the analysis
    assert _analysed(store, "attendance") > 600  # SQLite estimates from a sample: about 1,200


def test_re_ingest_of_unchanged_records_does_not_analyse(store):
    """A snapshot equal to what is stored writes nothing, so there is nothing to analyse for."""
    records = _year("S1", 150)
    _ingest(store, records, [student("S1")])
    before = _analysed(store, "attendance")
    _ingest(store, records)
    assert _analysed(store, "attendance") == before == 600


def test_a_fifth_of_the_table_is_a_bulk_load():
    """The threshold: at least BULK_MIN_ROWS rows and a fifth of what the table held when analysed."""
    assert statistics.is_bulk(600, None)
    assert not statistics.is_bulk(400, None)
    assert statistics.is_bulk(2_000, 10_000)
    assert not statistics.is_bulk(1_999, 10_000)


def test_only_store_tables_are_analysed(store):
    """A name that is not one of the store's tables is ignored, never put into SQL."""
    with store.write() as conn:
        statistics.analyze(conn, ["attendance; DROP TABLE students"])
        assert conn.scalar(sa.text("SELECT count(*) FROM students")) == 0
