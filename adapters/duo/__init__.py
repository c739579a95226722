"""The DUO channel: a Verzuimloket-style SOAP service (WSDL in ``schema/``; the XSD it imports is the
melding document's, in ``gateway.delivery.document``), a zeep client with Edukoppeling addressing
and WS-Security over mutual TLS, and a local stand-in service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.domain.ports import Channel


def create_channel(config: Mapping[str, Any]) -> Channel:
    """Entry point ``verzuim_gateway.channels:duo``: build the channel from its configuration."""
    from adapters.duo.channel import DuoChannel, DuoConfig  # noqa: PLC0415 (zeep loads lazily)

    return DuoChannel(DuoConfig.from_mapping(config))
