"""The melding document (schema version 2) carries every field of the Besluit Verzuimmelding, seed
002 (18+, RMC) and seed 000 (no-show), for every kind of melding, and validates against the XSD."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from lxml import etree

from gateway.delivery.document import DocumentInvalid, melding_document
from gateway.delivery.document.schema import VZ, VZ_V2, validate
from gateway.delivery.document.verzuimsoort import VERZUIMSOORT
from gateway.domain.melding_content import Address
from gateway.domain.ports import OutgoingMelding
from gateway.domain.soort_verzuim import MANUAL_KINDS, UITSCHRIJVING, vermoedelijke_soort
from tests.duo.helpers import ENROLLED_ON, MELDER, complete_content, melding

DUO_OIN = "00000001999999999000"
NS = {"vz": VZ}
ADULT_BIRTH = date(2007, 1, 1)


def document(made: OutgoingMelding) -> etree._Element:
    """The melding document as both channels send it, parsed back."""
    return etree.fromstring(melding_document(made, receiver_oin=DUO_OIN))


def text(root: etree._Element, path: str) -> str | None:
    return root.findtext(path, namespaces=NS)


def open_end(rule: str) -> OutgoingMelding:
    """A melding of ``rule`` with hours only where the rule counts them."""
    return melding(rule, hours=16.5 if rule in ("verzuim-16u", "herhaalmelding") else None)


@pytest.mark.parametrize("rule", sorted(VERZUIMSOORT))
def test_every_kind_validates_as_version_2(rule: str) -> None:
    """Rule meldingen, the manual kinds and the uitschrijving all give a valid version 2 document."""
    root = document(open_end(rule))
    assert etree.QName(root).namespace == VZ_V2
    assert validate(root) is None


@pytest.mark.parametrize("rule", sorted(set(VERZUIMSOORT) - {UITSCHRIJVING}))
def test_the_vermoedelijke_soort_is_the_besluits_kind_of_the_melding(rule: str) -> None:
    """Every melding but an uitschrijving names the Besluit's kind, as gateway.domain owns it."""
    expected = vermoedelijke_soort(rule)
    assert expected is not None
    assert text(document(open_end(rule)), "vz:verzuim/vz:vermoedelijkeSoortVerzuim") == expected.code


@pytest.mark.parametrize(("kind", "duo"), [("beginnend-verzuim", "B"), ("signaalverzuim", "S"),
                                           ("zorgmelding", "S")])
def test_manual_kinds_have_a_duo_verzuimsoort(kind: str, duo: str) -> None:
    """A melding filed by hand goes to DUO with its own verzuimsoort, the kind as aanleiding."""
    root = document(melding(kind, period_end=None))
    assert kind in MANUAL_KINDS
    assert text(root, "vz:verzuim/vz:verzuimsoort") == duo
    assert text(root, "vz:verzuim/vz:aanleiding") == kind.upper().replace("-", "_")


def test_an_uitschrijving_carries_its_date_instead_of_a_soort() -> None:
    """An uitschrijving is no verzuim: the date of uitschrijving (period start), no soort."""
    root = document(melding(UITSCHRIJVING, period_start=date(2026, 9, 15), period_end=None,
                            hours=None))
    assert text(root, "vz:verzuim/vz:datumUitschrijving") == "2026-09-15"
    assert root.find("vz:verzuim/vz:vermoedelijkeSoortVerzuim", NS) is None
    assert text(root, "vz:verzuim/vz:verzuimsoort") == "U"


def test_the_besluits_fields_of_every_melding_are_carried() -> None:
    """Reason, actions, actie gewenst with toelichting, leslocatie, melder and phone."""
    root = document(melding())
    assert text(root, "vz:verzuim/vz:vermoedelijkeReden") == "problemen thuis"
    assert [a.text for a in root.findall("vz:verzuim/vz:ondernomenActies/vz:actie", NS)] == \
        ["gesprek met ouders", "brief verstuurd"]
    assert text(root, "vz:verzuim/vz:actieGewenst") == "true"
    assert text(root, "vz:verzuim/vz:toelichtingActieGewenst") == "graag een gesprek met leerling en ouders"
    assert text(root, "vz:verzuim/vz:naamLeslocatie") == "Hoofdlocatie Utrecht"
    assert text(root, "vz:deelnemer/vz:telefoon") == "06-12345678"
    assert [text(root, f"vz:melder/vz:{n}") for n in ("naam", "functie", "telefoon", "email")] == \
        [MELDER.naam, MELDER.functie, MELDER.telefoon, MELDER.email]


def test_the_specification_is_carried() -> None:
    """Verzuimdagen, verzuimuren and alle lessen gemist, as computed from the evidence."""
    root = document(melding())
    assert text(root, "vz:verzuim/vz:verzuimspecificatie/vz:verzuimdagen") == "4"
    assert text(root, "vz:verzuim/vz:verzuimspecificatie/vz:verzuimuren") == "16.50"
    assert text(root, "vz:verzuim/vz:alleLessenGemist") == "false"


