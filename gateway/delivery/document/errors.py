"""The melding document's own refusal: what can never be sent as it is."""

from __future__ import annotations

from gateway.domain.errors import PermanentDeliveryError


class DocumentInvalid(PermanentDeliveryError):
    """The melding does not fit DUO's schema, or would carry a field of the Besluit empty; it can
    never be sent as it is."""
