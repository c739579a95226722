"""What the receivers got, checked as they would: each document valid against its published schema
(the SOAP body against DUO's V2 XSD, ``melding.json`` against its JSON Schema, ``melding.xml``
against the XSD too) and no field of the Besluit left empty (``demo.legal``)."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import cast

from lxml import etree

from adapters.mail import smime
from adapters.mail.structured import validate_melding_json
from demo.legal import Sent, json_gaps, xml_gaps
from gateway.delivery.document.schema import VZ_V2, hardened_parser, schema
from gateway.domain.errors import GatewayError

MELDEN = "MeldenVerzuimRequest"
SHOWN_SCHEMA_ERRORS = 3  # schema problems named per document (the first ones)


@dataclass
class Received:
    """Counts of the documents checked, and the problems found (Dutch)."""

    duo_valid: int = 0  # SOAP bodies valid against the V2 XSD
    json_valid: int = 0  # melding.json attachments valid against the JSON Schema
    xml_valid: int = 0  # melding.xml attachments valid against the V2 XSD
    complete: int = 0  # delivered meldingen (DUO or mail) with every legal field filled
    problems: list[str] = field(default_factory=list)

    def gaps(self, where: str, gaps: list[str]) -> None:
        """Record a delivered melding's empty legal fields (or count it complete)."""
        if gaps:
            self.problems.append(f"{where}: afgeleverd met lege wettelijke velden: {', '.join(gaps)}")
        else:
            self.complete += 1


def _xsd_problems(root: etree._Element) -> list[str]:
    """Why ``root`` is not valid against DUO's V2 XSD (empty: valid)."""
    if etree.QName(root).namespace != VZ_V2:
        return [f"niet in schema versie 2 ({etree.QName(root).namespace})"]
    xsd = schema(VZ_V2)
    if xsd.validate(root):
        return []
    errors = cast("Sequence[etree._LogEntry]", xsd.error_log)
    return [f"regel {e.line}: {e.message}" for e in errors[:SHOWN_SCHEMA_ERRORS]]


def check_duo_body(path: Path, root: etree._Element, sent: dict[str, Sent], received: Received) -> None:
    """A SOAP body DUO received: valid against the V2 XSD; a melding in it complete."""
    problems = _xsd_problems(root)
    if problems:
        received.problems.append(f"{path.name}: voldoet niet aan de XSD (V2): " + "; ".join(problems))
    else:
        received.duo_valid += 1
    if etree.QName(root).localname != MELDEN:
        return
    kenmerk = root.findtext(f"{{{VZ_V2}}}bedrijfsdocument/{{{VZ_V2}}}identificatiecodeBedrijfsdocument") or ""
    known = sent.get(kenmerk)
    if known is None:
        received.problems.append(f"{path.name}: DUO ontving melding {kenmerk}, die de gateway niet kent")
        return
    received.gaps(f"{path.name} (melding {kenmerk}, {known.rule})", xml_gaps(root, known))


def _attachments(signed: bytes) -> list[tuple[str, bytes]]:
    """The attachments (file name, bytes) of the signed content of a mail."""
    content, _ = smime.split_signed(signed)
    message = email.message_from_bytes(content, policy=email.policy.default)
    out = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            out.append((part.get_filename() or "", payload))
    return out


def _json_document(path: Path, data: bytes, latest: date, received: Received) -> str:
    """Check one melding.json; returns its melding id (empty when it has none)."""
    problems = validate_melding_json(data)
    if problems:
        received.problems.append(f"{path.name}: melding.json voldoet niet aan het schema: "
                                 + "; ".join(problems[:SHOWN_SCHEMA_ERRORS]))
    else:
        received.json_valid += 1
    try:
        document = json.loads(data)
    except ValueError:
        return ""
    if document.get("type") == "melding":
        try:
            gaps = json_gaps(document, latest)
        except (KeyError, ValueError, TypeError) as exc:
            gaps = [f"niet te lezen ({type(exc).__name__})"]
        received.gaps(f"{path.name} (melding {document.get('melding_id')})", gaps)
    return str(document.get("melding_id") or "")


def check_mail_entity(path: Path, signed: bytes, latest: date, received: Received) -> list[str]:
    """The attachments of a decrypted mail: melding.json against its JSON Schema and complete,
    melding.xml against the V2 XSD. Returns the melding ids the mail carried."""
    try:
        attachments = _attachments(signed)
    except (smime.SmimeError, GatewayError) as exc:
        received.problems.append(f"{path.name}: bijlagen niet te lezen: {exc}")
        return []
    ids = []
    for name, data in attachments:
        if name.endswith(".json"):
            ids.append(_json_document(path, data, latest, received))
        elif name.endswith(".xml"):
            problems = _xsd_problems(etree.fromstring(data, hardened_parser()))
            if problems:
                received.problems.append(f"{path.name}: {name} voldoet niet aan de XSD (V2): "
                                         + "; ".join(problems))
            else:
                received.xml_valid += 1
    if not any(name.endswith(".json") for name, _ in attachments):
        received.problems.append(f"{path.name}: geen melding.json als bijlage")
    return [i for i in ids if i]
