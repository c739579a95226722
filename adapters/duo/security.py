"""WS-Security for the Digikoppeling 2W-be-S profile, written on python-xmlsec.

zeep's own signers default to SHA-1 and never sign the addressing headers, so this module adds a
Timestamp (Created, Expires), a BinarySecurityToken and one exc-c14n / SHA-256 reference per
signed part (Body, Timestamp, every WS-Addressing header), signed with RSA-SHA256. Verification
checks the signature, that every required part is covered (no wrapping), the signer's chain to a
pinned CA, and the Timestamp's freshness.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import xmlsec
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from lxml import etree

from adapters.duo.xmlsafe import DS, SOAP_ENV, WSA, WSSE, WSU

WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
X509_TOKEN = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"  # noqa: S105
)
BASE64 = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0"
    "#Base64Binary"
)
ID_ATTR = f"{{{WSU}}}Id"
SIGNED_WSA = ("To", "From", "MessageID", "Action", "ReplyTo", "RelatesTo")
CLOCK_SKEW = timedelta(minutes=5)


class SignatureInvalid(Exception):
    """A message's WS-Security header is missing, broken, stale or from an untrusted signer."""


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _ensure_id(element: etree._Element, prefix: str) -> str:
    current = element.get(ID_ATTR)
    if current:
        return current
    new_id = f"{prefix}-{uuid.uuid4().hex}"
    element.set(ID_ATTR, new_id)
    return new_id


def _header(envelope: etree._Element) -> etree._Element:
    header = envelope.find(f"{{{SOAP_ENV}}}Header")
    if header is None:
        header = etree.Element(f"{{{SOAP_ENV}}}Header")
        envelope.insert(0, header)
    return header


def parts_to_sign(envelope: etree._Element) -> list[etree._Element]:
    """Body and every WS-Addressing header of the envelope (the Timestamp is added apart)."""
    header = _header(envelope)
    parts = [el for el in header if isinstance(el.tag, str) and el.tag.startswith(f"{{{WSA}}}")]
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise SignatureInvalid("geen SOAP Body")
    return [*parts, body]


