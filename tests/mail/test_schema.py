"""melding.json has a published JSON Schema (draft 2020-12) that every attachment the mail sends
meets, and that refuses what does not fit: the schema says something."""

from __future__ import annotations

import json
import sys
from dataclasses import fields
from importlib.resources import files
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from adapters.mail import structured
from gateway.domain.errors import ConfigurationError
from gateway.domain.melding_content import CONCERNS, CONTACT_WAYS, MeldingContent
from gateway.domain.ports import SchoolIdentity, StudentDetails
from gateway.domain.soort_verzuim import SOORTEN
from tests.mail.kinds import all_kinds, verzuim_16u

KINDS = all_kinds()


def _valid_document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(structured.to_json(verzuim_16u()))
    return data


def test_schema_is_a_valid_draft_2020_12_schema_versioned_in_name_and_id() -> None:
    """The published schema is itself valid, and its file name and $id carry format version 2."""
    schema = structured.melding_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/melding-2.schema.json")
    assert structured.SCHEMA_FILE == "schema/melding-2.schema.json"
    assert schema["properties"]["format_version"]["const"] == structured.FORMAT_VERSION


def test_schema_ships_inside_the_package() -> None:
    """The schema is package data of adapters.mail, so the wheel carries it (pyproject package-data)."""
    assert (files("adapters.mail") / structured.SCHEMA_FILE).is_file()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_of_attachment_meets_the_schema(kind: str) -> None:
    """16 uur under 18, RMC 18+ with concerns, a no-show with contact attempts, the manual kinds,
    an uitschrijving and a withdrawal: each melding.json validates."""
    melding, reason = KINDS[kind]
    assert structured.validate_melding_json(structured.to_json(melding, withdrawal_reason=reason)) == []


def test_an_extra_key_is_refused() -> None:
    """The shape is closed: a key the schema does not name fails, at the top and inside content."""
    top = {**_valid_document(), "surprise": 1}
    inner = _valid_document()
    inner["content"]["actie_gewenst_default"] = False
    assert any("surprise" in p for p in structured.validate_melding_json(json.dumps(top).encode()))
    assert any(p.startswith("content:") for p in structured.validate_melding_json(json.dumps(inner).encode()))


def test_a_wrong_type_is_refused() -> None:
    """actie gewenst as the text "nee", or verzuimuren as text, fails and names where."""
    data = _valid_document()
    data["content"]["actie_gewenst"] = "nee"
    data["specification"]["verzuimuren"] = "16,5"
    problems = structured.validate_melding_json(json.dumps(data).encode())
    assert [p.split(":")[0] for p in problems] == ["content/actie_gewenst", "specification/verzuimuren"]


def test_a_missing_required_key_and_an_unknown_concern_are_refused() -> None:
    """A document without its specification key, or with a concern outside the three, fails."""
    data = _valid_document()
    del data["specification"]
    data["content"]["concerns"] = ["geldzorgen"]
    problems = structured.validate_melding_json(json.dumps(data).encode())
    assert len(problems) == 2


def test_a_withdrawal_needs_its_reason_and_a_melding_has_none() -> None:
    """type intrekking requires the withdrawal object; a melding must not carry one."""
    withdrawal = {**_valid_document(), "type": "intrekking"}
    melding = {**_valid_document(), "withdrawal": {"reason": "correctie"}}
    assert structured.validate_melding_json(json.dumps(withdrawal).encode())
    assert structured.validate_melding_json(json.dumps(melding).encode())


def test_what_is_no_json_is_reported_not_raised() -> None:
    """Bytes that are no JSON give one problem, in Dutch."""
    [problem] = structured.validate_melding_json(b"{kapot")
    assert problem.startswith("melding.json is geen JSON")


def test_schema_names_exactly_the_fields_the_code_writes() -> None:
    """School, student and content properties, concerns, contact ways and soort codes are those of
    the domain: a field added there without the schema fails here."""
    defs = structured.melding_schema()["$defs"]
    assert set(defs["school"]["properties"]) == {f.name for f in fields(SchoolIdentity)}
    assert set(defs["student"]["properties"]) == {f.name for f in fields(StudentDetails)}
    assert set(defs["content"]["properties"]) == {f.name for f in fields(MeldingContent)}
    assert defs["content"]["properties"]["concerns"]["items"]["enum"] == list(CONCERNS)
    assert defs["contact_attempt"]["properties"]["how"]["enum"] == list(CONTACT_WAYS)
    assert defs["soort"]["properties"]["code"]["enum"] == [s.code for s in SOORTEN]


def _untyped(node: Any, where: str = "") -> list[str]:
    if not isinstance(node, dict):
        return []
    out = [f"{where}/{name}" for name, prop in node.get("properties", {}).items()
           if not ({"type", "$ref", "oneOf"} & set(prop))]
    for key, value in node.items():
        children = value.values() if key in ("properties", "$defs") else [value]
        out += [p for child in children if isinstance(child, dict) for p in _untyped(child, f"{where}/{key}")]
    return out


def test_every_property_is_typed() -> None:
    """Each property has a type (directly, or through a $ref or a oneOf of typed shapes)."""
    assert _untyped(structured.melding_schema()) == []


def test_checking_without_jsonschema_installed_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sending never needs jsonschema; checking without it is a ConfigurationError naming the package."""
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    structured._validator.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="jsonschema"):
            structured.validate_melding_json(structured.to_json(verzuim_16u()))
    finally:
        structured._validator.cache_clear()
