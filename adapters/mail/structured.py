"""The structured melding attached to a mail: JSON and a small XML form.

The XML here is the mail channel's own, simple serialization (namespace ``XML_NAMESPACE``); the
DUO channel builds the SOAP/XSD form in ``adapters/duo``. The two could share one serializer later.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from lxml import etree

from gateway.ports import OutgoingMelding

FORMAT_VERSION = "1"
XML_NAMESPACE = "urn:verzuim-gateway:mail-melding:1"


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


def _q(tag: str) -> str:
    return f"{{{XML_NAMESPACE}}}{tag}"


def _add(parent: etree._Element, tag: str, value: Any) -> None:
    if value is None or value == "":
        return
    child = etree.SubElement(parent, _q(tag))
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif isinstance(value, date | datetime):
        child.text = value.isoformat()
    else:
        child.text = str(value)


def to_xml(melding: OutgoingMelding, *, withdrawal_reason: str | None = None) -> bytes:
    """The XML attachment: the same melding as the JSON, in the mail channel's namespace."""
    kind = "intrekking" if withdrawal_reason is not None else "melding"
    root = etree.Element(_q("melding"), nsmap={None: XML_NAMESPACE})
    root.set("versie", FORMAT_VERSION)
    root.set("soort", kind)
    _add(root, "kenmerk", melding.message_id)
    _add(root, "meldingId", melding.melding_id)
    _add(root, "aangemaakt", melding.created_at)

    school = etree.SubElement(root, _q("school"), brin=melding.school.brin, oin=melding.school.oin)
    _add(school, "naam", melding.school.name)
    _add(school, "locatie", melding.school.location)
    contact = etree.SubElement(school, _q("contactpersoon"))
    _add(contact, "naam", melding.school.contact_name)
    _add(contact, "email", melding.school.contact_email)
    _add(contact, "telefoon", melding.school.contact_phone)

    s = melding.student
    student = etree.SubElement(root, _q("leerling"))
    for tag, value in (
        ("leerlingId", s.student_id), ("bsn", s.bsn), ("onderwijsnummer", s.onderwijsnummer),
        ("voornamen", s.given_names), ("achternaam", s.family_name), ("geboortedatum", s.birth_date),
        ("straat", s.street), ("huisnummer", s.house_number), ("postcode", s.postcode),
        ("woonplaats", s.city), ("woongemeente", s.woongemeente), ("crebo", s.crebo),
        ("opleiding", s.opleiding), ("leerjaar", s.leerjaar), ("leerweg", s.leerweg), ("niveau", s.niveau),
    ):
        _add(student, tag, value)

    sig = melding.signal
    signal = etree.SubElement(root, _q("signaal"))
    for tag, value in (
        ("regel", sig.rule), ("soort", sig.kind), ("ontvanger", sig.recipient),
        ("triggerdatum", sig.trigger_date), ("periodeBegin", sig.period_start),
        ("periodeEinde", sig.period_end), ("uitersteMelddatum", sig.due_date),
        ("uren", f"{sig.hours:.2f}" if sig.hours is not None else None),
        ("actieGewenst", melding.content.actie_gewenst if melding.content.actie_gewenst is not None
         else sig.actie_gewenst),
        ("wettelijkeGrondslag", sig.legal_basis), ("toelichtingRegel", sig.explanation),
        ("profiel", sig.profile), ("profielversie", sig.profile_version),
    ):
        _add(signal, tag, value)
    evidence = etree.SubElement(signal, _q("bewijs"))
    for record_id in sig.evidence:
        _add(evidence, "record", record_id)

    content = etree.SubElement(root, _q("inhoud"))
    _add(content, "toelichting", melding.content.toelichting)
    concerns = etree.SubElement(content, _q("zorgen"))
    for concern in sorted(melding.content.concerns):
        _add(concerns, "zorg", concern)
    actions = etree.SubElement(content, _q("ondernomenActies"))
    for action in melding.content.actions_taken:
        _add(actions, "actie", action)

    if withdrawal_reason is not None:
        withdrawal = etree.SubElement(root, _q("intrekking"))
        _add(withdrawal, "reden", withdrawal_reason)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
