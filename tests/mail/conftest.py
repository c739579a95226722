"""Fixtures for the mail channel: a run-time PKI, a STARTTLS SMTP sandbox, a configured channel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.mail import MailChannel, create_channel
from adapters.mail.sandbox import SandboxSmtp
from gateway.domain.ports import OutgoingMelding
from tests.channel_settings import ChannelPki, channel_pki, mail_table, smtp_sandbox
from tests.mail.helpers import make_melding, recipient


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> ChannelPki:
    """A fresh PKI for this test session (worker): CA, school, receivers, SMTP server."""
    return channel_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def sandbox(pki: ChannelPki, tmp_path: Path) -> Iterator[SandboxSmtp]:
    """A running STARTTLS SMTP sandbox on a free loopback port, delivering into a maildir."""
    with smtp_sandbox(pki, tmp_path) as server:
        yield server


def channel_config(pki: ChannelPki, port: int, **changes: Any) -> dict[str, Any]:
    """The mail channel configuration for the sandbox on ``port`` (a channel on its own: with DUO's OIN)."""
    return mail_table(pki.demo, port, **{"sender_name": "Verzuimloket ROC Voorbeeld",
                                        "duo_oin": pki.demo.duo_oin, "timeout": 10, **changes})


@pytest.fixture
def channel(pki: ChannelPki, sandbox: SandboxSmtp) -> MailChannel:
    """The mail channel, configured for the sandbox."""
    return create_channel(channel_config(pki, sandbox.port))


@pytest.fixture
def melding(pki: ChannelPki) -> OutgoingMelding:
    """A melding for the demo Leerplicht desk."""
    files = pki.demo.receivers["leerplicht"]
    desk = recipient("Leerplicht Gemeente Voorbeeld", "leerplicht@gemeente.example", files.cert)
    return make_melding((desk,))
