"""Sending one mail over SMTP with STARTTLS, with every failure classified for the outbox.

- transient (retry with backoff): the server cannot be reached, the connection drops before the
  message was complete, or any 4xx reply;
- permanent (dead letter): a 5xx reply (recipient, sender or message refused), failed
  authentication, no STARTTLS while it is required, or a server certificate that does not verify;
- in doubt: the whole message left, but the final reply never came.

All recipients are checked before DATA, so a mail goes to all of them or to none.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gateway.domain.errors import InDoubtDeliveryError, PermanentDeliveryError, TransientDeliveryError

# SMTP reply codes (RFC 5321): completed, will forward (both accept a recipient), go ahead with
# the message data; any 4xx is a temporary refusal, a 5xx a permanent one.
OK = 250
WILL_FORWARD = 251
START_MAIL_INPUT = 354
TEMPORARY_FAILURE = range(400, 500)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect to the outgoing mail server."""

    host: str
    port: int
    ca_file: Path | None = None
    require_starttls: bool = True
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    local_hostname: str | None = None


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A client context that verifies the server (against ``ca_file`` or the system store), TLS 1.2+."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _raise_for(code: int, reply: bytes | str, what: str) -> None:
    text = f"{code} {_text(reply)}".strip()
    if code in TEMPORARY_FAILURE:
        raise TransientDeliveryError(f"mailserver weigerde tijdelijk ({what}): {text}", receiver_text=text)
    raise PermanentDeliveryError(f"mailserver weigerde ({what}): {text}", receiver_text=text)


def _quote_periods(data: bytes) -> bytes:
    return re.sub(rb"(?m)^\.", b"..", data)


def _open(settings: SmtpSettings) -> smtplib.SMTP:
    where = f"{settings.host}:{settings.port}"
    client: smtplib.SMTP | None = None
    try:
        # Passing the host to the constructor also sets the name that TLS verifies.
        client = smtplib.SMTP(settings.host, settings.port, local_hostname=settings.local_hostname,
                              timeout=settings.timeout)
        client.ehlo()
    except smtplib.SMTPConnectError as exc:
        raise TransientDeliveryError(
            f"mailserver {where} weigert de verbinding: {exc.smtp_code} {_text(exc.smtp_error)}"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        if client is not None:
            client.close()
        raise TransientDeliveryError(f"mailserver {where} niet bereikbaar: {exc}") from exc
    if settings.require_starttls or client.has_extn("starttls"):
        _starttls(client, settings, where)
    if settings.username:
        _login(client, settings, where)
    return client


def _starttls(client: smtplib.SMTP, settings: SmtpSettings, where: str) -> None:
    if not client.has_extn("starttls"):
        client.close()
        raise PermanentDeliveryError(
            f"mailserver {where} biedt geen STARTTLS; onversleuteld versturen is niet toegestaan"
        )
    try:
        client.starttls(context=tls_context(settings.ca_file))
        client.ehlo()
    except ssl.SSLCertVerificationError as exc:
        client.close()
        raise PermanentDeliveryError(
            f"certificaat van mailserver {where} is niet te vertrouwen: {exc.verify_message}"
        ) from exc
    except smtplib.SMTPResponseException as exc:
        client.close()
        _raise_for(exc.smtp_code, exc.smtp_error, "STARTTLS")
    except (OSError, smtplib.SMTPException) as exc:
        client.close()
        raise TransientDeliveryError(f"beveiligde verbinding met {where} mislukt: {exc}") from exc


def _login(client: smtplib.SMTP, settings: SmtpSettings, where: str) -> None:
    try:
        client.login(settings.username or "", settings.password or "")
    except smtplib.SMTPResponseException as exc:
        client.close()
        _raise_for(exc.smtp_code, exc.smtp_error, f"aanmelden bij {where}")
    except (OSError, smtplib.SMTPException) as exc:
        client.close()
        raise TransientDeliveryError(f"aanmelden bij mailserver {where} mislukt: {exc}") from exc


def _envelope(client: smtplib.SMTP, sender: str, recipients: Sequence[str]) -> None:
    code, reply = client.mail(sender)
    if code != OK:
        _raise_for(code, reply, "afzender")
    refused: list[tuple[str, int, str]] = []
    for address in recipients:
        code, reply = client.rcpt(address)
        if code not in (OK, WILL_FORWARD):
            refused.append((address, code, _text(reply)))
    if refused:
        client.rset()
        text = "; ".join(f"{address}: {code} {reply}" for address, code, reply in refused)
        if all(code in TEMPORARY_FAILURE for _, code, _ in refused):
            raise TransientDeliveryError(f"ontvanger tijdelijk geweigerd: {text}", receiver_text=text)
        raise PermanentDeliveryError(f"ontvanger geweigerd: {text}", receiver_text=text)
    code, reply = client.docmd("DATA")
    if code != START_MAIL_INPUT:
        _raise_for(code, reply, "DATA")


def send(settings: SmtpSettings, sender: str, recipients: Sequence[str], data: bytes) -> str:
    """Send ``data`` (a whole mail, CRLF) to ``recipients``; return the server's final reply text."""
    client = _open(settings)
    try:
        try:
            _envelope(client, sender, recipients)
            payload = _quote_periods(data)
            if not payload.endswith(b"\r\n"):
                payload += b"\r\n"
            client.send(payload + b".\r\n")
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise TransientDeliveryError(
                f"verbinding met mailserver verbroken voor verzending: {exc}"
            ) from exc
        try:
            code, reply = client.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise InDoubtDeliveryError(
                f"bericht verstuurd maar geen bevestiging van de mailserver ontvangen: {exc}"
            ) from exc
        if code != OK:
            _raise_for(code, reply, "bericht")
        with contextlib.suppress(OSError, smtplib.SMTPException):
            client.quit()  # the message was accepted; a failing QUIT changes nothing
        return _text(reply)
    finally:
        client.close()
