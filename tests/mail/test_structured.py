"""The readable Dutch body and the structured JSON / XML attachments of a melding mail."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from lxml import etree

from adapters.mail import body, structured
from adapters.mail.compose import MailContent, inner_entity
from gateway.delivery.document.schema import VZ, validate
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.ports import OutgoingMelding
from gateway.testing.pki import DEMO_DUO_OIN
from tests.mail.helpers import STUDENT_BSN, make_melding, make_signal

NS = {"vz": VZ}
# The attachments as the gateway wrote them before the melding document moved into the core
# (issue 14), for the meldingen below at WRITTEN_AT: they must stay byte for byte the same.
GOLDEN = Path(__file__).parent / "golden"
WRITTEN_AT = datetime(2026, 9, 23, 8, 15, 30, tzinfo=UTC)
CREATED_AT = datetime(2026, 9, 22, 17, 0, 5, tzinfo=UTC)


def golden_cases() -> dict[str, tuple[OutgoingMelding, str | None]]:
    """A 16-hour melding, an open-ended LRV one, one by onderwijsnummer, and a withdrawal."""
    base = replace(make_melding(()), created_at=CREATED_AT)
    lrv = replace(make_melding((), make_signal(rule="lrv", period_end=None, hours=None)),
                  created_at=CREATED_AT)
    by_onderwijsnummer = replace(base, student=replace(
        base.student, bsn=None, onderwijsnummer="101234564", family_name=None, street=None,
        house_number=None, postcode=None, city=None, leerweg="VO", niveau=None))
    return {"melding": (base, None), "lrv": (lrv, None),
            "onderwijsnummer": (by_onderwijsnummer, None),
            "intrekking": (base, "correctie na ziekmelding")}


def to_xml(melding: OutgoingMelding, withdrawal_reason: str | None = None) -> bytes:
    return structured.to_xml(melding, duo_oin=DEMO_DUO_OIN, withdrawal_reason=withdrawal_reason)


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
    root = _parse(to_xml(melding))
    assert etree.QName(root).localname == "MeldenVerzuimRequest"
    assert root.findtext("vz:bedrijfsdocument/vz:identificatiecodeBedrijfsdocument", namespaces=NS) \
        == melding.message_id
    assert root.findtext("vz:verzuim/vz:aantalUren", namespaces=NS) == "16.50"
    assert root.findtext("vz:deelnemer/vz:bsn", namespaces=NS) == STUDENT_BSN


def test_xml_attachment_validates_against_the_duo_xsd(melding: OutgoingMelding) -> None:
    """Receivers can check the attachment with the same XSD as DUO's channel."""
    assert validate(_parse(to_xml(melding))) is None
    assert validate(_parse(to_xml(melding, withdrawal_reason="correctie"))) is None


def test_open_end_date_is_left_out_of_the_xml() -> None:
    """An LRV melding with an open end date has no einddatum element."""
    melding = make_melding((), make_signal(rule="lrv", period_end=None, hours=None))
    root = _parse(to_xml(melding))
    assert root.find("vz:verzuim/vz:periode/vz:einddatum", namespaces=NS) is None
    assert root.find("vz:verzuim/vz:aantalUren", namespaces=NS) is None


def test_withdrawal_is_marked_in_both_forms(melding: OutgoingMelding) -> None:
    """A withdrawal's JSON says "intrekking"; its XML is DUO's IntrekkenMelding with the reason."""
    data = json.loads(structured.to_json(melding, withdrawal_reason="correctie"))
    root = _parse(to_xml(melding, withdrawal_reason="correctie"))
    assert data["type"] == "intrekking"
    assert etree.QName(root).localname == "IntrekkenMeldingRequest"
    assert root.findtext("vz:kenmerkMelding", namespaces=NS) == melding.message_id
    assert root.findtext("vz:reden", namespaces=NS) == "correctie"


def test_a_melding_that_does_not_fit_the_duo_schema_is_refused_before_sending() -> None:
    """A school location that is no DUO vestigingsnummer is a permanent error naming the field."""
    melding = make_melding(())
    broken = replace(melding, school=replace(melding.school, location="Den Helder"))
    with pytest.raises(PermanentDeliveryError, match="vestiging"):
        to_xml(broken)


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
    entity = inner_entity(MailContent(melding, DEMO_DUO_OIN, WRITTEN_AT))
    assert max(entity) < 128
    assert b'filename="melding.json"' in entity
    assert b'filename="melding.xml"' in entity


@pytest.mark.parametrize("case", sorted(golden_cases()))
def test_attachments_are_byte_for_byte_what_they_were(case: str) -> None:
    """melding.json and melding.xml of the same melding are byte-identical to the golden files."""
    melding, reason = golden_cases()[case]
    assert structured.to_json(melding, withdrawal_reason=reason) == \
        (GOLDEN / f"{case}.json").read_bytes()
    xml = structured.to_xml(melding, duo_oin=DEMO_DUO_OIN, withdrawal_reason=reason, now=WRITTEN_AT)
    assert xml == (GOLDEN / f"{case}.xml").read_bytes()


def test_xml_names_the_configured_duo_oin_as_receiver(melding: OutgoingMelding) -> None:
    """The XML's ontvangendeInstantie is the OIN the channel is configured with, whatever it is."""
    configured = "00000001999999999000"
    for reason in (None, "correctie"):
        root = _parse(structured.to_xml(melding, duo_oin=configured, withdrawal_reason=reason))
        assert root.findtext("vz:bedrijfsdocument/vz:ontvangendeInstantie", namespaces=NS) == configured


def test_the_signed_entity_attaches_the_document_for_its_oin_and_moment(
        melding: OutgoingMelding) -> None:
    """inner_entity's melding.xml is exactly the document for the mail's DUO OIN and moment."""
    configured = "00000001999999999000"
    entity = inner_entity(MailContent(melding, configured, WRITTEN_AT))
    message = BytesParser(EmailMessage, policy=policy.default).parsebytes(entity)
    [attached] = [part.get_payload(decode=True) for part in message.walk()
                  if part.get_filename() == "melding.xml"]
    assert attached == structured.to_xml(melding, duo_oin=configured, now=WRITTEN_AT)
