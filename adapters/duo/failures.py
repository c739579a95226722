"""What a failed call to DUO means for the outbox: transient, permanent or in doubt.

Transient: nothing reached DUO, or it asked to come back (connection errors, TLS refusals,
HTTP 5xx, SOAP fault 0051). Permanent: DUO refused the melding (other SOAP faults, 4xx, an
invalid request). In doubt: the request left and no answer came (read timeout, dropped
connection), or an answer that cannot be read (not XML, too large, failing its checks): ask
``status`` before sending again.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import httpx
import zeep.exceptions

from adapters.duo.client import HttpStatusError, RequestInvalid, ResponseInvalid, ResponseTooLarge
from gateway.delivery.document.schema import VZ
from gateway.domain.errors import (
    DeliveryError,
    InDoubtDeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
)

TRANSIENT_FAULTS = frozenset({"0051"})
# An SSL error of these classes is a connection that ended without a proper TLS close: it can
# happen after the server took the request, so it says nothing about a refusal.
UNCLEAN_CLOSE = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)


def classify_fault(fault: zeep.exceptions.Fault) -> DeliveryError:
    """A SOAP fault: transient for Digikoppeling's 'try later' code, otherwise permanent."""
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


def _request_invalid(exc: RequestInvalid) -> DeliveryError:
    return PermanentDeliveryError(f"melding voldoet niet aan het XSD: {exc}", receiver_text=str(exc))


def _incomplete(exc: zeep.exceptions.ValidationError) -> DeliveryError:
    return PermanentDeliveryError(f"melding onvolledig: {exc.message}", receiver_text=str(exc.message))


def _http_status(exc: HttpStatusError) -> DeliveryError:
    if exc.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return TransientDeliveryError(f"DUO tijdelijk niet beschikbaar (HTTP {exc.status_code})",
                                      receiver_text=exc.text)
    return PermanentDeliveryError(f"DUO weigert het verzoek (HTTP {exc.status_code})",
                                  receiver_text=exc.text)


def _unreachable(exc: httpx.TransportError) -> DeliveryError:
    return TransientDeliveryError(f"DUO niet bereikbaar: {type(exc).__name__}")


def _no_answer(exc: httpx.TransportError) -> DeliveryError:
    if tls_refusal(exc):
        return TransientDeliveryError("TLS-verbinding door DUO geweigerd (certificaat)")
    return InDoubtDeliveryError(f"geen antwoord van DUO na verzenden ({type(exc).__name__}); "
                                f"eerst status opvragen")


def _untrusted_answer(exc: ResponseInvalid) -> DeliveryError:
    return InDoubtDeliveryError(str(exc))


def _answer_too_large(exc: ResponseTooLarge) -> DeliveryError:
    return InDoubtDeliveryError(f"antwoord van DUO groter dan {exc.limit} bytes, niet gelezen; "
                                f"eerst status opvragen")


def _unparsable_answer(exc: zeep.exceptions.TransportError) -> DeliveryError:
    # zeep raises this for an answer it cannot parse (empty, not XML): the request reached DUO
    # and may have been processed.
    return InDoubtDeliveryError(f"onleesbaar antwoord van DUO (HTTP {exc.status_code}); "
                                f"eerst status opvragen")


def _transport(exc: httpx.TransportError) -> DeliveryError:
    return TransientDeliveryError(f"transportfout naar DUO: {type(exc).__name__}")


def _unreadable_answer(exc: zeep.exceptions.XMLSyntaxError) -> DeliveryError:
    return InDoubtDeliveryError("onleesbaar antwoord van DUO")


# In order: the first entry whose classes match decides (httpx's specific errors come before
# their base class ``httpx.TransportError``).
VERDICTS: tuple[tuple[tuple[type[Exception], ...], Callable[[Any], DeliveryError]], ...] = (
    ((RequestInvalid,), _request_invalid),
    ((zeep.exceptions.ValidationError,), _incomplete),
    ((zeep.exceptions.Fault,), classify_fault),
    ((HttpStatusError,), _http_status),
    ((httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout), _unreachable),
    ((httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError,
      httpx.RemoteProtocolError), _no_answer),
    ((ResponseInvalid,), _untrusted_answer),
    ((ResponseTooLarge,), _answer_too_large),
    ((zeep.exceptions.TransportError,), _unparsable_answer),
    ((httpx.TransportError,), _transport),
    ((zeep.exceptions.XMLSyntaxError,), _unreadable_answer),
)
# Every exception a call can fail with that has a verdict.
CLASSIFIED: tuple[type[Exception], ...] = tuple(kind for kinds, _ in VERDICTS for kind in kinds)


def classify(exc: Exception) -> DeliveryError:
    """The delivery error for a failed call (``exc`` is one of ``CLASSIFIED``)."""
    for kinds, verdict in VERDICTS:
        if isinstance(exc, kinds):
            return verdict(exc)
    raise TypeError(f"geen oordeel voor {type(exc).__name__}") from exc


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
