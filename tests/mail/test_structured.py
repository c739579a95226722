"""The readable Dutch body and the structured JSON / XML attachments of a melding mail."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from lxml import etree

from adapters.duo.xmlsafe import VZ, validate_payload
from adapters.mail import body, structured
from adapters.mail.compose import inner_entity
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.ports import OutgoingMelding
from tests.mail.helpers import STUDENT_BSN, make_melding, make_signal

NS = {"vz": VZ}


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


def test_xml_is_the_duo_document_and_says_what_the_json_says(melding: OutgoingMelding) -> None:
    """The XML attachment is DUO's MeldenVerzuim document with the same kenmerk, hours and student."""
    root = _parse(structured.to_xml(melding))
    assert etree.QName(root).localname == "MeldenVerzuimRequest"
    assert root.findtext("vz:bedrijfsdocument/vz:identificatiecodeBedrijfsdocument", namespaces=NS) \
        == melding.message_id
    assert root.findtext("vz:verzuim/vz:aantalUren", namespaces=NS) == "16.50"
    assert root.findtext("vz:deelnemer/vz:bsn", namespaces=NS) == STUDENT_BSN


def test_xml_attachment_validates_against_the_duo_xsd(melding: OutgoingMelding) -> None:
    """Receivers can check the attachment with the same XSD as DUO's channel."""
    assert validate_payload(_parse(structured.to_xml(melding))) is None
    assert validate_payload(_parse(structured.to_xml(melding, withdrawal_reason="correctie"))) is None


def test_open_end_date_is_left_out_of_the_xml() -> None:
    """An LRV melding with an open end date has no einddatum element."""
    melding = make_melding((), make_signal(rule="lrv", period_end=None, hours=None))
    root = _parse(structured.to_xml(melding))
    assert root.find("vz:verzuim/vz:periode/vz:einddatum", namespaces=NS) is None
    assert root.find("vz:verzuim/vz:aantalUren", namespaces=NS) is None


def test_withdrawal_is_marked_in_both_forms(melding: OutgoingMelding) -> None:
    """A withdrawal's JSON says "intrekking"; its XML is DUO's IntrekkenMelding with the reason."""
    data = json.loads(structured.to_json(melding, withdrawal_reason="correctie"))
    root = _parse(structured.to_xml(melding, withdrawal_reason="correctie"))
    assert data["type"] == "intrekking"
    assert etree.QName(root).localname == "IntrekkenMeldingRequest"
    assert root.findtext("vz:kenmerkMelding", namespaces=NS) == melding.message_id
    assert root.findtext("vz:reden", namespaces=NS) == "correctie"


def test_a_melding_that_does_not_fit_the_duo_schema_is_refused_before_sending() -> None:
    """A school location that is no DUO vestigingsnummer is a permanent error naming the field."""
    melding = make_melding(())
    broken = replace(melding, school=replace(melding.school, location="Den Helder"))
    with pytest.raises(PermanentDeliveryError, match="vestiging"):
        structured.to_xml(broken)


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
