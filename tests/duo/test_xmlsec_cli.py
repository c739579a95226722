"""The signature of an outgoing request verifies with the xmlsec1 command-line tool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from adapters.duo.channel import DuoChannel
from adapters.duo.standin import RunningStandin
from adapters.duo.xmlsafe import SOAP_ENV, WSA, WSU
from gateway.testing.pki import DemoPki

from .helpers import melding

pytestmark = pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="xmlsec1 not installed")

ID_NODES = [f"{SOAP_ENV}:Body", f"{WSU}:Timestamp",
            *(f"{WSA}:{name}" for name in ("To", "From", "MessageID", "Action", "ReplyTo"))]


def xmlsec1_verify(document: Path, cert: Path) -> subprocess.CompletedProcess[str]:
    args = ["xmlsec1", "--verify", "--pubkey-cert-pem", str(cert)]
    for node in ID_NODES:
        args += ["--id-attr:Id", node]
    return subprocess.run([*args, str(document)], capture_output=True, text=True, check=False)


def test_outgoing_request_verifies_with_xmlsec1(pki: DemoPki, channel: DuoChannel,
                                                standin: RunningStandin) -> None:
    """xmlsec1 verifies all seven references (Body, Timestamp, five WSA headers)."""
    channel.deliver(melding())
    saved = next(standin.app.config.save_dir.glob("*MeldenVerzuim.xml"))  # type: ignore[union-attr]
    result = xmlsec1_verify(saved, pki.gateway_client.cert)
    assert result.returncode == 0, result.stderr
    assert "References (ok/all): 7/7" in result.stderr + result.stdout


def test_tampered_request_fails_xmlsec1(pki: DemoPki, channel: DuoChannel,
                                        standin: RunningStandin, tmp_path: Path) -> None:
    """Changing the signed wsa:To after signing makes xmlsec1 refuse the document."""
    channel.deliver(melding())
    saved = next(standin.app.config.save_dir.glob("*MeldenVerzuim.xml"))  # type: ignore[union-attr]
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(saved.read_bytes().replace(b"?oin=", b"?oin=9"))
    assert xmlsec1_verify(tampered, pki.gateway_client.cert).returncode != 0
