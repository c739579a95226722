"""WS-Security for the Digikoppeling 2W-be-S profile, written on python-xmlsec.

zeep's own signers default to SHA-1 and never sign the addressing headers, so this module adds a
Timestamp (Created, Expires), a BinarySecurityToken and one exc-c14n / SHA-256 reference per
signed part (Body, Timestamp, every WS-Addressing header), signed with RSA-SHA256. Verification
checks the signature, that every required part is covered (no wrapping), the signer's chain to a
pinned CA, and the Timestamp's freshness.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import xmlsec
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
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
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
# Signer certificates whose chain check is remembered (a gateway talks to one DUO, a stand-in to a
# few gateways; the bound keeps a stream of strangers from growing the cache).
MAX_TRUSTED_SIGNERS = 64
# Every element carrying a non-empty wsu:Id (compiled once; lxml serialises its use).
_WITH_ID = etree.XPath("//*[@wsu:Id != '']", namespaces={"wsu": WSU})


class SignatureInvalid(Exception):
    """A message's WS-Security header is missing, broken, stale or from an untrusted signer."""


def _elements_with_id(envelope: etree._Element) -> list[etree._Element]:
    found = _WITH_ID(envelope)  # a node-set expression: always a list of elements
    return [node for node in found if isinstance(node, etree._Element)] if isinstance(found, list) else []


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# wsu:Id values need only be unique within one envelope: a process prefix and a counter are, and
# cost far less than a uuid4 (an urandom call) for each of the signed parts of every message.
_ID_PREFIX = secrets.token_hex(4)
_ID_COUNTER = itertools.count(1)


def _ensure_id(element: etree._Element, prefix: str) -> str:
    current = element.get(ID_ATTR)
    if current:
        return current
    new_id = f"{prefix}-{_ID_PREFIX}-{next(_ID_COUNTER)}"
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
    """Signs envelopes with one certificate and key (the gateway's, or the stand-in's).

    The signature is plain XML-DSig: each part is canonicalised with exclusive C14N (lxml,
    the same libxml2 code xmlsec uses) and digested with SHA-256; the canonical SignedInfo is
    signed with RSA-SHA256 (PKCS#1 v1.5). Doing this directly canonicalises each part once,
    where xmlsec walks the whole document once per reference. Verification (``Verifier``, the
    xmlsec1 tool in the tests) stays on xmlsec.
    """

    def __init__(self, cert_pem: bytes, key_pem: bytes, *,
                 lifetime: timedelta = timedelta(minutes=10),
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        cert_der = x509.load_pem_x509_certificate(cert_pem).public_bytes(
            serialization.Encoding.DER
        )
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("alleen RSA-sleutels worden ondersteund (RSA-SHA256)")
        self._key = key
        self._token_text = base64.b64encode(cert_der).decode()
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
        token.text = self._token_text
        token_id = _ensure_id(token, "X509")
        targets = [*parts_to_sign(envelope), timestamp]
        for value in confirm:
            confirmation = etree.SubElement(security, f"{{{WSSE11}}}SignatureConfirmation",
                                            nsmap={"wsse11": WSSE11})
            confirmation.set("Value", value)
            targets.append(confirmation)

        signature = etree.SubElement(security, f"{{{DS}}}Signature", nsmap={"ds": DS})
        signed_info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
        etree.SubElement(signed_info, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
        etree.SubElement(signed_info, f"{{{DS}}}SignatureMethod", Algorithm=RSA_SHA256)
        for target in targets:
            ref = etree.SubElement(signed_info, f"{{{DS}}}Reference",
                                   URI=f"#{_ensure_id(target, 'id')}")
            transforms = etree.SubElement(ref, f"{{{DS}}}Transforms")
            etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=EXC_C14N)
            etree.SubElement(ref, f"{{{DS}}}DigestMethod", Algorithm=SHA256)
            etree.SubElement(ref, f"{{{DS}}}DigestValue").text = _digest(target)
        value_el = etree.SubElement(signature, f"{{{DS}}}SignatureValue")
        key_info = etree.SubElement(signature, f"{{{DS}}}KeyInfo")
        str_el = etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference")
        etree.SubElement(str_el, f"{{{WSSE}}}Reference", URI=f"#{token_id}",
                         ValueType=X509_TOKEN)
        value = base64.b64encode(self._key.sign(_exc_c14n(signed_info), padding.PKCS1v15(),
                                                hashes.SHA256())).decode()
        value_el.text = value
        return value


def _exc_c14n(element: etree._Element) -> bytes:
    """Exclusive XML canonicalisation (without comments) of one element in its document."""
    return bytes(etree.tostring(element, method="c14n", exclusive=True, with_comments=False))


def _digest(element: etree._Element) -> str:
    return base64.b64encode(hashlib.sha256(_exc_c14n(element)).digest()).decode()


class Verifier:
    """Verifies signed envelopes against one pinned CA (and optionally a set of signer OINs)."""

    def __init__(self, ca_pem: bytes, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 skew: timedelta = CLOCK_SKEW) -> None:
        self._cas = x509.load_pem_x509_certificates(ca_pem)
        self._clock = clock
        self._skew = skew
        # Signer tokens (base64 DER) already checked against the CA, with their xmlsec key.
        self._trusted: dict[str, tuple[x509.Certificate, xmlsec.Key]] = {}

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
        cert, key = self._signer(self._token_text(security, signature))

        ids: dict[str, etree._Element] = {}
        for element in _elements_with_id(envelope):
            value = element.get(ID_ATTR, "")
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

    def _token_text(self, security: etree._Element, signature: etree._Element) -> str:
        """The base64 text of the BinarySecurityToken the signature's KeyInfo points to."""
        ref = signature.find(
            f"{{{DS}}}KeyInfo/{{{WSSE}}}SecurityTokenReference/{{{WSSE}}}Reference"
        )
        token_id = (ref.get("URI") or "").removeprefix("#") if ref is not None else ""
        for token in security.findall(f"{{{WSSE}}}BinarySecurityToken"):
            if token.get(ID_ATTR) == token_id and token.get("ValueType") == X509_TOKEN:
                return token.text or ""
        raise SignatureInvalid("geen BinarySecurityToken waar de handtekening naar verwijst")

    def _signer(self, token_text: str) -> tuple[x509.Certificate, xmlsec.Key]:
        """The token's certificate (valid now, issued by a pinned CA) and its public key.

        The chain check and key import are cached per token; the validity window is checked
        on every call.
        """
        trusted = self._trusted.get(token_text)
        if trusted is None:
            try:
                cert = x509.load_der_x509_certificate(base64.b64decode(token_text))
            except ValueError as exc:
                raise SignatureInvalid("BinarySecurityToken is geen certificaat") from exc
            self._check_trust(cert)
            # The bare public key: xmlsec copies the key into every context, and copying a
            # key with its X.509 data costs more than the RSA verification itself.
            public_pem = cert.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            trusted = cert, xmlsec.Key.from_memory(public_pem, xmlsec.constants.KeyDataFormatPem)
            if len(self._trusted) < MAX_TRUSTED_SIGNERS:
                self._trusted[token_text] = trusted
        cert = trusted[0]
        now = self._clock()
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise SignatureInvalid("certificaat van de ondertekenaar is niet geldig")
        return trusted

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
