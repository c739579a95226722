"""The mail channel: S/MIME signed and encrypted meldingen over SMTP (the ``Channel`` port)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.mail.compose import MailContent, Signer, compose
from adapters.mail.smtp import SmtpSettings, send
from gateway.domain.errors import ConfigurationError, PermanentDeliveryError
from gateway.domain.mail_address import MAIL_ADDRESS_PATTERN
from gateway.domain.oin import OIN_PATTERN
from gateway.domain.ports import OutgoingMelding, Receipt, StatusReport
from gateway.intake.validation import describe

log = structlog.get_logger(__name__)


class MailConfig(BaseModel):
    """Configuration of the mail channel (``create_channel`` takes it as a mapping)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(587, ge=1, le=65535)
    ca_file: Path | None = None
    require_starttls: bool = True
    username: str | None = None
    password: str | None = Field(None, repr=False)
    sender: str = Field(pattern=MAIL_ADDRESS_PATTERN)
    sender_name: str = ""
    # DUO's OIN: the receiving party of the melding document every mail carries (melding.xml).
    duo_oin: str = Field(pattern=OIN_PATTERN)
    signing_cert: Path
    signing_key: Path
    encrypt_to_sender: bool = True
    timeout: float = Field(30.0, gt=0)
    local_hostname: str | None = None


def _load_signer(config: MailConfig) -> Signer:
    try:
        cert = x509.load_pem_x509_certificate(config.signing_cert.read_bytes())
        key = serialization.load_pem_private_key(config.signing_key.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"ondertekencertificaat of -sleutel van de school niet te lezen: {exc}"
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError("de ondertekensleutel van de school moet een RSA-sleutel zijn")
    if key.public_key().public_numbers() != cert.public_key().public_numbers():  # type: ignore[union-attr]
        raise ConfigurationError("ondertekensleutel hoort niet bij het certificaat van de school")
    return Signer(config.sender, cert, key, config.sender_name)


class MailChannel:
    """Delivers meldingen as signed and encrypted mail; mail has no status query."""

    name = "mail"

    def __init__(self, config: MailConfig, clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self.signer = _load_signer(config)
        self.settings = SmtpSettings(
            host=config.smtp_host, port=config.smtp_port, ca_file=config.ca_file,
            require_starttls=config.require_starttls, username=config.username,
            password=config.password, timeout=config.timeout, local_hostname=config.local_hostname,
        )
        self._clock = clock or (lambda: datetime.now(UTC))

    def _send(self, melding: OutgoingMelding, withdrawal_reason: str | None) -> Receipt:
        if not melding.recipients:
            raise PermanentDeliveryError(
                f"melding {melding.message_id} heeft geen ontvangers met certificaat; "
                "niet te versturen per mail"
            )
        extra = [self.signer.certificate] if self.config.encrypt_to_sender else []
        try:
            content = MailContent(melding, self.config.duo_oin, self._clock(), withdrawal_reason)
            mail = compose(content, self.signer, extra_certificates=extra)
        except ValueError as exc:
            raise PermanentDeliveryError(f"melding {melding.message_id} niet op te bouwen: {exc}") from exc
        reply = send(self.settings, self.config.sender, mail.envelope_recipients, mail.data)
        log.info("mail.sent", message_id=melding.message_id, withdrawal=withdrawal_reason is not None,
                 recipients=[r.organisation for r in melding.recipients])
        return Receipt(
            message_id=melding.message_id,
            channel=self.name,
            receiver_reference=mail.message_id_header,
            received_at=self._clock(),
            status="Ingetrokken" if withdrawal_reason is not None else "Verzonden",
            detail=reply,
        )

    def deliver(self, melding: OutgoingMelding) -> Receipt:
        """Send the melding to every recipient, signed and encrypted."""
        return self._send(melding, None)

    def withdraw(self, melding: OutgoingMelding, reason: str) -> Receipt:
        """Send an "Intrekking" mail that refers to the original Message-ID."""
        return self._send(melding, reason)

    def status(self, melding: OutgoingMelding) -> StatusReport | None:
        """Mail cannot tell what the receiver did: always None."""
        return None

    def close(self) -> None:
        """Nothing to release: every delivery opens and closes its own SMTP connection."""


def create_channel(config: Mapping[str, Any]) -> MailChannel:
    """Entry point ``verzuim_gateway.channels:mail``: build the mail channel from its configuration."""
    try:
        parsed = MailConfig.model_validate(dict(config))
    except ValidationError as exc:
        raise ConfigurationError(f"mailkanaal: ongeldige configuratie: {describe(exc)}") from exc
    return MailChannel(parsed)
