"""The Alembic migrations build exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import gateway.api.keys  # declares the push API's key table in the same metadata
import gateway.store.face_tables  # noqa: F401 - declares the console's tables in the same metadata
from gateway.store.schema import metadata


def test_migrated_database_matches_the_declared_tables(store):
    """Nothing the code declares is missing from the migrations, and nothing is extra."""
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert [d for d in differences if not (isinstance(d, tuple) and d[0] == "remove_table"
                                           and d[1].name == "alembic_version")] == []
