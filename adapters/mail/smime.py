"""S/MIME: sign with the school's key, encrypt to every recipient, and the receiving side's undo.

Signing uses ``cryptography``'s PKCS7 builders (detached SHA-256 signature, multipart/signed);
encryption wraps that entity in enveloped-data with AES-256-CBC for RSA recipients. Verification
(``cryptography`` has no PKCS7 verifier) parses the SignedData with ``asn1crypto`` and checks the
content digest and the RSA signature over the signed attributes.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms  # type: ignore[import-untyped]  # asn1crypto has no type information
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}


# A multipart/signed body split at its boundary: preamble, content, signature (an epilogue may follow).
SIGNED_PARTS = 3


class SmimeError(Exception):
    """A message could not be decrypted or is not a well-formed S/MIME message."""


def sign(entity: bytes, cert: x509.Certificate, key: rsa.RSAPrivateKey) -> bytes:
    """A multipart/signed entity (detached SHA-256 signature) around the MIME ``entity`` (CRLF)."""
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(entity)
        .add_signer(cert, key, hashes.SHA256())
        .sign(serialization.Encoding.SMIME, [pkcs7.PKCS7Options.DetachedSignature])
    )


def encrypt(entity: bytes, recipients: list[x509.Certificate]) -> bytes:
    """An application/pkcs7-mime enveloped-data entity (AES-256-CBC) for every recipient."""
    if not recipients:
        raise ValueError("at least one recipient certificate is needed")
    builder = pkcs7.PKCS7EnvelopeBuilder().set_data(entity).set_content_encryption_algorithm(
        algorithms.AES256
    )
    for cert in recipients:
        builder = builder.add_recipient(cert)
    return builder.encrypt(serialization.Encoding.SMIME, [pkcs7.PKCS7Options.Binary])


def decrypt(message: bytes, cert: x509.Certificate, key: rsa.RSAPrivateKey) -> bytes:
    """The inner entity of an enveloped S/MIME message (a whole mail, headers included)."""
    try:
        return pkcs7.pkcs7_decrypt_smime(message, cert, key, [])
    except ValueError as exc:
        raise SmimeError(f"ontsleutelen mislukt: {exc}") from exc


@dataclass(frozen=True)
class Verification:
    """The verdict on a multipart/signed entity."""

    valid: bool
    reason: str
    content: bytes
    signer: x509.Certificate | None = None


_BOUNDARY = re.compile(rb'boundary="?([^";\r\n]+)"?', re.IGNORECASE)


def split_signed(entity: bytes) -> tuple[bytes, bytes]:
    """The signed content (exact bytes) and the DER signature of a multipart/signed entity."""
    head, sep, body = entity.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = entity.partition(b"\n\n")
    if b"multipart/signed" not in head.lower():
        raise SmimeError("geen ondertekend bericht (multipart/signed ontbreekt)")
    found = _BOUNDARY.search(head)
    if found is None:
        raise SmimeError("ondertekend bericht zonder boundary")
    delimiter = b"--" + found.group(1)
    parts = re.split(rb"(?:\r?\n)?" + re.escape(delimiter) + rb"(?:--)?[ \t]*\r?\n?", b"\r\n" + body)
    # parts: [preamble, content, signature, epilogue...]
    if len(parts) < SIGNED_PARTS:
        raise SmimeError("ondertekend bericht mist inhoud of handtekening")
    content, signature_part = parts[1], parts[2]
    sig_head, _, sig_body = signature_part.replace(b"\r\n", b"\n").partition(b"\n\n")
    if b"pkcs7-signature" not in sig_head.lower():
        raise SmimeError("tweede deel is geen application/pkcs7-signature")
    try:
        der = base64.b64decode(b"".join(sig_body.split()), validate=True)
    except binascii.Error as exc:
        raise SmimeError("handtekening is geen geldige base64") from exc
    return content, der


def _signed_data(der: bytes) -> Any:
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise SmimeError("handtekening is geen CMS SignedData")
        signed = info["content"]
        signed.native  # noqa: B018 - forces a full parse, so malformed input fails here
    except (ValueError, TypeError) as exc:
        raise SmimeError(f"handtekening niet te lezen: {exc}") from exc
    return signed


class _Refused(Exception):
    """One check of a signature failed: why, and the signer's certificate when already known."""

    def __init__(self, reason: str, signer: x509.Certificate | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.signer = signer


def verify(entity: bytes, trusted_signer: x509.Certificate | None = None) -> Verification:
    """Check a multipart/signed entity: digest of the content and RSA signature of the signer.

    With ``trusted_signer`` the signature must verify with that certificate's key (the school's
    published certificate); without it the certificate embedded in the message is used.
    """
    content, der = split_signed(entity)
    signed = _signed_data(der)
    try:
        info = _only_signer_info(signed)
        signer = _signer_certificate(signed, info, trusted_signer)
        algorithm = _checked_digest(info, content, signer)
        _check_signature(info, signer, algorithm)
    except _Refused as refused:
        return Verification(False, refused.reason, content, refused.signer)
    return Verification(True, "handtekening geldig", content, signer)


def _only_signer_info(signed: Any) -> Any:
    signer_infos = signed["signer_infos"]
    if len(signer_infos) != 1:
        raise _Refused(f"{len(signer_infos)} ondertekenaars, verwacht 1")
    return signer_infos[0]


def _signer_certificate(signed: Any, info: Any, trusted: x509.Certificate | None) -> x509.Certificate:
    """The trusted certificate, or the embedded one the signer info names."""
    sid = info["sid"]
    by_serial = sid.name == "issuer_and_serial_number"
    signer = trusted
    if signer is None and by_serial:
        embedded = [
            x509.load_der_x509_certificate(choice.chosen.dump())
            for choice in (signed["certificates"] or [])
            if choice.name == "certificate"
        ]
        serial = sid.chosen["serial_number"].native
        signer = next((c for c in embedded if c.serial_number == serial), None)
    if signer is None:
        raise _Refused("certificaat van de ondertekenaar ontbreekt")
    if by_serial and sid.chosen["serial_number"].native != signer.serial_number:
        raise _Refused("ondertekend met een ander certificaat dan verwacht", signer)
    return signer


def _checked_digest(info: Any, content: bytes, signer: x509.Certificate) -> hashes.HashAlgorithm:
    """The signer info's hash algorithm, once the content's digest matches its messageDigest."""
    hash_name = info["digest_algorithm"]["algorithm"].native
    if hash_name not in _HASHES:
        raise _Refused(f"hashalgoritme {hash_name} niet ondersteund", signer)
    algorithm = _HASHES[hash_name]()
    attrs = info["signed_attrs"]
    if not attrs:
        raise _Refused("handtekening zonder ondertekende attributen", signer)
    digests = [a["values"][0].native for a in attrs if a["type"].native == "message_digest"]
    if len(digests) != 1:
        raise _Refused("messageDigest ontbreekt in de handtekening", signer)
    hasher = hashes.Hash(algorithm)
    hasher.update(content)
    if not hmac.compare_digest(hasher.finalize(), digests[0]):
        raise _Refused("inhoud is gewijzigd na ondertekening (digest klopt niet)", signer)
    return algorithm


def _check_signature(info: Any, signer: x509.Certificate, algorithm: hashes.HashAlgorithm) -> None:
    """The RSA signature over the signed attributes verifies with the signer's key."""
    public_key = signer.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise _Refused("alleen RSA-ondertekenaars worden ondersteund", signer)
    signed_attrs_der = info["signed_attrs"].untag().dump(force=True)
    try:
        public_key.verify(info["signature"].native, signed_attrs_der, padding.PKCS1v15(), algorithm)
    except InvalidSignature as exc:
        raise _Refused("handtekening klopt niet met het certificaat", signer) from exc
