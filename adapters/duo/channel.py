"""The DUO channel: delivers meldingen to a Verzuimloket-style service.

A melding goes out as the shared melding document (``gateway.delivery.document``) in a SOAP body,
with DUO's OIN from this channel's configuration as receiving party. How each failure is
classified for the outbox is ``adapters.duo.failures``; a business rejection
(``requestGoedgekeurd`` false with ``foutmelding``) is permanent.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509

from adapters.duo.client import (
    CURRENT_CALL,
    MAX_RESPONSE_BYTES,
    CallContext,
    HttpxTransport,
    WsSecurity,
    build_service,
    oin_address,
    tls_context,
    zeep_arguments,
)
from adapters.duo.codes import canonical_status
from adapters.duo.failures import CLASSIFIED, classify
from adapters.duo.message import changes_payload, status_payload, wsa_message_id
from adapters.duo.security import Signer, Verifier
from gateway.delivery.document.model import (
    intrekken_document,
    melden_document,
    melding_kenmerk,
    withdrawal_kenmerk,
)
from gateway.delivery.document.render import render
from gateway.domain.errors import ConfigurationError, PermanentDeliveryError
from gateway.domain.ports import OutgoingMelding, Receipt, SchoolIdentity, StatusReport


@dataclass(frozen=True)
class DuoConfig:
    """Settings of the DUO channel (see docs/duo.md for the configuration keys)."""

    endpoint: str
    duo_oin: str
    client_cert: Path
    client_key: Path
    ca: Path
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0
    max_connections: int = 10
    max_response_bytes: int = MAX_RESPONSE_BYTES
    verify_signer_oin: bool = True

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> DuoConfig:
        """Read the channel configuration; missing or malformed keys are a ConfigurationError."""
        try:
            timeouts = config.get("timeouts", {})
            return cls(
                endpoint=str(config["endpoint"]),
                duo_oin=str(config["duo_oin"]),
                client_cert=Path(config["client_cert"]),
                client_key=Path(config["client_key"]),
                ca=Path(config["ca"]),
                connect_timeout=float(timeouts.get("connect", 5.0)),
                read_timeout=float(timeouts.get("read", 30.0)),
                write_timeout=float(timeouts.get("write", 10.0)),
                pool_timeout=float(timeouts.get("pool", 5.0)),
                max_connections=int(config.get("max_connections", 10)),
                max_response_bytes=int(config.get("max_response_bytes", MAX_RESPONSE_BYTES)),
                verify_signer_oin=bool(config.get("verify_signer_oin", True)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigurationError(f"DUO-kanaal: configuratie onvolledig of ongeldig ({exc})") \
                from exc


@dataclass(frozen=True)
class StatusChange(StatusReport):
    """One melding's status as DUO reports it in answer to a poll: the status, when it changed,
    and for Afgesloten the Besluit's reden and toelichting codes (when the answer carries them)."""

    changed_at: datetime | None = None
    reden: str | None = None
    toelichting_afsluiting: str | None = None


