"""The domain exception tree.

Every error carries a message for people (Dutch where school staff read it) and, where known,
where the problem is. Retryability lives in the class, never in string matching.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""


class InvalidInput(GatewayError):
    """Input (a case file, a batch, a configuration file) is malformed; ``where`` names the spot."""

    def __init__(self, message: str, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class ConfigurationError(GatewayError):
    """A profile, mapping or school configuration is invalid or missing."""


class UnknownAdapter(ConfigurationError):
    """No adapter (source, channel, sandbox) is registered under the asked name."""


class IllegalTransition(GatewayError):
    """A melding was asked to move to a state its current state does not allow."""


class RoutingError(GatewayError):
    """No recipient can be found for a melding (unknown gemeente, region or route)."""


class DeliveryError(GatewayError):
    """A channel failed to deliver; subclasses say what the outbox must do next."""

    def __init__(self, message: str, *, receiver_text: str | None = None) -> None:
        self.receiver_text = receiver_text
        super().__init__(message)


class TransientDeliveryError(DeliveryError):
    """Nothing reached the receiver, or it asked to try again later: retry with backoff."""


class PermanentDeliveryError(DeliveryError):
    """The receiver refused the melding (validation, business rule): dead letter, no retry."""


class InDoubtDeliveryError(DeliveryError):
    """The request left but no answer came: ask the receiver's status before sending again."""


class SourceError(GatewayError):
    """A source adapter could not read its system."""


class TransientSourceError(SourceError):
    """The source system is unreachable or overloaded; try again later."""


class IntegrityError(GatewayError):
    """Stored data failed a check (audit chain broken, decryption failed)."""


class IncompleteMelding(InvalidInput):
    """A melding misses what a person must fill in; it stays in the review queue. ``missing`` holds
    the field names (``gateway.domain.melding_content.FIELD_LABELS``)."""

    def __init__(self, message: str, missing: tuple[str, ...]) -> None:
        self.missing = missing
        super().__init__(message, "inhoud")
