"""Melding content: the person's input (strict), its JSON both ways, the gate's pure judgement, the
Besluit's kinds."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.domain.completeness import Requirements, describe_missing, missing_fields, resolve
from gateway.domain.errors import InvalidInput
from gateway.domain.melding_content import (
    Address,
    ContactAttempt,
    Melder,
    MeldingContent,
    content_from_json,
    content_to_json,
)
from gateway.domain.soort_verzuim import MANUAL_KINDS, SOORTEN, vermoedelijke_soort
from gateway.intake.melding_content import parse_content
from gateway.rules.catalogue import RULE_IDS

TODAY = date(2026, 9, 10)
FULL = MeldingContent(
    vermoedelijke_reden="Problemen thuis", actions_taken=("Gesprek", "Brief"), actie_gewenst=False,
    toelichting="School pakt het op", leslocatie="Hoofdlocatie",
    melder=Melder("M. de Melder", "verzuimcoördinator", "0201234567", "m@school.example"),
    phone="06-12345678",
    different_address=Address("Kade", "12", "1234 AB", "Utrecht", huisletter="a"),
    concerns=frozenset({"dreigende_uitval"}), agreements="Elke week", asked_of_rmc="Meedenken",
    contact_attempts=(ContactAttempt(date(2026, 9, 2), "telefoon", "geen gehoor"),),
    deregistration_agreed="Met DSP")


def test_content_survives_its_json_form():
    """What the store, melding.json and the API write is what they read back."""
    assert content_from_json(content_to_json(FULL)) == FULL


def test_undecided_fields_are_left_out_of_the_json():
    """Nothing undecided is written as a value (no false, no empty text)."""
    assert content_to_json(MeldingContent(actie_gewenst=False)) == {"actie_gewenst": False}


def test_the_person_wins_over_the_sis_and_the_sis_over_the_profile():
    """resolve: the first source that decided a field."""
    got = resolve(MeldingContent(phone="06-11111111"), MeldingContent(phone="06-22222222", leslocatie="A"),
                  MeldingContent(leslocatie="B", vermoedelijke_reden="onbekend"))
    assert (got.phone, got.leslocatie, got.vermoedelijke_reden) == ("06-11111111", "A", "onbekend")


@pytest.mark.parametrize(("actie", "when", "missing"), [
    (None, {True, False}, ("actie_gewenst",)),
    (False, {True, False}, ("toelichting",)),
    (True, {False}, ()),
])
def test_the_toelichting_counts_only_for_the_answers_that_ask_for_it(actie, when, missing):
    """An unanswered actie gewenst is missing itself; a toelichting only with the answers named."""
    content = MeldingContent(actie_gewenst=actie)
    required = {"actie_gewenst", "toelichting"}
    assert missing_fields(content, required, toelichting_when=frozenset(when)) == missing


def test_a_no_show_without_datum_aanmelding_misses_it():
    """The student's enrolled_on is a fact the gate asks for a no-show."""
    assert missing_fields(MeldingContent(), {"enrolled_on"}, enrolled_on=None) == ("enrolled_on",)


def test_requirements_add_the_adult_group_for_18_plus():
    """Groups: "*" always, "18+" for adults, the kind's own."""
    req = Requirements({"*": frozenset({"phone"}), "18+": frozenset({"concerns"}),
                        "no-show": frozenset({"x"})})
    assert req.fields_for("no-show", adult=True) == {"phone", "concerns", "x"}


def test_what_is_missing_reads_as_one_dutch_sentence():
    """The console, the API and the approval refusal say it the same way."""
    assert describe_missing(["vermoedelijke_reden", "phone"]) == (
        "nog in te vullen: vermoedelijke reden van het verzuim, telefoonnummer ouder of leerling")


def test_every_rule_that_reaches_a_receiver_and_every_manual_kind_has_a_besluit_kind():
    """One table: no melding leaves without its vermoedelijke soort (the uitschrijving has none)."""
    outside = [r for r in RULE_IDS if r not in {"sf-4w-contact", "zorg-langdurig-ziek", "zorg-vaak-ziek",
                                                "intern-10u"}]
    assert all(vermoedelijke_soort(kind) in SOORTEN for kind in (*outside, *MANUAL_KINDS))


def test_a_person_s_input_is_parsed_into_content():
    """The API's and the console's input, strict and whole."""
    data = {"vermoedelijke_reden": "Ziek thuis", "actie_gewenst": True, "toelichting": "Bel ouders",
            "concerns": [],
            "contact_attempts": [{"on": "2026-09-02", "how": "brief", "outcome": "geen reactie"}],
            "melder": {"naam": "A", "functie": "mentor", "telefoon": "0201234567", "email": "a@b.nl"}}
    content = parse_content(data, today=TODAY)
    assert content.concerns == frozenset() and content.contact_attempts[0].how == "brief"


@pytest.mark.parametrize(("data", "words"), [
    ({"reden": "x"}, "reden"),
    ({"actie_gewenst": "ja"}, "actie_gewenst"),
    ({"phone": "12"}, "phone"),
    ({"concerns": ["geldzorgen"]}, "geldzorgen"),
    ({"contact_attempts": [{"on": "2026-09-02", "how": "duif", "outcome": "x"}]}, "duif"),
    ({"contact_attempts": [{"on": "2026-09-11", "how": "brief", "outcome": "x"}]}, "in de toekomst"),
    ({"different_address": {"straat": "Kade", "huisnummer": "12", "postcode": "1234", "plaatsnaam": "X"}},
     "postcode"),
])
def test_wrong_input_is_refused_naming_the_field(data, words):
    """An unknown key, a wrong type or form, a contact attempt that cannot have happened yet."""
    with pytest.raises(InvalidInput, match=words):
        parse_content(data, today=TODAY)
