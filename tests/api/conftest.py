"""Fixtures: a migrated SQLite store with two schools, their API keys, and the app on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gateway import pipeline
from gateway.api.app import ApiSettings, create_app
from gateway.api.keys import create_api_key
from gateway.api.server import serve_in_thread
from gateway.store import Store
from gateway.store.crypto import FieldCipher
from tests.api.helpers import AS_OF, OTHER, SCHOOL

KEYS = {"k1": bytes(range(32))}


@dataclass
class Api:
    """The running app: a client, the keys of both schools, the store."""

    url: str
    client: httpx.Client
    key: str
    other_key: str
    store: Store

    def auth(self, key: str | None = None) -> dict[str, str]:
        """Headers with the test school's key (or ``key``)."""
        return {"Authorization": f"Bearer {key or self.key}"}


def make_store(tmp_path: Path) -> Store:
    """A migrated SQLite store with both schools registered."""
    store = Store.open(f"sqlite:///{tmp_path / 'gateway.db'}", FieldCipher(KEYS, "k1"))
    store.migrate()
    pipeline.register_school(store, SCHOOL, "test")
    pipeline.register_school(store, OTHER, "test")
    return store


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """The push API served by uvicorn on 127.0.0.1 (a free port), with a fresh store."""
    store = make_store(tmp_path)
    _, key = create_api_key(store, SCHOOL.id, "leverancier", actor="test")
    _, other = create_api_key(store, OTHER.id, "ander", actor="test")
    app = create_app(ApiSettings(max_body_bytes=64 * 1024), store, clock=lambda: AS_OF)
    with serve_in_thread(app) as handle, httpx.Client(base_url=handle.url, timeout=30) as client:
        yield Api(handle.url, client, key, other, store)
    store.close()
