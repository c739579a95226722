"""Fixtures: a migrated store on SQLite (a file in tmp_path) and on PostgreSQL (a schema per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from gateway import pipeline
from gateway.delivery.worker import RetryPolicy, Worker
from gateway.store import Store
from gateway.store.crypto import FieldCipher
from tests.store.helpers import AS_OF, SCHOOL, FakeChannel

PG_URL = os.environ.get("VERZUIM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
KEYS = {"k1": bytes(range(32))}


def pg_available() -> bool:
    """Whether the PostgreSQL server answers; in CI (CI=true) its absence is a failure, not a skip."""
    try:
        psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=3).close()
    except psycopg.OperationalError:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL op 127.0.0.1:5432 is niet bereikbaar (CI=true: dit is een fout)")
        return False
    return True


def pg_schema_url() -> tuple[str, str]:
    """A fresh schema for one test, and a URL whose connections use it."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    return schema, f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def drop_schema(schema: str) -> None:
    """Remove a test schema and everything in it."""
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gateway.db'}"
        return
    if not pg_available():
        pytest.skip("PostgreSQL niet bereikbaar")
    schema, url = pg_schema_url()
    try:
        yield url
    finally:
        drop_schema(schema)


@contextmanager
def sqlite_store(folder: Path) -> Iterator[Store]:
    """A migrated SQLite store in ``folder`` (for tests about channels, not the database)."""
    s = Store.open(f"sqlite:///{folder / 'gateway.db'}", FieldCipher(KEYS, "k1"))
    s.migrate()
    try:
        yield s
    finally:
        s.close()


@contextmanager
def school_store(url: str) -> Iterator[Store]:
    """A migrated store at ``url`` with the test school registered, closed afterwards."""
    s = Store.open(url, FieldCipher(KEYS, "k1"))
    s.migrate()
    pipeline.register_school(s, SCHOOL, "test")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated store with the test school registered."""
    with school_store(store_url) as s:
        yield s


@pytest.fixture
def channel() -> FakeChannel:
    """A fake channel that answers at once."""
    return FakeChannel()


@pytest.fixture
def worker(store: Store, channel: FakeChannel) -> Worker:
    """A worker on the test store, delivering to the fake channel, with no backoff waits to speak of."""
    return Worker(
        store,
        lambda school, route: channel,
        worker_id="test-worker",
        retry=RetryPolicy(initial=0.001, maximum=0.001, jitter=0, max_attempts=3, in_doubt_delay=0),
        today=lambda: AS_OF,
    )
