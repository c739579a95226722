"""`verzuim-gateway serve` and `api-key`: keys made on the command line open the served API."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner

from gateway import pipeline
from gateway.api.server import serve_in_thread
from gateway.cli import cli
from gateway.config.settings import Settings, open_store, write_key_file
from tests.api.helpers import SCHOOL


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A data folder with keys, a migrated store and the test school."""
    data = tmp_path / "data"
    write_key_file(data)
    environ = {"VERZUIM_DATA_DIR": str(data)}
    store = open_store(Settings.from_env(environ), migrate=True)
    pipeline.register_school(store, SCHOOL, "test")
    store.close()
    return environ


def _run(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env=env)


def test_created_key_opens_the_served_api(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A key from `api-key create` works against the app `serve` builds."""
    created = _run(env, "api-key", "create", SCHOOL.id, "--label", "leverancier")
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    served: dict[str, Any] = {}

    def run(server: uvicorn.Server, sockets: list[socket.socket]) -> None:
        served.update(app=server.config.app, port=sockets[0].getsockname()[1], host=server.config.host)
        sockets[0].close()

    monkeypatch.setattr("gateway.cli.serve.uvicorn.Server.run", run)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert _run(env, "serve", "--port", str(port)).exit_code == 0
    assert served["port"] == port and served["host"] == "127.0.0.1"
    monkeypatch.undo()  # serve_in_thread below runs a real uvicorn server
    with serve_in_thread(served["app"]) as handle:
        response = httpx.get(f"{handle.url}/api/v1/schools/{SCHOOL.id}/meldingen",
                             headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.json()["items"] == []


def test_key_for_unknown_school_is_refused(env: dict[str, str]) -> None:
    """Keys are only made for registered schools."""
    result = _run(env, "api-key", "create", "NOPE")
    assert result.exit_code != 0 and "niet geregistreerd" in result.output


def test_list_shows_keys_without_secrets_and_revoke_disables(env: dict[str, str]) -> None:
    """The list shows ids and schools, never the key; revoke marks it."""
    key = _run(env, "api-key", "create", SCHOOL.id).stdout.strip().splitlines()[-1]
    key_id = key.split("_")[1]
    listing = _run(env, "api-key", "list").output
    assert key_id in listing and key not in listing and "actief" in listing
    assert _run(env, "api-key", "revoke", key_id).exit_code == 0
    assert "ingetrokken" in _run(env, "api-key", "list").output


def test_revoking_an_unknown_key_is_an_error(env: dict[str, str]) -> None:
    """A typo in the key id is reported."""
    assert _run(env, "api-key", "revoke", "deadbeef").exit_code != 0
