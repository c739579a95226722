"""Fixtures for the mail channel: a run-time PKI, a STARTTLS SMTP sandbox, a configured channel."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.mail import MailChannel, create_channel
from adapters.mail.sandbox import SandboxSmtp, running_sandbox
from gateway.domain.ports import OutgoingMelding
from gateway.testing.pki import DemoPki, PemFiles, demo_pki, issue_server_cert
from tests.mail.helpers import make_melding, recipient


@dataclass(frozen=True)
class MailPki:
    """The demo PKI plus the SMTP sandbox's server certificate."""

    demo: DemoPki
    smtp_server: PemFiles


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> MailPki:
    """A fresh PKI for this test session (worker): CA, school, receivers, SMTP server."""
    directory = tmp_path_factory.mktemp("pki")
    demo = demo_pki(directory)
    cert, key = issue_server_cert(demo.ca, ("127.0.0.1", "localhost")).write(directory, "smtp-server")
    return MailPki(demo, PemFiles(cert, key))


@pytest.fixture
def sandbox(pki: MailPki, tmp_path: Path) -> Iterator[SandboxSmtp]:
    """A running STARTTLS SMTP sandbox on a free loopback port, delivering into a maildir."""
    with running_sandbox(tmp_path / "maildir", pki.smtp_server.cert, pki.smtp_server.key) as server:
        yield server


def channel_config(pki: MailPki, port: int, **changes: Any) -> dict[str, Any]:
    """The mail channel configuration for the sandbox on ``port``."""
    config: dict[str, Any] = {
        "smtp_host": "127.0.0.1", "smtp_port": port, "ca_file": str(pki.demo.ca_cert),
        "sender": "verzuim@school.example", "sender_name": "Verzuimloket ROC Voorbeeld",
        "signing_cert": str(pki.demo.school_smime.cert), "signing_key": str(pki.demo.school_smime.key),
        "duo_oin": pki.demo.duo_oin, "timeout": 10,
    }
    config.update(changes)
    return config


@pytest.fixture
def channel(pki: MailPki, sandbox: SandboxSmtp) -> MailChannel:
    """The mail channel, configured for the sandbox."""
    return create_channel(channel_config(pki, sandbox.port))


@pytest.fixture
def melding(pki: MailPki) -> OutgoingMelding:
    """A melding for the demo Leerplicht desk."""
    files = pki.demo.receivers["leerplicht"]
    desk = recipient("Leerplicht Gemeente Voorbeeld", "leerplicht@gemeente.example", files.cert)
    return make_melding((desk,))
