"""The readable Dutch body and the structured JSON / XML attachments of a melding mail."""

from __future__ import annotations

import json

from lxml import etree

from adapters.mail import body, structured
from adapters.mail.compose import inner_entity
from gateway.ports import OutgoingMelding
from tests.mail.helpers import STUDENT_BSN, make_melding, make_signal

NS = {"m": structured.XML_NAMESPACE}


def _parse(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(xml, parser)


def test_json_holds_signal_content_and_personal_data(melding: OutgoingMelding) -> None:
    """The JSON attachment carries the pinned signal fields, the content and the student's data."""
    data = json.loads(structured.to_json(melding))
    assert data["type"] == "melding"
    assert data["message_id"] == melding.message_id
    assert data["signal"]["period_start"] == "2026-09-01"
    assert data["signal"]["evidence"] == ["L1", "L7"]
    assert data["student"]["bsn"] == STUDENT_BSN
    assert data["content"]["concerns"] == ["dreigende_uitval"]


def test_xml_matches_the_json(melding: OutgoingMelding) -> None:
    """The XML attachment is well-formed and says the same as the JSON."""
    root = _parse(structured.to_xml(melding))
    assert root.get("soort") == "melding"
    assert root.findtext("m:kenmerk", namespaces=NS) == melding.message_id
    assert root.findtext("m:signaal/m:regel", namespaces=NS) == "verzuim-16u"
    assert root.findtext("m:signaal/m:uren", namespaces=NS) == "16.50"
    assert root.findtext("m:leerling/m:bsn", namespaces=NS) == STUDENT_BSN
    assert root.findall("m:signaal/m:bewijs/m:record", namespaces=NS)[1].text == "L7"


def test_open_end_date_is_left_out_of_the_xml() -> None:
    """An LRV melding with an open end date has no periodeEinde element."""
    melding = make_melding((), make_signal(rule="lrv", period_end=None, hours=None))
    root = _parse(structured.to_xml(melding))
    assert root.find("m:signaal/m:periodeEinde", namespaces=NS) is None
    assert root.find("m:signaal/m:uren", namespaces=NS) is None


def test_withdrawal_is_marked_in_both_forms(melding: OutgoingMelding) -> None:
    """A withdrawal's JSON and XML say "intrekking" and carry the reason."""
    data = json.loads(structured.to_json(melding, withdrawal_reason="correctie"))
    root = _parse(structured.to_xml(melding, withdrawal_reason="correctie"))
    assert data["type"] == "intrekking"
    assert root.get("soort") == "intrekking"
    assert root.findtext("m:intrekking/m:reden", namespaces=NS) == "correctie"


def test_body_tells_who_what_when_and_whom_to_call(melding: OutgoingMelding) -> None:
    """The Dutch text names the student, rule, legal basis, period, hours, deadline and contact."""
    text = body.melding_text(melding)
    for expected in ("Sanne Jansen", "16 uur ongeoorloofd verzuim", "Leerplichtwet 1969 art. 21a",
                     "1 september 2026 t/m 22 september 2026", "16,50", "29 september 2026",
                     "J. de Vries", "0223-000000", "Medewerker ICT (crebo 25604)", "dreigende uitval",
                     "gebeld op 2 september", "Actie gewenst:           nee"):
        assert expected in text


def test_open_period_reads_as_open() -> None:
    """An open end date reads "t/m open" in the text."""
    text = body.melding_text(make_melding((), make_signal(rule="lrv", period_end=None, hours=None)))
    assert "t/m open" in text
    assert "Langdurig relatief verzuim" in text


def test_subject_has_no_personal_data(melding: OutgoingMelding) -> None:
    """The subject names the rule, the school and the kenmerk only."""
    subject = body.subject(melding)
    assert "Jansen" not in subject
    assert STUDENT_BSN not in subject
    assert melding.message_id in subject


def test_signed_entity_is_seven_bit_with_both_attachments(melding: OutgoingMelding) -> None:
    """What gets signed is 7-bit MIME (safe through any relay) with melding.json and melding.xml."""
    entity = inner_entity(melding)
    assert max(entity) < 128
    assert b'filename="melding.json"' in entity
    assert b'filename="melding.xml"' in entity
