"""The Alembic migrations build exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import gateway.api.keys  # declares the push API's key table in the same metadata
import gateway.store.face_tables  # noqa: F401 - declares the console's tables in the same metadata
from gateway.store import Store
from gateway.store.crypto import FieldCipher
from gateway.store.schema import meldingen, metadata
from tests.store.conftest import KEYS


def test_migrated_database_matches_the_declared_tables(store):
    """Nothing the code declares is missing from the migrations, and nothing is extra."""
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert [d for d in differences if not (isinstance(d, tuple) and d[0] == "remove_table"
                                           and d[1].name == "alembic_version")] == []


def test_a_melding_delivered_before_0007_gets_its_delivery_moment_from_the_audit_log(store_url):
    """The receivers' deadlines and the figures count from delivered_at; older meldingen take the
    first receipt in the audit log (``melding.verzonden``), in UTC."""
    old = Store.open(store_url, FieldCipher(KEYS, "k1"))
    try:
        old.migrate("0006")
        with old.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO meldingen (id, school_id, business_id, student_id, rule, kind, recipient, "
                "status, trigger_date, period_start, signal, profile_stamp, created_at, updated_at) VALUES "
                "('m1', 's', 'b', 'S1', 'no-show', 'melding', 'dsp', 'ontvangen', '2026-09-04', "
                "'2026-09-04', '{}', 'p', '2026-09-04 08:00:00', '2026-09-04 08:00:00')"))
            for seq, ts in ((1, "2026-09-04T10:00:00.000000+02:00"), (2, "2026-09-05T10:00:00.000000+00:00")):
                conn.execute(sa.text(
                    "INSERT INTO audit_log (seq, ts, actor, action, subject, data, prev_hash, hash) VALUES "
                    f"({seq}, '{ts}', 'w', 'melding.verzonden', 'm1', '{{}}', 'x', 'y{seq}')"))
        old.migrate()
        with old.read() as conn:
            assert conn.scalar(sa.select(meldingen.c.delivered_at)) == datetime(2026, 9, 4, 8, 0)
    finally:
        old.close()
