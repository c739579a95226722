"""The structured JSON / XML attachments of a melding mail, and the golden texts and attachments
pinned byte for byte (``tests/mail/golden_cases.py``)."""

from __future__ import annotations

import json
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from lxml import etree

from adapters.mail import structured
from adapters.mail.compose import MailContent, inner_entity
from gateway.delivery.document.schema import VZ, validate
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.ports import OutgoingMelding
from gateway.testing.pki import DEMO_DUO_OIN
from tests.mail.golden_cases import GOLDEN, WRITTEN_AT, golden_cases, text, xml
from tests.mail.helpers import STUDENT_BSN, make_melding, make_signal

NS = {"vz": VZ}


def to_xml(melding: OutgoingMelding, withdrawal_reason: str | None = None) -> bytes:
    return structured.to_xml(melding, duo_oin=DEMO_DUO_OIN, withdrawal_reason=withdrawal_reason)


def _parse(document: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(document, parser)


def test_json_holds_signal_content_and_personal_data(melding: OutgoingMelding) -> None:
    """The JSON attachment (format 2) carries the pinned signal fields, the content as the Besluit
    asks it, the specification, the vermoedelijke soort and the student's data."""
    data = json.loads(structured.to_json(melding))
    assert data["type"] == "melding"
    assert data["format_version"] == "2"
    assert data["message_id"] == melding.message_id
    assert data["signal"]["period_start"] == "2026-09-01"
    assert data["signal"]["evidence"] == ["L1", "L7"]
    assert data["student"]["bsn"] == STUDENT_BSN
    assert data["content"]["melder"]["functie"] == "verzuimcoördinator"
    assert data["specification"] == {"verzuimdagen": 5, "verzuimuren": 16.5, "alle_lessen_gemist": False}
    assert data["vermoedelijke_soort"]["code"] == "ZESTIEN_UUR_IN_VIER_LESWEKEN"


def test_json_leaves_an_undecided_field_out_instead_of_sending_false() -> None:
    """Content nobody decided is absent from the JSON: actie gewenst is never sent as false."""
    melding = make_melding((), content=replace(make_melding(()).content, actie_gewenst=None))
    assert "actie_gewenst" not in json.loads(structured.to_json(melding))["content"]


def test_json_of_an_uitschrijving_has_no_soort_verzuim() -> None:
    """An uitschrijving is no verzuim: its vermoedelijke soort and specification are null."""
    melding = make_melding((), make_signal(rule="uitschrijving"), specification=None)
    data = json.loads(structured.to_json(melding))
    assert data["vermoedelijke_soort"] is None
    assert data["specification"] is None


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


def test_signed_entity_is_seven_bit_with_both_attachments(melding: OutgoingMelding) -> None:
    """What gets signed is 7-bit MIME (safe through any relay) with melding.json and melding.xml."""
    entity = inner_entity(MailContent(melding, DEMO_DUO_OIN, WRITTEN_AT))
    assert max(entity) < 128
    assert b'filename="melding.json"' in entity
    assert b'filename="melding.xml"' in entity


@pytest.mark.parametrize("case", sorted(golden_cases()))
def test_json_attachment_is_byte_for_byte_the_golden_one(case: str) -> None:
    """melding.json of each golden melding is byte-identical to its golden file (format 2)."""
    melding, reason = golden_cases()[case]
    assert structured.to_json(melding, withdrawal_reason=reason) == (GOLDEN / f"{case}.json").read_bytes()


@pytest.mark.parametrize("case", sorted(golden_cases()))
def test_xml_attachment_is_byte_for_byte_the_golden_one(case: str) -> None:
    """melding.xml of each golden melding, written at the same moment, is byte-identical to its file."""
    melding, reason = golden_cases()[case]
    assert xml(melding, reason) == (GOLDEN / f"{case}.xml").read_bytes()


@pytest.mark.parametrize("case", sorted(golden_cases()))
def test_mail_text_is_byte_for_byte_the_golden_one(case: str) -> None:
    """The Dutch text of each golden melding (or withdrawal) is byte-identical to its golden file."""
    melding, reason = golden_cases()[case]
    assert text(melding, reason) == (GOLDEN / f"{case}.txt").read_bytes()


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
