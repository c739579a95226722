"""Push-API keys live in the store: they outlast the app, every API host sees them, creation and
revocation are audited. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import sqlalchemy as sa

from gateway import pipeline
from gateway.api.app import ApiSettings, create_app
from gateway.api.keys import create_api_key, revoke_api_key
from gateway.api.server import serve_in_thread
from gateway.config.school import SchoolConfig
from gateway.domain.errors import ConfigurationError
from gateway.store import Store, audit
from gateway.store.crypto import FieldCipher
from gateway.store.schema import audit_log
from tests.store.conftest import KEYS
from tests.store.helpers import AS_OF, SCHOOL

OTHER = SchoolConfig(id="88YY00", brin="88YY", oin="00000008888888880000", name="ROC Ander")


@contextmanager
def served(store: Store) -> Iterator[httpx.Client]:
    """The push API on ``store``, on a free loopback port, with a client."""
    app = create_app(ApiSettings(), store, clock=lambda: AS_OF)
    with serve_in_thread(app) as handle, httpx.Client(base_url=handle.url, timeout=30) as client:
        yield client


def _meldingen(client: httpx.Client, key: str, school_id: str = SCHOOL.id) -> httpx.Response:
    return client.get(f"/api/v1/schools/{school_id}/meldingen", headers={"Authorization": f"Bearer {key}"})


def test_push_key_survives_a_restart_of_the_app_on_the_same_store(store: Store, store_url: str) -> None:
    """A key made before the app stops opens the API of a new app on a new connection to the same store."""
    _, key = create_api_key(store, SCHOOL.id, "leverancier", actor="beheerder")
    with served(store) as client:
        assert _meldingen(client, key).status_code == 200
    store.close()
    restarted = Store.open(store_url, FieldCipher(KEYS, "k1"))
    try:
        with served(restarted) as client:
            assert _meldingen(client, key).status_code == 200
    finally:
        restarted.close()


def test_key_revoked_on_one_host_is_refused_at_once_by_another(store: Store, store_url: str) -> None:
    """Two API hosts on one database: revoking on one makes the other refuse the key (401)."""
    entry, key = create_api_key(store, SCHOOL.id, actor="beheerder")
    other_host = Store.open(store_url, FieldCipher(KEYS, "k1"))
    try:
        with served(other_host) as client:
            assert _meldingen(client, key).status_code == 200
            assert revoke_api_key(store, entry.key_id, actor="beheerder")
            assert _meldingen(client, key).status_code == 401
    finally:
        other_host.close()


def test_key_of_one_school_cannot_read_another_school(store: Store) -> None:
    """A key of school A gets 403 on school B's meldingen, whichever database holds the keys."""
    pipeline.register_school(store, OTHER, "test")
    _, key = create_api_key(store, SCHOOL.id, actor="beheerder")
    with served(store) as client:
        response = _meldingen(client, key, OTHER.id)
    assert response.status_code == 403 and "andere school" in response.json()["detail"]


def test_audit_holds_key_creation_and_revocation_without_the_key(store: Store) -> None:
    """Creation and revocation are audit entries naming school, key id and actor; the key is nowhere."""
    entry, key = create_api_key(store, SCHOOL.id, "leverancier", actor="beheerder")
    revoke_api_key(store, entry.key_id, actor="beheerder")
    made, revoked = reversed([e for e in audit.entries(store, subject=entry.key_id)])
    assert (made["action"], made["school_id"], made["actor"]) == ("api-sleutel.aangemaakt", SCHOOL.id,
                                                                  "beheerder")
    assert (revoked["action"], revoked["school_id"]) == ("api-sleutel.ingetrokken", SCHOOL.id)
    with store.read() as conn:
        stored = " ".join(str(v) for row in conn.execute(sa.select(audit_log)) for v in row)
    assert key not in stored and key.split("_", 2)[2] not in stored


def test_no_key_is_made_for_an_unregistered_school(store: Store) -> None:
    """A key for a school the store does not know is refused, naming the school."""
    with pytest.raises(ConfigurationError, match="77ZZ00"):
        create_api_key(store, "77ZZ00", actor="beheerder")
