"""One delivery attempt and its verdict: the error taxonomy of channels in one place.

An attempt of a melding that is in doubt first asks the receiver's status and sends nothing when
the receiver already has it. The verdict says what happened; ``gateway.delivery.retry`` says what
comes next. The worker records verdicts in the outbox; the channels' reliability tests run the
same attempts without a store.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gateway.domain.errors import (
    ConfigurationError,
    InDoubtDeliveryError,
    PermanentDeliveryError,
    RoutingError,
    TransientDeliveryError,
)
from gateway.domain.ports import Channel, OutgoingMelding, Receipt
from gateway.store.engine import utcnow

# The reason a withdrawal gives the receiver (the only reason the gateway withdraws for).
WITHDRAWAL_REASON = "signaal vervallen na correctie"


class Verdict(StrEnum):
    """What one attempt came to."""

    DELIVERED = "delivered"  # the channel answered with a receipt
    ALREADY_HELD = "already_held"  # in doubt, and the status query found it: nothing was sent again
    STATUS_FAILED = "status_failed"  # in doubt, and the status query failed: ask again later, never resend
    TRANSIENT = "transient"  # nothing reached the receiver: retry with backoff (or fall back)
    REJECTED = "rejected"  # the receiver refused it: dead letter
    IN_DOUBT = "in_doubt"  # the request left without an answer: ask the status before sending again
    UNEXPECTED = "unexpected"  # an unclassified error: it may have left, so in doubt as well
    UNROUTABLE = "unroutable"  # no recipient can be found: held back, checked again later
    MISCONFIGURED = "misconfigured"  # the route's channel is set up wrong: nothing was sent


# Verdicts after which the receiver may hold the melding though it did not say so.
UNANSWERED = frozenset({Verdict.IN_DOUBT, Verdict.UNEXPECTED})


@dataclass(frozen=True)
class Outcome:
    """A verdict with the receipt (when delivered) or the error text (Dutch, for people)."""

    verdict: Verdict
    receipt: Receipt | None = None
    error: str = ""
    cause: BaseException | None = None  # the exception behind it, for the log


# Each classified error and its verdict (checked in this order; anything else is UNEXPECTED).
_VERDICTS: tuple[tuple[type[Exception], Verdict], ...] = (
    (TransientDeliveryError, Verdict.TRANSIENT),
    (PermanentDeliveryError, Verdict.REJECTED),
    (InDoubtDeliveryError, Verdict.IN_DOUBT),
    (RoutingError, Verdict.UNROUTABLE),
    (ConfigurationError, Verdict.MISCONFIGURED),  # also UnknownAdapter: nothing was sent
)


def classify(exc: Exception) -> Outcome:
    """The verdict for an error raised while preparing or making an attempt."""
    for kind, verdict in _VERDICTS:
        if isinstance(exc, kind):
            # a rejection is recorded in the receiver's own words when it gave them
            text = exc.receiver_text if isinstance(exc, PermanentDeliveryError) else None
            return Outcome(verdict, error=text or str(exc), cause=exc)
    return Outcome(Verdict.UNEXPECTED, error=f"onverwachte fout: {type(exc).__name__}", cause=exc)


def attempt(
    channel: Channel, melding: OutgoingMelding, *, withdraw: bool = False, in_doubt: bool = False
) -> Outcome:
    """Deliver (or withdraw) ``melding`` once; when ``in_doubt``, ask the receiver's status first."""
    if in_doubt:
        asked = _ask_status(channel, melding)
        if asked is not None:
            return asked
    try:
        receipt = channel.withdraw(melding, WITHDRAWAL_REASON) if withdraw else channel.deliver(melding)
    except Exception as exc:  # noqa: BLE001 - every failure gets a verdict; none may end the worker
        return classify(exc)
    return Outcome(Verdict.DELIVERED, receipt)


def _ask_status(channel: Channel, melding: OutgoingMelding) -> Outcome | None:
    """The outcome when the status query settles the attempt; None: not found, send it (again)."""
    try:
        report = channel.status(melding)
    except (TransientDeliveryError, InDoubtDeliveryError) as exc:
        # Still in doubt: ask again later, never fall back (the receiver may hold it).
        return Outcome(Verdict.STATUS_FAILED, error=f"statusvraag mislukt: {exc}", cause=exc)
    except Exception as exc:  # noqa: BLE001 - classified like a failed send
        return classify(exc)
    if report is None or not report.found:
        return None
    receipt = Receipt(
        message_id=melding.message_id,
        channel=channel.name,
        receiver_reference=report.receiver_reference,
        received_at=utcnow(),
        status=report.status,
        detail="bevestigd via statusvraag",
    )
    return Outcome(Verdict.ALREADY_HELD, receipt)
