"""The run-time test PKI: what each certificate must carry, and that keys stay private."""

from __future__ import annotations

import ssl
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gateway.domain.oin import certificate_oin
from gateway.testing.pki import (
    DemoPki,
    create_ca,
    demo_pki,
    issue_client_cert,
    issue_server_cert,
    issue_smime_cert,
)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return demo_pki(tmp_path_factory.mktemp("pki"))


def _verify_with_openssl(ca: Path, cert: Path, purpose: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", "verify", "-CAfile", str(ca), "-purpose", purpose, str(cert)],
        capture_output=True, text=True, check=False,
    )


def test_server_cert_names_loopback_in_san() -> None:
    """A server certificate lists localhost as DNS name and 127.0.0.1 as IP address."""
    ca = create_ca("t")
    cert = issue_server_cert(ca, ["localhost", "127.0.0.1"]).certificate
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


def test_client_cert_carries_oin_in_subject_serial_number() -> None:
    """A client certificate has the OIN in subject.serialNumber, as PKIoverheid does."""
    ca = create_ca("t")
    cert = issue_client_cert(ca, "gateway", "00000009123456780000").certificate
    assert certificate_oin(cert) == "00000009123456780000"
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku


def test_smime_cert_has_email_san_and_usages() -> None:
    """An S/MIME certificate: emailAddress SAN, signature + key encipherment, emailProtection."""
    ca = create_ca("t")
    cert = issue_smime_cert(ca, "a@b.example", "A").certificate
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["a@b.example"]
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_encipherment
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert cert.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)[0].value == "a@b.example"


def test_cert_without_oin_has_none() -> None:
    """A certificate without serialNumber has no OIN."""
    assert certificate_oin(create_ca("t").certificate) is None


def test_demo_keys_are_written_owner_only(pki: DemoPki) -> None:
    """Every private key file of the demo PKI has mode 0600."""
    keys = sorted(pki.directory.glob("*.key"))
    assert len(keys) >= 7
    for key in keys:
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key.name


def test_rewriting_a_key_keeps_mode_0600(tmp_path: Path) -> None:
    """Writing a pair again over an existing key file still leaves it 0600."""
    pair = issue_client_cert(create_ca("t"), "g", "1")
    pair.write(tmp_path, "x")
    (tmp_path / "x.key").chmod(0o644)
    _, key = pair.write(tmp_path, "x")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_demo_chain_verifies_with_openssl(pki: DemoPki) -> None:
    """openssl accepts the server, client and S/MIME certificates for their purposes."""
    assert _verify_with_openssl(pki.ca_cert, pki.duo_server.cert, "sslserver").returncode == 0
    assert _verify_with_openssl(pki.ca_cert, pki.gateway_client.cert, "sslclient").returncode == 0
    for files in [pki.school_smime, *pki.receivers.values()]:
        assert _verify_with_openssl(pki.ca_cert, files.cert, "smimeencrypt").returncode == 0


def test_rogue_client_does_not_chain_to_demo_ca(pki: DemoPki) -> None:
    """The rogue client certificate is issued by another CA and fails verification."""
    result = _verify_with_openssl(pki.ca_cert, pki.rogue_client.cert, "sslclient")
    assert result.returncode != 0


def test_demo_files_load_into_ssl_context(pki: DemoPki) -> None:
    """The written PEM files load into a Python SSLContext as cert chain and trust anchor."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.duo_server.cert, pki.duo_server.key)
    ctx.load_verify_locations(pki.ca_cert)


def test_demo_receivers_cover_leerplicht_rmc_dsp(pki: DemoPki) -> None:
    """The demo PKI has S/MIME certificates for Leerplicht, RMC and DSP."""
    assert set(pki.receivers) == {"leerplicht", "rmc", "dsp"}
    assert certificate_oin(x509.load_pem_x509_certificate(pki.gateway_client.cert.read_bytes())) == (
        pki.gateway_oin
    )
