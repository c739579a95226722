"""Fixtures: one PKI per test worker, a fresh stand-in and channel per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.duo.channel import DuoChannel, DuoConfig
from adapters.duo.standin import RunningStandin, StandinConfig, start_standin
from gateway.testing.pki import DemoPki, PemFiles, demo_pki, issue_client_cert

OTHER_GATEWAY_OIN = "00000009888888880000"


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return demo_pki(tmp_path_factory.mktemp("duo-pki"))


@pytest.fixture(scope="session")
def other_gateway(pki: DemoPki, tmp_path_factory: pytest.TempPathFactory) -> PemFiles:
    """A client certificate from the same CA as the gateway's, for another OIN."""
    pair = issue_client_cert(pki.ca, "andere-gateway", OTHER_GATEWAY_OIN)
    return PemFiles(*pair.write(tmp_path_factory.mktemp("other-gateway"), "other-gateway"))


def standin_config(pki: DemoPki, **changes: Any) -> StandinConfig:
    values: dict[str, Any] = {
        "server_cert": pki.duo_server.cert, "server_key": pki.duo_server.key,
        "ca": pki.ca_cert, "duo_oin": pki.duo_oin,
        "gateway_oins": frozenset({pki.gateway_oin}),
    }
    values.update(changes)
    return StandinConfig(**values)


@pytest.fixture
def standin(pki: DemoPki, tmp_path: Path) -> Iterator[RunningStandin]:
    running = start_standin(standin_config(pki, save_dir=tmp_path / "duo"))
    yield running
    running.stop()


def make_channel(pki: DemoPki, url: str, **changes: Any) -> DuoChannel:
    values: dict[str, Any] = {
        "endpoint": url, "duo_oin": pki.duo_oin, "client_cert": pki.gateway_client.cert,
        "client_key": pki.gateway_client.key, "ca": pki.ca_cert, "read_timeout": 5.0,
        "connect_timeout": 2.0,
    }
    values.update(changes)
    return DuoChannel(DuoConfig(**values))


@pytest.fixture
def channel(pki: DemoPki, standin: RunningStandin) -> Iterator[DuoChannel]:
    made = make_channel(pki, standin.url)
    yield made
    made.close()
