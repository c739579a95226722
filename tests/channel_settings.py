"""What tests of the real channels share: the demo PKI with a certificate for the SMTP sandbox, the
DUO stand-in and the SMTP sandbox running, and a school's ``[channels.duo]`` and ``[channels.mail]``
tables for the stand-ins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.duo.standin import RunningStandin, StandinConfig, start_standin
from adapters.mail.sandbox import SandboxSmtp, running_sandbox
from gateway.testing.pki import DEMO_SCHOOL_EMAIL, DemoPki, PemFiles, demo_pki, issue_server_cert


@dataclass(frozen=True)
class ChannelPki:
    """The demo PKI plus the SMTP sandbox's server certificate."""

    demo: DemoPki
    smtp_server: PemFiles


def channel_pki(folder: Path) -> ChannelPki:
    """A fresh demo PKI in ``folder``, with a server certificate for the SMTP sandbox on loopback."""
    demo = demo_pki(folder)
    cert, key = issue_server_cert(demo.ca, ("127.0.0.1", "localhost")).write(folder, "smtp-server")
    return ChannelPki(demo, PemFiles(cert, key))


@contextmanager
def smtp_sandbox(pki: ChannelPki, folder: Path) -> Iterator[SandboxSmtp]:
    """A running STARTTLS SMTP sandbox on a free loopback port, delivering into ``folder/maildir``."""
    with running_sandbox(folder / "maildir", pki.smtp_server.cert, pki.smtp_server.key) as server:
        yield server


@contextmanager
def duo_standin(
    pki: ChannelPki, folder: Path, *, server: PemFiles | None = None, duo_oin: str | None = None
) -> Iterator[RunningStandin]:
    """A running DUO stand-in (mutual TLS, WS-Security, the Verzuimloket schema) that accepts the demo
    gateway and answers as ``duo_oin`` with ``server``'s certificate (default: the demo DUO's)."""
    demo = pki.demo
    server = server or demo.duo_server
    running = start_standin(StandinConfig(
        server.cert, server.key, demo.ca_cert, duo_oin or demo.duo_oin,
        gateway_oins=frozenset({demo.gateway_oin}), save_dir=folder / "duo"))
    try:
        yield running
    finally:
        running.stop()


def duo_table(demo: DemoPki, endpoint: str, **changes: Any) -> dict[str, Any]:
    """``[channels.duo]`` for the DUO stand-in at ``endpoint``: the demo gateway's client
    certificate and the demo DUO's OIN; ``changes`` replace or add settings."""
    return {"endpoint": endpoint, "duo_oin": demo.duo_oin,
            "client_cert": str(demo.gateway_client.cert), "client_key": str(demo.gateway_client.key),
            "ca": str(demo.ca_cert), **changes}


def mail_table(demo: DemoPki, port: int, **changes: Any) -> dict[str, Any]:
    """``[channels.mail]`` for the SMTP sandbox on ``port``, signing as the demo school. It names no
    ``duo_oin``: a school writes DUO's OIN once, in ``[channels.duo]`` (a mail channel built on its
    own is given ``duo_oin=``); ``changes`` replace or add settings."""
    return {"smtp_host": "127.0.0.1", "smtp_port": port, "ca_file": str(demo.ca_cert),
            "sender": DEMO_SCHOOL_EMAIL, "signing_cert": str(demo.school_smime.cert),
            "signing_key": str(demo.school_smime.key), **changes}