def _aware(moment: datetime | None) -> datetime | None:
    """A moment from DUO's answer in UTC (a time without offset is read as UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class DuoChannel:
    """A ``gateway.domain.ports.Channel`` to DUO's Verzuimloket over SOAP, mutual TLS and WS-Security."""

    name = "duo"

    def __init__(self, config: DuoConfig,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.config = config
        self._clock = clock
        try:
            ctx = tls_context(config.ca, config.client_cert, config.client_key)
            cert_pem = config.client_cert.read_bytes()
            key_pem = config.client_key.read_bytes()
            ca_pem = config.ca.read_bytes()
            x509.load_pem_x509_certificate(cert_pem)
            signer = Signer(cert_pem, key_pem, clock=clock)
        except (OSError, ssl.SSLError, ValueError, TypeError) as exc:
            raise ConfigurationError(f"DUO-kanaal: certificaten niet te laden ({exc})") from exc
        self._pool = httpx.HTTPTransport(
            verify=ctx, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
            limits=httpx.Limits(max_connections=config.max_connections,
                                max_keepalive_connections=config.max_connections),
        )
        transport = HttpxTransport(
            self._pool,
            httpx.Timeout(connect=config.connect_timeout, read=config.read_timeout,
                          write=config.write_timeout, pool=config.pool_timeout),
            {"User-Agent": "verzuim-gateway/duo"},
            max_response_bytes=config.max_response_bytes,
        )
        wsse = WsSecurity(signer, Verifier(ca_pem, clock=clock),
                          config.duo_oin if config.verify_signer_oin else None)
        self._service = build_service(transport, wsse, config.endpoint)

    # --- the Channel protocol ----------------------------------------------------------------

    def deliver(self, melding: OutgoingMelding) -> Receipt:
        """Register one melding; DUO answers a repeated MessageID with the original receipt."""
        document = melden_document(melding, self.config.duo_oin)
        kenmerk = melding_kenmerk(melding)
        result = self._call("MeldenVerzuim", melding.school, wsa_message_id(kenmerk), document)
        self._raise_rejection(result)
        return Receipt(
            message_id=melding.message_id, channel=self.name,
            receiver_reference=result.meldingsnummer,
            received_at=result.datumTijdOntvangst or self._clock(),
            status=canonical_status(result.status),
        )

    def withdraw(self, melding: OutgoingMelding, reason: str) -> Receipt:
        """Withdraw a melding delivered earlier (status Ingetrokken)."""
        document = intrekken_document(melding, self.config.duo_oin, reason)
        result = self._call("IntrekkenMelding", melding.school,
                            wsa_message_id(withdrawal_kenmerk(melding)), document)
        self._raise_rejection(result)
        return Receipt(message_id=melding.message_id, channel=self.name,
                       receiver_reference=result.meldingsnummer, received_at=self._clock(),
                       status=canonical_status(result.status))

    def status(self, melding: OutgoingMelding) -> StatusReport | None:
        """Ask DUO about this melding (resolves an in-doubt delivery)."""
        kenmerk = melding_kenmerk(melding)
        payload = status_payload(melding.school, self.config.duo_oin, [kenmerk])
        result = self._call("OpvragenStatuswijzigingen", melding.school,
                            wsa_message_id(payload["bedrijfsdocument"][
                                "identificatiecodeBedrijfsdocument"]), payload)
        self._raise_rejection(result)
        for item in result.melding or []:
            if item.kenmerkMelding == kenmerk:
                return StatusReport(message_id=melding.message_id, found=True,
                                    receiver_reference=item.meldingsnummer,
                                    status=canonical_status(item.status))
        return StatusReport(message_id=melding.message_id, found=False)

    def changes_since(self, school: SchoolIdentity, since: datetime) -> list[StatusChange]:
        """Status changes of a school's meldingen since a moment (for the terugkoppeling poll),
        each with when it changed; the same call answers a poll again after a failure."""
        payload = changes_payload(school, self.config.duo_oin, since)
        result = self._call("OpvragenStatuswijzigingen", school,
                            wsa_message_id(payload["bedrijfsdocument"][
                                "identificatiecodeBedrijfsdocument"]), payload)
        self._raise_rejection(result)
        return [StatusChange(message_id=item.kenmerkMelding, found=True,
                             receiver_reference=item.meldingsnummer,
                             status=canonical_status(item.status),
                             changed_at=_aware(item.datumTijdStatuswijziging),
                             reden=getattr(item, "redenAfsluiting", None),
                             toelichting_afsluiting=getattr(item, "toelichtingAfsluiting", None))
                for item in result.melding or []]

    def close(self) -> None:
        """Release the pooled connections."""
        self._pool.close()

    # --- the boundary ------------------------------------------------------------------------

    def _call(self, operation: str, school: SchoolIdentity, message_id: str,
              payload: Mapping[str, Any]) -> Any:
        request = f"{operation}Request"
        call = CallContext(to=oin_address(self.config.endpoint, self.config.duo_oin),
                           from_oin=school.oin, message_id=message_id,
                           body=render(request, payload))
        token = CURRENT_CALL.set(call)
        try:
            return getattr(self._service, operation)(**zeep_arguments(payload))
        except CLASSIFIED as exc:
            raise classify(exc) from exc
        finally:
            CURRENT_CALL.reset(token)

    @staticmethod
    def _raise_rejection(result: Any) -> None:
        if result.requestGoedgekeurd:
            return
        errors = [f"{f.foutcode}: {f.fouttekst}" for f in (result.foutmelding or [])]
        text = "; ".join(errors) or "afgewezen zonder foutmelding"
        raise PermanentDeliveryError(f"DUO wijst de melding af: {text}", receiver_text=text)

