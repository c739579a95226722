"""WS-Security: what the signer produces verifies, and the verifier refuses what it must."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from adapters.duo.security import SignatureInvalid, Signer, Verifier, confirmations
from adapters.duo.xmlsafe import DS, SOAP_ENV, WSA, WSSE
from gateway.domain.oin import certificate_oin
from gateway.testing.pki import DemoPki

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def envelope() -> etree._Element:
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "wsa": WSA})
    header = etree.SubElement(env, f"{{{SOAP_ENV}}}Header")
    etree.SubElement(header, f"{{{WSA}}}Action").text = "urn:action"
    etree.SubElement(header, f"{{{WSA}}}MessageID").text = "urn:uuid:1"
    etree.SubElement(header, f"{{{WSA}}}To").text = "https://duo.example/?oin=1"
    body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
    payload = etree.SubElement(body, "{urn:x}melding", nsmap={None: "urn:x"})
    etree.SubElement(payload, "{urn:x}tekst").text = "één & <twee>"
    return env


def signer(pki: DemoPki, rogue: bool = False, **kwargs: object) -> Signer:
    files = pki.rogue_client if rogue else pki.gateway_client
    return Signer(files.cert.read_bytes(), files.key.read_bytes(), **kwargs)  # type: ignore[arg-type]


def reparsed(env: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(env))


def test_signed_envelope_verifies_and_names_the_signer(pki: DemoPki) -> None:
    """A signed envelope verifies after a round trip; the signer's OIN and value come back."""
    env = envelope()
    value = signer(pki).sign(env)
    cert, seen = Verifier(pki.ca_cert.read_bytes()).verify(reparsed(env))
    assert seen == value
    assert certificate_oin(cert) == pki.gateway_oin


def test_signature_uses_rsa_sha256_and_exclusive_c14n(pki: DemoPki) -> None:
    """SignedInfo: exc-c14n, RSA-SHA256, and SHA-256 digests with exc-c14n per reference."""
    env = envelope()
    signer(pki).sign(env)
    info = env.find(f".//{{{DS}}}SignedInfo")
    assert info is not None
    assert info.find(f"{{{DS}}}CanonicalizationMethod").get("Algorithm") == EXC_C14N  # type: ignore[union-attr]
    assert info.find(f"{{{DS}}}SignatureMethod").get("Algorithm", "").endswith("rsa-sha256")  # type: ignore[union-attr]
    refs = info.findall(f"{{{DS}}}Reference")
    assert len(refs) == 5  # Action, MessageID, To, Body, Timestamp
    for ref in refs:
        assert ref.find(f"{{{DS}}}DigestMethod").get("Algorithm", "").endswith("#sha256")  # type: ignore[union-attr]
        assert ref.find(f"{{{DS}}}Transforms/{{{DS}}}Transform").get("Algorithm") == EXC_C14N  # type: ignore[union-attr]


def test_confirmation_is_signed_and_readable(pki: DemoPki) -> None:
    """A SignatureConfirmation is added, referenced by the signature, and read back."""
    env = envelope()
    signer(pki).sign(env, confirm=["abc="])
    Verifier(pki.ca_cert.read_bytes()).verify(reparsed(env))
    assert confirmations(env) == ["abc="]


def test_tampered_body_is_refused(pki: DemoPki) -> None:
    """Changing the body after signing breaks the signature."""
    env = envelope()
    signer(pki).sign(env)
    tampered = etree.tostring(env).replace(b"twee", b"drie")
    with pytest.raises(SignatureInvalid, match="klopt niet"):
        Verifier(pki.ca_cert.read_bytes()).verify(etree.fromstring(tampered))


def test_header_added_after_signing_is_refused(pki: DemoPki) -> None:
    """A WS-Addressing header the signature does not cover is refused (no wrapping)."""
    env = envelope()
    signer(pki).sign(env)
    header = env.find(f"{{{SOAP_ENV}}}Header")
    assert header is not None
    etree.SubElement(header, f"{{{WSA}}}ReplyTo").text = "https://evil.example/"
    with pytest.raises(SignatureInvalid, match="niet ondertekend"):
        Verifier(pki.ca_cert.read_bytes()).verify(reparsed(env))


def test_signer_from_another_ca_is_refused_even_after_a_trusted_one(pki: DemoPki) -> None:
    """The trust cache holds only checked signers: a rogue signer is refused every time."""
    verifier = Verifier(pki.ca_cert.read_bytes())
    good = envelope()
    signer(pki).sign(good)
    verifier.verify(reparsed(good))
    for _ in range(2):
        rogue = envelope()
        signer(pki, rogue=True).sign(rogue)
        with pytest.raises(SignatureInvalid, match="vertrouwde CA"):
            verifier.verify(reparsed(rogue))


def test_expired_signer_certificate_is_refused_after_caching(pki: DemoPki) -> None:
    """The validity window is checked on every message, also for a cached signer."""
    now = [datetime.now(UTC)]
    verifier = Verifier(pki.ca_cert.read_bytes(), clock=lambda: now[0])
    env = envelope()
    signer(pki).sign(env)
    verifier.verify(reparsed(env))
    now[0] += timedelta(days=3650 * 3)
    with pytest.raises(SignatureInvalid, match="niet geldig"):
        verifier.verify(reparsed(env))


def test_stale_timestamp_is_refused(pki: DemoPki) -> None:
    """A message whose Timestamp expired (beyond the clock skew) is refused."""
    past = datetime.now(UTC) - timedelta(hours=1)
    env = envelope()
    signer(pki, clock=lambda: past).sign(env)
    with pytest.raises(SignatureInvalid, match="Timestamp"):
        Verifier(pki.ca_cert.read_bytes()).verify(reparsed(env))


def test_non_rsa_key_is_refused_by_the_signer(pki: DemoPki) -> None:
    """Only RSA keys can sign (the profile prescribes RSA-SHA256)."""
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    with pytest.raises(TypeError, match="RSA"):
        Signer(pki.gateway_client.cert.read_bytes(), key)


def test_security_header_is_the_only_one(pki: DemoPki) -> None:
    """Signing twice replaces the Security header rather than adding a second one."""
    env = envelope()
    s = signer(pki)
    s.sign(env)
    s.sign(env)
    assert len(env.findall(f"{{{SOAP_ENV}}}Header/{{{WSSE}}}Security")) == 1
    Verifier(pki.ca_cert.read_bytes()).verify(reparsed(env))
