"""A small PKI generated at run time, for tests and the demo (never for production keys).

It mimics what PKIoverheid issues: a CA, TLS server certificates, TLS client certificates with
the OIN in ``subject.serialNumber``, and S/MIME certificates for schools and receivers. Nothing
here is ever committed: every run makes fresh keys. Private keys are written with mode 0600.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_BITS = 2048
DEFAULT_DAYS = 30

# OINs used by the demo PKI (format: 00000001 + KvK/RSIN-like digits, 20 characters).
DEMO_GATEWAY_OIN = "00000009123456780000"
DEMO_DUO_OIN = "00000001800866472000"
DEMO_ROGUE_OIN = "00000009999999990000"


@dataclass(frozen=True)
class CertAndKey:
    """A certificate and its RSA private key."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def cert_pem(self) -> bytes:
        """The certificate in PEM."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        """The private key in unencrypted PKCS#8 PEM."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        """Write ``stem.crt`` and ``stem.key`` (mode 0600) into ``directory``; return both paths."""
        directory.mkdir(parents=True, exist_ok=True)
        cert_path = directory / f"{stem}.crt"
        key_path = directory / f"{stem}.key"
        cert_path.write_bytes(self.cert_pem)
        _write_private(key_path, self.key_pem)
        return cert_path, key_path


def _write_private(path: Path, data: bytes) -> None:
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def _validity(days: int) -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    return now - dt.timedelta(minutes=5), now + dt.timedelta(days=days)


def _builder(subject: x509.Name, issuer: x509.Name, public_key: rsa.RSAPublicKey,
             days: int) -> x509.CertificateBuilder:
    not_before, not_after = _validity(days)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _sign_leaf(ca: CertAndKey, builder: x509.CertificateBuilder) -> x509.Certificate:
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key())
    builder = builder.add_extension(aki, critical=False).add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True
    )
    return builder.sign(ca.key, hashes.SHA256())


def _key_usage(*, signature: bool, encipherment: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signature, content_commitment=False, key_encipherment=encipherment,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )


def create_ca(name: str, days: int = DEFAULT_DAYS) -> CertAndKey:
    """A self-signed root CA named ``name``."""
    key = _new_key()
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Verzuim Gateway Test PKI"),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ])
    cert = (
        _builder(subject, subject, key.public_key(), days)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return CertAndKey(cert, key)


def issue_server_cert(ca: CertAndKey, hostnames: Sequence[str] = ("localhost", "127.0.0.1"),
                      days: int = DEFAULT_DAYS, oin: str | None = None) -> CertAndKey:
    """A TLS server certificate whose SAN lists ``hostnames`` (IP addresses become IP SANs).

    With ``oin`` the subject carries it in serialNumber, so the server can sign messages too.
    """
    key = _new_key()
    names: list[x509.GeneralName] = []
    for host in hostnames:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Verzuim Gateway Test PKI"),
        x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0] if hostnames else "server"),
    ]
    if oin:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, oin))
    subject = x509.Name(attributes)
    builder = (
        _builder(subject, ca.certificate.subject, key.public_key(), days)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(_key_usage(signature=True, encipherment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    )
    return CertAndKey(_sign_leaf(ca, builder), key)


def issue_client_cert(ca: CertAndKey, common_name: str, oin: str,
                      organisation: str | None = None, days: int = DEFAULT_DAYS) -> CertAndKey:
    """A TLS client (and signing) certificate with the OIN in ``subject.serialNumber``."""
    key = _new_key()
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation or common_name),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, oin),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    builder = (
        _builder(subject, ca.certificate.subject, key.public_key(), days)
        .add_extension(_key_usage(signature=True, encipherment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    )
    return CertAndKey(_sign_leaf(ca, builder), key)


def issue_smime_cert(ca: CertAndKey, email: str, name: str,
                     days: int = DEFAULT_DAYS) -> CertAndKey:
    """An S/MIME certificate for ``email`` (signing and key encipherment, emailProtection)."""
    key = _new_key()
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
        x509.NameAttribute(NameOID.EMAIL_ADDRESS, email),
    ])
    builder = (
        _builder(subject, ca.certificate.subject, key.public_key(), days)
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        .add_extension(_key_usage(signature=True, encipherment=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    )
    return CertAndKey(_sign_leaf(ca, builder), key)


@dataclass(frozen=True)
class PemFiles:
    """Where one certificate and its key were written."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class DemoPki:
    """A complete demo set: paths of every PEM file plus the objects themselves."""

    directory: Path
    ca: CertAndKey
    ca_cert: Path
    duo_server: PemFiles
    gateway_client: PemFiles
    gateway_oin: str
    duo_oin: str
    rogue_ca_cert: Path
    rogue_client: PemFiles
    school_smime: PemFiles
    receivers: dict[str, PemFiles]
    objects: dict[str, CertAndKey]


DEMO_RECEIVERS: dict[str, tuple[str, str]] = {
    "leerplicht": ("leerplicht@gemeente.example", "Leerplicht Gemeente Voorbeeld"),
    "rmc": ("rmc@regio.example", "RMC Regio Voorbeeld"),
    "dsp": ("dsp@regio.example", "Doorstroompunt Regio Voorbeeld"),
}
DEMO_SCHOOL_EMAIL = "verzuim@school.example"


def demo_pki(directory: Path, hostnames: Sequence[str] = ("localhost", "127.0.0.1")) -> DemoPki:
    """Create the complete demo PKI as PEM files in ``directory`` and return where they are.

    Files: ``ca.{crt,key}``, ``duo-server.{crt,key}``, ``gateway-client.{crt,key}``,
    ``rogue-ca.crt``, ``rogue-client.{crt,key}``, ``school-smime.{crt,key}`` and
    ``<receiver>-smime.{crt,key}`` for leerplicht, rmc and dsp.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ca = create_ca("Verzuim Gateway Demo CA")
    rogue_ca = create_ca("Onbekende CA")
    objects: dict[str, CertAndKey] = {
        "ca": ca,
        "rogue-ca": rogue_ca,
        "duo-server": issue_server_cert(ca, hostnames, oin=DEMO_DUO_OIN),
        "gateway-client": issue_client_cert(ca, "verzuim-gateway", DEMO_GATEWAY_OIN),
        "rogue-client": issue_client_cert(rogue_ca, "onbekende-client", DEMO_ROGUE_OIN),
        "school-smime": issue_smime_cert(ca, DEMO_SCHOOL_EMAIL, "Verzuimcoördinator School"),
    }
    for receiver, (email, name) in DEMO_RECEIVERS.items():
        objects[f"{receiver}-smime"] = issue_smime_cert(ca, email, name)

    ca_cert, _ = ca.write(directory, "ca")
    rogue_ca_cert = directory / "rogue-ca.crt"
    rogue_ca_cert.write_bytes(rogue_ca.cert_pem)
    files: dict[str, PemFiles] = {}
    for stem, pair in objects.items():
        if stem in ("ca", "rogue-ca"):
            continue
        cert_path, key_path = pair.write(directory, stem)
        files[stem] = PemFiles(cert_path, key_path)
    return DemoPki(
        directory=directory,
        ca=ca,
        ca_cert=ca_cert,
        duo_server=files["duo-server"],
        gateway_client=files["gateway-client"],
        gateway_oin=DEMO_GATEWAY_OIN,
        duo_oin=DEMO_DUO_OIN,
        rogue_ca_cert=rogue_ca_cert,
        rogue_client=files["rogue-client"],
        school_smime=files["school-smime"],
        receivers={r: files[f"{r}-smime"] for r in DEMO_RECEIVERS},
        objects=objects,
    )
