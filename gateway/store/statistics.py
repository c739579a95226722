"""Planner statistics kept current: ANALYZE after migrations and after bulk loads.

PostgreSQL's autovacuum analyses a table only a while after it changed, and SQLite never does on its
own; until then the planner guesses row counts and may scan a whole table where a key lookup was
meant. The gateway therefore analyses the tables it just changed a large share of, itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from gateway.store.schema import metadata

# Re-analyse a table once this share of the rows it held when last analysed was written since (the
# rule autovacuum uses, at twice its default 10 %: a load of a year runs ANALYZE about 15 times for
# 1 M records, each reading a sample of 30,000 rows). As a table grows, analyses grow further apart.
BULK_SHARE = 0.20
# ... but not for a handful of rows: a small table is read in full by any plan.
BULK_MIN_ROWS = 500
# Rows a page of 8 kB holds, roughly, for a table analysed while it was empty.
_ROWS_PER_PAGE_GUESS = 50
# SQLite reads this many index entries per index (not the whole table) to estimate its statistics.
SQLITE_ANALYSIS_LIMIT = 1000


def analyze(conn: sa.Connection, tables: Iterable[str]) -> None:
    """Refresh the planner statistics of ``tables`` (names from the store's schema)."""
    names = [t for t in dict.fromkeys(tables) if t in metadata.tables]  # never a name from elsewhere
    if not names:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        for name in names:
            conn.exec_driver_sql(f'ANALYZE "{name}"')
    else:
        conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{name}"' for name in names))


def analyze_all(conn: sa.Connection) -> None:
    """Refresh the statistics of every table of the store (after a migration)."""
    present = set(sa.inspect(conn).get_table_names())
    analyze(conn, [t.name for t in metadata.sorted_tables if t.name in present])


def rows_when_analysed(conn: sa.Connection, table: str) -> int | None:
    """How many rows ``table`` held by its latest statistics; None if it was never analysed."""
    if conn.dialect.name == "sqlite":
        stat = conn.exec_driver_sql(
            "SELECT stat FROM sqlite_master m JOIN sqlite_stat1 s ON s.tbl = m.name "
            "WHERE m.type = 'table' AND m.name = ? LIMIT 1",
            (table,),
        ).scalar() if _sqlite_has_stat1(conn) else None
        return int(str(stat).split()[0]) if stat is not None else None
    # reltuples is -1 for a table never analysed (or vacuumed) since it was created.
    reltuples = conn.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", (table,)
    ).scalar()
    return None if reltuples is None or reltuples < 0 else int(reltuples)


def _sqlite_has_stat1(conn: sa.Connection) -> bool:
    return conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).first() is not None


def rows_changed_since(conn: sa.Connection, table: str, rows_before: int | None) -> int:
    """About how many rows were added to ``table`` since its latest statistics, read from its size.

    Deterministic on purpose: PostgreSQL's own counter (``n_mod_since_analyze``) lags up to a
    second behind other sessions' writes. On PostgreSQL the table's pages now against its pages
    when analysed (the scaling the planner itself applies); SQLite's tables append rowids, so the
    highest rowid past the row count the statistics hold.
    """
    if conn.dialect.name == "sqlite":
        top = conn.exec_driver_sql(f'SELECT max(rowid) FROM "{table}"').scalar()  # noqa: S608
        return max(0, int(top or 0) - (rows_before or 0))
    row = conn.exec_driver_sql(
        "SELECT relpages, pg_relation_size(oid) / current_setting('block_size')::int FROM pg_class "
        "WHERE oid = to_regclass(%s)",
        (table,),
    ).first()
    if row is None:
        return 0
    pages_then, pages_now = int(row[0]), int(row[1])
    if pages_then == 0:  # analysed while empty: no density known, so a rough one for the first look
        return pages_now * _ROWS_PER_PAGE_GUESS
    return max(0, round((rows_before or 0) * (pages_now / pages_then - 1)))


def is_bulk(rows_changed: int, rows_before: int | None) -> bool:
    """Whether ``rows_changed`` rows since the latest statistics are a large share of the table."""
    if rows_changed < BULK_MIN_ROWS:
        return False
    return rows_before is None or rows_changed >= BULK_SHARE * rows_before


def analyze_after_bulk(conn: sa.Connection, rows_changed: Mapping[str, int]) -> list[str]:
    """Analyse the tables a batch left changed by a large share since their latest statistics.

    ``rows_changed`` holds the rows the batch wrote per table; earlier batches' writes since the
    latest ANALYZE count too, so a table loaded in many small batches is analysed as it grows.
    Returns the tables analysed.
    """
    bulk = []
    for table, n in rows_changed.items():
        if table not in metadata.tables:
            continue
        before = rows_when_analysed(conn, table)
        if is_bulk(max(n, rows_changed_since(conn, table, before)), before):
            bulk.append(table)
    analyze(conn, bulk)
    return bulk