def test_a_melding_stored_without_specification_leaves_it_out() -> None:
    """A melding stored before version 2 has no specification: the elements are absent, not zero."""
    root = document(melding(specification=None))
    assert root.find("vz:verzuim/vz:verzuimspecificatie", NS) is None
    assert root.find("vz:verzuim/vz:alleLessenGemist", NS) is None
    assert validate(root) is None


def test_an_adult_melding_carries_the_three_concerns_agreements_and_the_question_to_the_rmc() -> None:
    """Seed 002: each concern as ja/nee, what was agreed, what the school asks of the RMC."""
    concerns = frozenset({"problemen_buiten_school", "dreigende_uitval"})
    root = document(melding(birth_date=ADULT_BIRTH, content=complete_content(concerns=concerns)))
    assert [text(root, f"vz:verzuim/vz:zorgen/vz:{n}") for n in
            ("problemenBuitenSchool", "startkwalificatieInGevaar", "dreigendeUitval")] == \
        ["true", "false", "true"]
    assert text(root, "vz:verzuim/vz:afspraken") == "wekelijks gesprek met de mentor"
    assert text(root, "vz:verzuim/vz:gevraagdVanRmc") == "begeleiding naar een passende opleiding"
    assert text(root, "vz:verzuim/vz:verzuimsoort") == "V4"


def test_none_of_the_concerns_is_three_times_nee() -> None:
    """An empty set of concerns is a decision: all three are written as false."""
    root = document(melding("rmc-4w", birth_date=ADULT_BIRTH, period_end=None,
                            content=complete_content(concerns=frozenset())))
    assert [z.text for z in root.find("vz:verzuim/vz:zorgen", NS)] == ["false", "false", "false"]


def test_undecided_concerns_of_a_minor_are_left_out() -> None:
    """Under 18 (not RMC) the concerns are not asked: None leaves the element out, never all false."""
    root = document(melding(content=complete_content(concerns=None, agreements=None,
                                                     asked_of_rmc=None)))
    assert root.find("vz:verzuim/vz:zorgen", NS) is None
    assert root.find("vz:verzuim/vz:afspraken", NS) is None
    assert validate(root) is None


def test_a_no_show_carries_enrolment_date_contact_attempts_and_contact_details() -> None:
    """Seed 000 step 4: datum aanmelding, each attempt (date, how, outcome), the phone."""
    root = document(melding("no-show"))
    assert text(root, "vz:nietVerschenen/vz:datumAanmelding") == ENROLLED_ON.isoformat()
    attempts = root.findall("vz:nietVerschenen/vz:contactpogingen/vz:contactpoging", NS)
    assert [(text(a, "vz:datum"), text(a, "vz:wijze"), text(a, "vz:uitkomst")) for a in attempts] == \
        [("2026-09-02", "telefoon", "geen gehoor"), ("2026-09-03", "huisbezoek", "niemand thuis")]
    assert text(root, "vz:nietVerschenen/vz:contactgegevens/vz:telefoon") == "06-12345678"


def test_only_a_no_show_carries_the_no_show_part() -> None:
    """Other meldingen leave nietVerschenen out, even when the content holds contact attempts."""
    assert document(melding()).find("vz:nietVerschenen", NS) is None


def test_an_afwijkend_verblijfadres_is_carried_when_given() -> None:
    """Every part of the address the content holds, in the schema's order."""
    address = Address(straat="Dorpsstraat", huisnummer="12", huisletter="a", toevoeging="bis",
                      postcode="3511 AB", plaatsnaam="Utrecht", locatieaanduiding="bij")
    root = document(melding(content=complete_content(different_address=address)))
    parts = root.find("vz:deelnemer/vz:afwijkendVerblijfadres", NS)
    assert parts is not None
    assert [etree.QName(p).localname for p in parts] == [
        "straat", "huisnummer", "huisletter", "huisnummertoevoeging", "postcode",
        "locatieaanduiding", "plaatsnaam"]
    assert validate(root) is None


def test_without_afwijkend_adres_the_element_is_absent() -> None:
    """The Besluit asks it only when the verblijfadres differs from the BRP."""
    assert document(melding()).find("vz:deelnemer/vz:afwijkendVerblijfadres", NS) is None


def test_a_phone_number_as_people_write_it_fits_the_schema() -> None:
    """Brackets and a country code, as the gateway's own phone rule allows them."""
    root = document(melding(content=complete_content(phone="+31 (0)30 123 4567")))
    assert validate(root) is None


def test_a_value_the_schema_refuses_is_refused_naming_the_element() -> None:
    """An afwijkend adres with a house number that is no number never leaves: permanent."""
    address = Address(straat="Dorpsstraat", huisnummer="twaalf", postcode="3511 AB",
                      plaatsnaam="Utrecht")
    with pytest.raises(DocumentInvalid, match="huisnummer") as caught:
        melding_document(replace(melding(), content=complete_content(different_address=address)),
                         receiver_oin=DUO_OIN)
    assert "twaalf" not in str(caught.value)
