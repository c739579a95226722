"""The DUO channel: delivers meldingen to a Verzuimloket-style service and classifies failures.

Transient: nothing reached DUO, or it asked to come back (connection errors, TLS refusals,
HTTP 5xx, SOAP fault 0051). Permanent: DUO refused the melding (``requestGoedgekeurd`` false
with ``foutmelding``, other SOAP faults, 4xx, an invalid request). In doubt: the request left and
no answer came (read timeout, dropped connection), or an answer that cannot be read (not
XML, too large, failing its checks): ask ``status`` before sending again.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import zeep.exceptions
from cryptography import x509

from adapters.duo.client import (
    CURRENT_CALL,
    MAX_RESPONSE_BYTES,
    CallContext,
    HttpStatusError,
    HttpxTransport,
    RequestInvalid,
    ResponseInvalid,
    ResponseTooLarge,
    WsSecurity,
    build_client,
    oin_address,
    tls_context,
)
from adapters.duo.codes import canonical_status
from adapters.duo.message import (
    changes_payload,
    intrekken_payload,
    melden_payload,
    melding_kenmerk,
    status_payload,
    withdrawal_kenmerk,
    wsa_message_id,
)
from adapters.duo.render import install as install_renderer
from adapters.duo.security import Signer, Verifier
from adapters.duo.xmlsafe import VZ
from gateway.domain.errors import (
    ConfigurationError,
    InDoubtDeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from gateway.domain.ports import OutgoingMelding, Receipt, SchoolIdentity, StatusReport

T = TypeVar("T")
TRANSIENT_FAULTS = frozenset({"0051"})
# An SSL error of these classes is a connection that ended without a proper TLS close: it can
# happen after the server took the request, so it says nothing about a refusal.
UNCLEAN_CLOSE = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)


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
        self._client = build_client(transport, wsse)
        self._service = self._client.create_service(
            "{http://duo.nl/contract/DUO_Verzuimloket_V1}VerzuimloketBinding",
            config.endpoint,
        )
        install_renderer(self._service._binding)

    # --- the Channel protocol ----------------------------------------------------------------

    def deliver(self, melding: OutgoingMelding) -> Receipt:
        """Register one melding; DUO answers a repeated MessageID with the original receipt."""
        payload = melden_payload(melding, self.config.duo_oin)
        kenmerk = melding_kenmerk(melding)
        result = self._call("MeldenVerzuim", melding.school, wsa_message_id(kenmerk), payload)
        self._raise_rejection(result)
        return Receipt(
            message_id=melding.message_id, channel=self.name,
            receiver_reference=result.meldingsnummer,
            received_at=result.datumTijdOntvangst or self._clock(),
            status=canonical_status(result.status),
        )

    def withdraw(self, melding: OutgoingMelding, reason: str) -> Receipt:
        """Withdraw a melding delivered earlier (status Ingetrokken)."""
        payload = intrekken_payload(melding, self.config.duo_oin, reason, None)
        result = self._call("IntrekkenMelding", melding.school,
                            wsa_message_id(withdrawal_kenmerk(melding)), payload)
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

    def changes_since(self, school: SchoolIdentity, since: datetime) -> list[StatusReport]:
        """Status changes of a school's meldingen since a moment (for the terugkoppeling poll)."""
        payload = changes_payload(school, self.config.duo_oin, since)
        result = self._call("OpvragenStatuswijzigingen", school,
                            wsa_message_id(payload["bedrijfsdocument"][
                                "identificatiecodeBedrijfsdocument"]), payload)
        self._raise_rejection(result)
        return [StatusReport(message_id=item.kenmerkMelding, found=True,
                             receiver_reference=item.meldingsnummer,
                             status=canonical_status(item.status))
                for item in result.melding or []]

    def close(self) -> None:
        """Release the pooled connections."""
        self._pool.close()

    # --- the boundary ------------------------------------------------------------------------

    def _call(self, operation: str, school: SchoolIdentity, message_id: str,
              payload: Mapping[str, Any]) -> Any:
        call = CallContext(to=oin_address(self.config.endpoint, self.config.duo_oin),
                           from_oin=school.oin, message_id=message_id)
        token = CURRENT_CALL.set(call)
        try:
            return getattr(self._service, operation)(**payload)
        except RequestInvalid as exc:
            raise PermanentDeliveryError(f"melding voldoet niet aan het XSD: {exc}",
                                         receiver_text=str(exc)) from exc
        except zeep.exceptions.ValidationError as exc:
            raise PermanentDeliveryError(f"melding onvolledig: {exc.message}",
                                         receiver_text=str(exc.message)) from exc
        except zeep.exceptions.Fault as exc:
            raise _classify_fault(exc) from exc
        except HttpStatusError as exc:
            if exc.status_code >= 500:
                raise TransientDeliveryError(f"DUO tijdelijk niet beschikbaar (HTTP "
                                             f"{exc.status_code})",
                                             receiver_text=exc.text) from exc
            raise PermanentDeliveryError(f"DUO weigert het verzoek (HTTP {exc.status_code})",
                                         receiver_text=exc.text) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientDeliveryError(f"DUO niet bereikbaar: {type(exc).__name__}") from exc
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
                httpx.RemoteProtocolError) as exc:
            if tls_refusal(exc):
                raise TransientDeliveryError("TLS-verbinding door DUO geweigerd "
                                             "(certificaat)") from exc
            raise InDoubtDeliveryError(f"geen antwoord van DUO na verzenden "
                                       f"({type(exc).__name__}); eerst status opvragen") from exc
        except ResponseInvalid as exc:
            raise InDoubtDeliveryError(str(exc)) from exc
        except ResponseTooLarge as exc:
            raise InDoubtDeliveryError(f"antwoord van DUO groter dan {exc.limit} bytes, niet "
                                       f"gelezen; eerst status opvragen") from exc
        except zeep.exceptions.TransportError as exc:
            # zeep raises this for an answer it cannot parse (empty, not XML): the request
            # reached DUO and may have been processed.
            raise InDoubtDeliveryError(f"onleesbaar antwoord van DUO (HTTP {exc.status_code}); "
                                       f"eerst status opvragen") from exc
        except httpx.TransportError as exc:
            raise TransientDeliveryError(f"transportfout naar DUO: {type(exc).__name__}") from exc
        except zeep.exceptions.XMLSyntaxError as exc:
            raise InDoubtDeliveryError("onleesbaar antwoord van DUO") from exc
        finally:
            CURRENT_CALL.reset(token)

    @staticmethod
    def _raise_rejection(result: Any) -> None:
        if result.requestGoedgekeurd:
            return
        errors = [f"{f.foutcode}: {f.fouttekst}" for f in (result.foutmelding or [])]
        text = "; ".join(errors) or "afgewezen zonder foutmelding"
        raise PermanentDeliveryError(f"DUO wijst de melding af: {text}", receiver_text=text)


