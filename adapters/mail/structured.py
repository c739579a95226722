"""The structured melding attached to a mail: JSON, and the same XML document the DUO channel sends.

The XML is the shared melding document (``gateway.delivery.document``), so a receiver reads one
format whether a melding came by DUO or by mail. The JSON (``melding.json``, format 2) carries the
whole melding: the signal, the school and student, the content as the Besluit Verzuimmelding asks
it (``content_to_json``), the computed verzuimspecificatie and the vermoedelijke soort verzuim. Its
published JSON Schema is ``schema/melding-2.schema.json``; ``validate_melding_json`` checks a
document against it.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import asdict
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from gateway.delivery.document import melding_document
from gateway.domain.errors import ConfigurationError
from gateway.domain.melding_content import content_to_json, specification_to_json
from gateway.domain.ports import OutgoingMelding
from gateway.domain.soort_verzuim import vermoedelijke_soort

FORMAT_VERSION = "2"
SCHEMA_FILE = f"schema/melding-{FORMAT_VERSION}.schema.json"


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _soort(rule: str) -> dict[str, str] | None:
    soort = vermoedelijke_soort(rule)
    return None if soort is None else {"code": soort.code, "label": soort.label}


def melding_dict(melding: OutgoingMelding, *, withdrawal_reason: str | None = None) -> dict[str, Any]:
    """The melding (or its withdrawal) as plain JSON-ready data, personal data included."""
    spec = melding.specification
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
        "vermoedelijke_soort": _soort(melding.signal.rule),
        "content": content_to_json(melding.content),
        "specification": None if spec is None else specification_to_json(spec),
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


def melding_schema() -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) of ``melding.json``."""
    schema: dict[str, Any] = json.loads((files("adapters.mail") / SCHEMA_FILE).read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> Any:
    # jsonschema is imported here, not at the top: sending a melding never needs it, only checking one.
    try:
        jsonschema = importlib.import_module("jsonschema")
    except ImportError as exc:
        raise ConfigurationError("melding.json controleren vraagt het pakket jsonschema "
                                 "(pip install 'jsonschema>=4')") from exc
    return jsonschema.Draft202012Validator(melding_schema(), format_checker=jsonschema.FormatChecker())


def _deepest(error: Any) -> Any:
    # A nullable shape is a oneOf of null and an object: its own error says only "not valid under
    # any"; the error deepest inside the object branch says which field is wrong.
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def validate_melding_json(data: bytes) -> list[str]:
    """The problems of a ``melding.json`` against its published schema (empty: valid), in Dutch,
    each naming where in the document."""
    try:
        document = json.loads(data)
    except ValueError as exc:
        return [f"melding.json is geen JSON: {exc}"]
    problems = []
    found = [_deepest(e) for e in _validator().iter_errors(document)]
    for error in sorted(found, key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in error.absolute_path) or "(hele document)"
        problems.append(f"{where}: voldoet niet aan het schema ({error.validator}): {error.message}")
    return problems
