"""One worker sending to the DUO stand-in with several requests in flight (mutual TLS, WS-Security,
pooled keep-alive connections): every melding is registered exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.duo.standin import RunningStandin
from gateway.config.school import SchoolConfig
from gateway.delivery.worker import Worker, plugin_channels
from gateway.store import Store, audit, count_by_status
from gateway.testing.pki import DemoPki
from tests.channel_settings import duo_table
from tests.store.conftest import sqlite_store
from tests.store.helpers import SCHOOL, make_meldingen


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A migrated SQLite store (this test is about the channel, not the database)."""
    with sqlite_store(tmp_path) as s:
        yield s


def test_one_worker_with_four_in_flight_registers_each_melding_once(
    store: Store, pki: DemoPki, standin: RunningStandin
) -> None:
    """40 meldingen, four in flight at a time over at most four reused TLS connections: DUO
    registers each once, none is sent twice, and the audit chain verifies."""
    school = SchoolConfig(**{**SCHOOL.model_dump(), "channels": {"duo": duo_table(pki, standin.url)}})
    mids = make_meldingen(store, *(f"S{i:03d}" for i in range(40)), school=school)
    worker = Worker(store, plugin_channels(), worker_id="duo", batch=16, concurrency=4)
    try:
        handled = 0
        while done := worker.run_round():
            handled += done
    finally:
        worker.close()
    stats = standin.app.stats
    assert handled == len(mids) == 40
    assert count_by_status(store) == {"ontvangen": 40}
    assert (standin.app.registration_count(), stats.by_operation.get("MeldenVerzuim"), stats.duplicates) == (
        40, 40, 0)
    assert stats.connections <= 4  # keep-alive: one TLS handshake per sending thread at most
    assert audit.verify(store).ok