def _classify_fault(fault: zeep.exceptions.Fault) -> Exception:
    code = None
    text = fault.message or ""
    if fault.detail is not None:
        detail = fault.detail.find(f"{{{VZ}}}foutdetail")
        if detail is not None:
            code = (detail.findtext(f"{{{VZ}}}foutcode") or "").strip()
            text = (detail.findtext(f"{{{VZ}}}fouttekst") or text).strip()
    receiver_text = f"{code}: {text}" if code else text
    if code in TRANSIENT_FAULTS:
        return TransientDeliveryError(f"DUO tijdelijk niet beschikbaar ({receiver_text})",
                                      receiver_text=receiver_text)
    return PermanentDeliveryError(f"DUO weigert het bericht ({receiver_text})",
                                  receiver_text=receiver_text)


def tls_refusal(exc: BaseException) -> bool:
    """Whether ``exc`` was caused by the server refusing TLS (e.g. our certificate).

    The server's TLS layer decides before it hands any request on, so nothing was processed:
    any ``ssl.SSLError`` in the cause chain other than an unclean close (``UNCLEAN_CLOSE``).
    """
    seen: BaseException | None = exc
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:
        if isinstance(seen, ssl.SSLError) and not isinstance(seen, UNCLEAN_CLOSE):
            return True
        visited.add(id(seen))
        seen = seen.__cause__ or seen.__context__
    return False

