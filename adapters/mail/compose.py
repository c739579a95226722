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


@dataclass(frozen=True)
class MailContent:
    """What one mail says: a melding, or its withdrawal with the reason, written at ``now``.

    ``duo_oin`` is DUO's OIN as configured: the receiving party of the attached melding document.
    """

    melding: OutgoingMelding
    duo_oin: str
    now: datetime
    withdrawal_reason: str | None = None

    @property
    def withdrawal(self) -> bool:
        """Whether this mail withdraws the melding."""
        return self.withdrawal_reason is not None


def inner_entity(content: MailContent) -> bytes:
    """The multipart/mixed entity that gets signed: Dutch text, melding.json and melding.xml."""
    melding, reason = content.melding, content.withdrawal_reason
    part = EmailMessage(policy=policy.SMTP)
    text = body.melding_text(melding) if reason is None else body.withdrawal_text(melding, reason)
    part.set_content(text, charset="utf-8", cte="quoted-printable")
    stem = "intrekking" if content.withdrawal else "melding"
    part.add_attachment(
        structured.to_json(melding, withdrawal_reason=reason),
        maintype="application", subtype="json", filename=f"{stem}.json",
    )
    part.add_attachment(
        structured.to_xml(melding, duo_oin=content.duo_oin, withdrawal_reason=reason,
                          now=content.now),
        maintype="application", subtype="xml", filename=f"{stem}.xml",
    )
    for sub in part.walk():
        del sub["MIME-Version"]
    return part.as_bytes(policy=policy.SMTP)


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _headers(content: MailContent, signer: Signer, recipients: Sequence[RecipientAddress]) -> bytes:
    melding = content.melding
    head = EmailMessage(policy=policy.SMTP)
    head["From"] = Address(signer.display_name or melding.school.name, addr_spec=signer.address)
    head["To"] = [Address(r.organisation, addr_spec=r.email) for r in recipients]
    head["Subject"] = body.subject(melding, withdrawal=content.withdrawal)
    head["Date"] = format_datetime(content.now)
    head["Message-ID"] = message_id_header(melding.message_id, signer.address,
                                           withdrawal=content.withdrawal)
    if content.withdrawal:
        original = message_id_header(melding.message_id, signer.address)
        head["In-Reply-To"] = original
        head["References"] = original
    head["X-Mailer"] = MAILER
    raw = head.as_bytes(policy=policy.SMTP)
    return raw.rstrip(b"\r\n") + b"\r\n"


def compose(content: MailContent, signer: Signer, *,
            extra_certificates: Sequence[x509.Certificate] = ()) -> ComposedMail:
    """Sign with the school's key and encrypt to every recipient (and ``extra_certificates``)."""
    recipients = content.melding.recipients
    if not recipients:
        raise ValueError("melding has no recipients")
    certificates = [x509.load_pem_x509_certificate(r.certificate_pem) for r in recipients]
    signed = smime.sign(inner_entity(content), signer.certificate, signer.key)
    enveloped = smime.encrypt(signed, [*certificates, *extra_certificates])
    header = _headers(content, signer, recipients)
    message_id = message_id_header(content.melding.message_id, signer.address,
                                   withdrawal=content.withdrawal)
    return ComposedMail(header + _crlf(enveloped), message_id, tuple(r.email for r in recipients))
