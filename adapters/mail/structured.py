"""The structured melding attached to a mail: JSON, and the same XML document the DUO channel sends.

The XML is the shared melding document (``gateway.delivery.document``), so a receiver reads one
format whether a melding came by DUO or by mail; the JSON adds what DUO's document has no field
for (evidence ids, the rule's explanation, the profile version).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from gateway.delivery.document import melding_document
from gateway.domain.ports import OutgoingMelding

FORMAT_VERSION = "1"


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def melding_dict(melding: OutgoingMelding, *, withdrawal_reason: str | None = None) -> dict[str, Any]:
    """The melding (or its withdrawal) as plain JSON-ready data, personal data included."""
    data: dict[str, Any] = {
        "type": "intrekking" if withdrawal_reason is not None else "melding",
        "format_version": FORMAT_VERSION,
        "message_id": melding.message_id,
        "melding_id": melding.melding_id,
        "business_id": melding.signal.business_id,
        "created_at": _plain(melding.created_at),
        "school": _plain(asdict(melding.school)),
        "student": _plain(asdict(melding.student)),
        "signal": melding.signal.to_json(),
        "content": _plain(asdict(melding.content)),
    }
    if withdrawal_reason is not None:
        data["withdrawal"] = {"reason": withdrawal_reason}
    return data


def to_json(melding: OutgoingMelding, *, withdrawal_reason: str | None = None) -> bytes:
    """The JSON attachment (UTF-8, sorted keys, indented for people who open it)."""
    data = melding_dict(melding, withdrawal_reason=withdrawal_reason)
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"


def to_xml(melding: OutgoingMelding, *, duo_oin: str, withdrawal_reason: str | None = None,
           now: datetime | None = None) -> bytes:
    """The XML attachment: DUO's MeldenVerzuim (or IntrekkenMelding) document, valid against its
    XSD, naming ``duo_oin`` (DUO's OIN as configured) as receiving party."""
    return melding_document(melding, receiver_oin=duo_oin, withdrawal_reason=withdrawal_reason,
                            now=now)
