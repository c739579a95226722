"""Fixtures: a migrated SQLite store with two schools, users and meldingen; the app on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from gateway import pipeline
from gateway.api.app import ApiSettings, create_app
from gateway.api.server import serve_in_thread
from gateway.console import console_routers
from gateway.console.auth import User, create_user
from gateway.console.pages.errors import error_page
from gateway.delivery.routing import load_directory_data
from gateway.delivery.worker import RetryPolicy, Worker
from gateway.store import MeldingView, Store, list_meldingen
from gateway.store.crypto import FieldCipher
from tests.console.helpers import AS_OF, OTHER, PASSWORD, SCHOOL, other_batch, school_batch, sign_in
from tests.store.conftest import store_url  # noqa: F401  the fixture: an empty database of each kind
from tests.store.helpers import FakeChannel

KEYS = {"k1": bytes(range(32))}
FAST = RetryPolicy(initial=0.001, maximum=0.001, jitter=0, max_attempts=2, in_doubt_delay=0)


@dataclass
class Console:
    """The running app with its store; ``client()`` makes a fresh (cookie-less) HTTP client."""

    url: str
    store: Store
    clients: list[httpx.Client]
    today: date = AS_OF

    def client(self, username: str | None = None) -> httpx.Client:
        """A client on the app; signed in as ``username`` when given."""
        made = httpx.Client(base_url=self.url, timeout=30, follow_redirects=False)
        self.clients.append(made)
        if username is not None:
            response = sign_in(made, username)
            assert response.status_code == 303, response.text
        return made

    def melding(self, rule: str, student_id: str, school_id: str = SCHOOL.id) -> MeldingView:
        """The one melding of ``rule`` for ``student_id``."""
        (found,) = list_meldingen(self.store, school_id, rule=rule, student_id=student_id)
        return found

    def worker(self, channel: object) -> Worker:
        """A worker delivering through ``channel`` with hardly any backoff."""
        return Worker(self.store, lambda school, route: channel, worker_id="console-test", retry=FAST)


def make_store(path: Path) -> Store:
    """A migrated store with both schools, their data evaluated, and four users."""
    store = Store.open(f"sqlite:///{path}", FieldCipher(KEYS, "k1"))
    store.migrate()
    for school, batch in ((SCHOOL, school_batch()), (OTHER, other_batch())):
        pipeline.register_school(store, school, "test")
        assert pipeline.ingest(store, school.id, "test", batch, "test").accepted
        pipeline.evaluate(store, school.id, AS_OF)
    create_user(store, User("melder@voorbeeld", SCHOOL.id, "melder"), PASSWORD, actor="test")
    create_user(store, User("beheer@voorbeeld", SCHOOL.id, "beheerder"), PASSWORD, actor="test")
    create_user(store, User("melder@ander", OTHER.id, "melder"), PASSWORD, actor="test")
    return store


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    """The app (push API, console, feedback API) served by uvicorn on a free loopback port."""
    store = make_store(tmp_path / "gateway.db")
    running = Console("", store, [])
    app = create_app(ApiSettings(), store, clock=lambda: running.today,
                     extra_routers=console_routers(directory=load_directory_data()), error_pages=error_page)
    with serve_in_thread(app) as handle:
        running.url = handle.url
        yield running
        for client in running.clients:
            client.close()
    store.close()


@pytest.fixture
def channel() -> FakeChannel:
    """A fake channel that answers at once."""
    return FakeChannel()


@pytest.fixture
def deliver(console: Console, channel: FakeChannel) -> Callable[[], int]:
    """Run the worker until nothing is due; returns how many rows it handled."""

    def run() -> int:
        worker = console.worker(channel)
        handled = 0
        while worker.run_once():
            handled += 1
        return handled

    return run


@pytest.fixture
def bare_store(store_url: str) -> Iterator[Store]:  # noqa: F811  ``store_url`` is the imported fixture
    """An empty migrated store of each database kind (PostgreSQL in a schema of its own)."""
    store = Store.open(store_url, FieldCipher(KEYS, "k1"))
    store.migrate()
    try:
        yield store
    finally:
        store.close()
