"""Building a melding mail: Dutch body plus JSON and XML, signed, encrypted, with outer headers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.mail import body, smime, structured
from gateway.domain.ports import OutgoingMelding, RecipientAddress

MAILER = "verzuim-gateway"


@dataclass(frozen=True)
class Signer:
    """The sending school's mailbox and S/MIME identity."""

    address: str
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    display_name: str = ""


@dataclass(frozen=True)
class ComposedMail:
    """A ready-to-send mail: the bytes (CRLF), its Message-ID header and the envelope recipients."""

    data: bytes
    message_id_header: str
    envelope_recipients: tuple[str, ...]


def message_id_header(message_id: str, sender: str, *, withdrawal: bool = False) -> str:
    """The stable Message-ID header of a melding (or of its withdrawal) for ``sender``'s domain."""
    domain = sender.rpartition("@")[2] or "verzuim-gateway.invalid"
    suffix = ".intrekking" if withdrawal else ""
    return f"<{message_id}{suffix}@{domain}>"


def inner_entity(melding: OutgoingMelding, *, withdrawal_reason: str | None = None) -> bytes:
    """The multipart/mixed entity that gets signed: Dutch text, melding.json and melding.xml."""
    part = EmailMessage(policy=policy.SMTP)
    text = (body.melding_text(melding) if withdrawal_reason is None
            else body.withdrawal_text(melding, withdrawal_reason))
    part.set_content(text, charset="utf-8", cte="quoted-printable")
    stem = "intrekking" if withdrawal_reason is not None else "melding"
    part.add_attachment(
        structured.to_json(melding, withdrawal_reason=withdrawal_reason),
        maintype="application", subtype="json", filename=f"{stem}.json",
    )
    part.add_attachment(
        structured.to_xml(melding, withdrawal_reason=withdrawal_reason),
        maintype="application", subtype="xml", filename=f"{stem}.xml",
    )
    for sub in part.walk():
        del sub["MIME-Version"]
    return part.as_bytes(policy=policy.SMTP)


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _headers(melding: OutgoingMelding, signer: Signer, recipients: Sequence[RecipientAddress],
             *, withdrawal_reason: str | None, now: datetime) -> bytes:
    head = EmailMessage(policy=policy.SMTP)
    head["From"] = Address(signer.display_name or melding.school.name, addr_spec=signer.address)
    head["To"] = [Address(r.organisation, addr_spec=r.email) for r in recipients]
    head["Subject"] = body.subject(melding, withdrawal=withdrawal_reason is not None)
    head["Date"] = format_datetime(now)
    head["Message-ID"] = message_id_header(
        melding.message_id, signer.address, withdrawal=withdrawal_reason is not None
    )
    if withdrawal_reason is not None:
        original = message_id_header(melding.message_id, signer.address)
        head["In-Reply-To"] = original
        head["References"] = original
    head["X-Mailer"] = MAILER
    raw = head.as_bytes(policy=policy.SMTP)
    return raw.rstrip(b"\r\n") + b"\r\n"


def compose(melding: OutgoingMelding, signer: Signer, *, extra_certificates: Sequence[x509.Certificate] = (),
            withdrawal_reason: str | None = None, now: datetime) -> ComposedMail:
    """Sign with the school's key and encrypt to every recipient (and ``extra_certificates``)."""
    recipients = melding.recipients
    if not recipients:
        raise ValueError("melding has no recipients")
    certificates = [x509.load_pem_x509_certificate(r.certificate_pem) for r in recipients]
    entity = inner_entity(melding, withdrawal_reason=withdrawal_reason)
    signed = smime.sign(entity, signer.certificate, signer.key)
    enveloped = smime.encrypt(signed, [*certificates, *extra_certificates])
    header = _headers(melding, signer, recipients, withdrawal_reason=withdrawal_reason, now=now)
    withdrawal = withdrawal_reason is not None
    message_id = message_id_header(melding.message_id, signer.address, withdrawal=withdrawal)
    return ComposedMail(header + _crlf(enveloped), message_id, tuple(r.email for r in recipients))
