"""The service's own requests: WS-Addressing ids and the status queries.

A melding and its withdrawal are the shared melding document (``gateway.delivery.document.model``);
only what exists because of the SOAP service is built here.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from gateway.delivery.document.model import business_header, instelling
from gateway.domain.ports import SchoolIdentity


def wsa_message_id(kenmerk: str) -> str:
    """The WS-Addressing MessageID for a stable id."""
    return f"urn:uuid:{kenmerk}"


def status_payload(school: SchoolIdentity, duo_oin: str, kenmerken: list[str]) -> dict[str, Any]:
    """The OpvragenStatuswijzigingen request payload for given melding ids."""
    return {
        "bedrijfsdocument": business_header(str(uuid.uuid4()), school, duo_oin),
        "instelling": instelling(school),
        "kenmerkMelding": kenmerken,
    }


def changes_payload(school: SchoolIdentity, duo_oin: str, since: datetime) -> dict[str, Any]:
    """The OpvragenStatuswijzigingen request payload for changes since a moment."""
    return {
        "bedrijfsdocument": business_header(str(uuid.uuid4()), school, duo_oin),
        "instelling": instelling(school),
        "vanafDatumTijd": since,
    }