class Signer:
    """Signs envelopes with one certificate and key (the gateway's, or the stand-in's)."""

    def __init__(self, cert_pem: bytes, key_pem: bytes, *,
                 lifetime: timedelta = timedelta(minutes=10),
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._cert_der = x509.load_pem_x509_certificate(cert_pem).public_bytes(
            serialization.Encoding.DER
        )
        self._key = xmlsec.Key.from_memory(key_pem, xmlsec.KeyFormat.PEM)
        self._lifetime = lifetime
        self._clock = clock

    def sign(self, envelope: etree._Element,
             confirm: Iterable[str] = ()) -> str:
        """Add the Security header to ``envelope`` and sign it; return the SignatureValue.

        ``confirm`` holds signature values to echo as SignatureConfirmation (responses).
        """
        header = _header(envelope)
        for old in header.findall(f"{{{WSSE}}}Security"):
            header.remove(old)
        security = etree.SubElement(header, f"{{{WSSE}}}Security",
                                    nsmap={"wsse": WSSE, "wsu": WSU})
        security.set(f"{{{SOAP_ENV}}}mustUnderstand", "1")
        now = self._clock()
        timestamp = etree.SubElement(security, f"{{{WSU}}}Timestamp")
        etree.SubElement(timestamp, f"{{{WSU}}}Created").text = _utc(now)
        etree.SubElement(timestamp, f"{{{WSU}}}Expires").text = _utc(now + self._lifetime)
        token = etree.SubElement(security, f"{{{WSSE}}}BinarySecurityToken",
                                 EncodingType=BASE64, ValueType=X509_TOKEN)
        token.text = base64.b64encode(self._cert_der).decode()
        token_id = _ensure_id(token, "X509")
        targets = [*parts_to_sign(envelope), timestamp]
        for value in confirm:
            confirmation = etree.SubElement(security, f"{{{WSSE11}}}SignatureConfirmation",
                                            nsmap={"wsse11": WSSE11})
            confirmation.set("Value", value)
            targets.append(confirmation)

        signature = xmlsec.template.create(
            envelope, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256, ns="ds"
        )
        security.append(signature)
        ctx = xmlsec.SignatureContext()
        for target in targets:
            ref_id = _ensure_id(target, "id")
            ctx.register_id(target, "Id", WSU)
            ref = xmlsec.template.add_reference(signature, xmlsec.Transform.SHA256,
                                                uri=f"#{ref_id}")
            xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
        key_info = xmlsec.template.ensure_key_info(signature)
        str_el = etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference")
        etree.SubElement(str_el, f"{{{WSSE}}}Reference", URI=f"#{token_id}",
                         ValueType=X509_TOKEN)
        ctx.key = self._key
        ctx.sign(signature)
        return signature.findtext(f"{{{DS}}}SignatureValue", default="").strip()


class Verifier:
    """Verifies signed envelopes against one pinned CA (and optionally a set of signer OINs)."""

    def __init__(self, ca_pem: bytes, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 skew: timedelta = CLOCK_SKEW) -> None:
        self._cas = x509.load_pem_x509_certificates(ca_pem)
        self._clock = clock
        self._skew = skew
        # Signer certificates already checked against the CA, with their xmlsec key.
        self._trusted: dict[bytes, xmlsec.Key] = {}

    def verify(self, envelope: etree._Element) -> tuple[x509.Certificate, str]:
        """Check the signature; return the signer's certificate and the SignatureValue."""
        header = envelope.find(f"{{{SOAP_ENV}}}Header")
        security = None if header is None else header.find(f"{{{WSSE}}}Security")
        if security is None:
            raise SignatureInvalid("geen WS-Security header")
        signatures = security.findall(f"{{{DS}}}Signature")
        if len(signatures) != 1:
            raise SignatureInvalid("er moet precies één handtekening zijn")
        signature = signatures[0]
        timestamp = security.find(f"{{{WSU}}}Timestamp")
        if timestamp is None:
            raise SignatureInvalid("geen Timestamp")
        cert = self._token_certificate(security, signature)
        key = self._key_for(cert)

        ids: dict[str, etree._Element] = {}
        for element in envelope.iter():
            if isinstance(element.tag, str) and (value := element.get(ID_ATTR)):
                if value in ids:
                    raise SignatureInvalid(f"dubbele wsu:Id {value}")
                ids[value] = element
        referenced = {
            (ref.get("URI") or "").removeprefix("#")
            for ref in signature.iterfind(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
        }
        for part in [*parts_to_sign(envelope), timestamp,
                     *security.findall(f"{{{WSSE11}}}SignatureConfirmation")]:
            part_id = part.get(ID_ATTR)
            if not part_id or part_id not in referenced:
                raise SignatureInvalid(f"{etree.QName(part).localname} is niet ondertekend")
        ctx = xmlsec.SignatureContext()
        for element in ids.values():
            ctx.register_id(element, "Id", WSU)
        ctx.key = key
        try:
            ctx.verify(signature)
        except xmlsec.Error as exc:
            raise SignatureInvalid("handtekening klopt niet") from exc
        self._check_timestamp(timestamp)
        return cert, signature.findtext(f"{{{DS}}}SignatureValue", default="").strip()

    def _token_certificate(self, security: etree._Element,
                           signature: etree._Element) -> x509.Certificate:
        ref = signature.find(
            f"{{{DS}}}KeyInfo/{{{WSSE}}}SecurityTokenReference/{{{WSSE}}}Reference"
        )
        token_id = (ref.get("URI") or "").removeprefix("#") if ref is not None else ""
        for token in security.findall(f"{{{WSSE}}}BinarySecurityToken"):
            if token.get(ID_ATTR) == token_id and token.get("ValueType") == X509_TOKEN:
                try:
                    return x509.load_der_x509_certificate(base64.b64decode(token.text or ""))
                except ValueError as exc:
                    raise SignatureInvalid("BinarySecurityToken is geen certificaat") from exc
        raise SignatureInvalid("geen BinarySecurityToken waar de handtekening naar verwijst")

    def _key_for(self, cert: x509.Certificate) -> xmlsec.Key:
        now = self._clock()
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise SignatureInvalid("certificaat van de ondertekenaar is niet geldig")
        der = cert.public_bytes(serialization.Encoding.DER)
        key = self._trusted.get(der)
        if key is None:
            self._check_trust(cert)
            key = xmlsec.Key.from_memory(der, xmlsec.KeyFormat.CERT_DER)
            if len(self._trusted) < 64:
                self._trusted[der] = key
        return key

    def _check_trust(self, cert: x509.Certificate) -> None:
        for ca in self._cas:
            if cert.issuer != ca.subject:
                continue
            try:
                cert.verify_directly_issued_by(ca)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return
        raise SignatureInvalid("ondertekenaar is niet uitgegeven door een vertrouwde CA")

    def _check_timestamp(self, timestamp: etree._Element) -> None:
        try:
            created = datetime.fromisoformat(timestamp.findtext(f"{{{WSU}}}Created") or "")
            expires = datetime.fromisoformat(timestamp.findtext(f"{{{WSU}}}Expires") or "")
        except ValueError as exc:
            raise SignatureInvalid("Timestamp onleesbaar") from exc
        now = self._clock()
        if created > now + self._skew or expires < now - self._skew:
            raise SignatureInvalid("Timestamp verlopen of in de toekomst")


def signature_value(envelope: etree._Element) -> str | None:
    """The SignatureValue of a signed envelope, if any."""
    value = envelope.findtext(f".//{{{WSSE}}}Security/{{{DS}}}Signature/{{{DS}}}SignatureValue")
    return value.strip() if value else None


def confirmations(envelope: etree._Element) -> list[str]:
    """The SignatureConfirmation values a response echoes."""
    return [el.get("Value") or "" for el in envelope.iter(f"{{{WSSE11}}}SignatureConfirmation")]
