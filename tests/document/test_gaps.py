"""The last line of defence: a melding whose Besluit fields would go out empty is refused before
any channel, with the fields named in Dutch; actie gewenst unanswered is never sent as false."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from gateway.delivery.document import DocumentInvalid, legal_gaps, melding_document
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.melding_content import field_label
from tests.duo.helpers import complete_content, melding

DUO_OIN = "00000001999999999000"
ADULT_BIRTH = date(2007, 1, 1)


def test_a_complete_melding_has_no_gaps() -> None:
    """The test helper's melding decides every field the Besluit asks, for every group."""
    for made in (melding(), melding("rmc-4w", period_end=None), melding("no-show"),
                 melding(birth_date=ADULT_BIRTH)):
        assert legal_gaps(made) == ()


def test_actie_gewenst_unanswered_is_refused_naming_the_field() -> None:
    """None is not false: the document refuses to build, naming 'actie door gemeente gewenst'."""
    made = melding(content=complete_content(actie_gewenst=None))
    with pytest.raises(DocumentInvalid) as caught:
        melding_document(made, receiver_oin=DUO_OIN)
    assert field_label("actie_gewenst") in str(caught.value)
    assert isinstance(caught.value, PermanentDeliveryError)


def test_the_rules_actie_gewenst_is_no_fallback() -> None:
    """The signal's own actie_gewenst (false) does not stand in for the content's answer."""
    made = melding(content=complete_content(actie_gewenst=None), actie_gewenst=False)
    assert legal_gaps(made) == ("actie_gewenst",)
    with pytest.raises(DocumentInvalid, match="actie door gemeente gewenst"):
        melding_document(made, receiver_oin=DUO_OIN)


@pytest.mark.parametrize(("name", "empty"), [
    ("vermoedelijke_reden", None), ("vermoedelijke_reden", "  "), ("actions_taken", ()),
    ("leslocatie", None), ("melder", None), ("phone", None),
])
def test_every_melding_needs_the_besluits_fields(name: str, empty: Any) -> None:
    """Each field of the annex left empty is a gap, and the refusal names it in Dutch."""
    made = melding(content=complete_content(**{name: empty}))
    assert legal_gaps(made) == (name,)
    with pytest.raises(DocumentInvalid, match=field_label(name).split(" (")[0]):
        melding_document(made, receiver_oin=DUO_OIN)


def test_nee_without_toelichting_is_a_gap() -> None:
    """The Besluit asks a toelichting when no action by the gemeente is wanted."""
    made = melding(content=complete_content(actie_gewenst=False, toelichting=None))
    assert legal_gaps(made) == ("toelichting",)


def test_ja_without_toelichting_is_a_gap_too() -> None:
    """The gate's own minimum (mappings/melding/required.toml) asks a toelichting with ja as well:
    what the gemeente is asked to do. The last check reads the same data."""
    content = complete_content(actie_gewenst=True, toelichting=None)
    assert legal_gaps(melding(content=content)) == ("toelichting",)


@pytest.mark.parametrize("name", ["concerns", "agreements", "asked_of_rmc"])
def test_an_adult_melding_needs_the_rmc_fields(name: str) -> None:
    """Seed 002: for a student of 18 or older the concerns, agreements and question to the RMC."""
    made = melding(birth_date=ADULT_BIRTH, content=complete_content(**{name: None}))
    assert legal_gaps(made) == (name,)


def test_an_rmc_melding_needs_the_rmc_fields_whatever_the_age() -> None:
    """An rmc-4w melding asks them too."""
    made = melding("rmc-4w", period_end=None,
                   content=complete_content(concerns=None, agreements=None, asked_of_rmc=None))
    assert legal_gaps(made) == ("concerns", "agreements", "asked_of_rmc")


def test_a_minors_melding_does_not_need_the_rmc_fields() -> None:
    """Under 18 and not RMC, the concerns may stay undecided."""
    made = melding(content=complete_content(concerns=None, agreements=None, asked_of_rmc=None))
    assert legal_gaps(made) == ()


def test_a_no_show_needs_contact_attempts_and_the_enrolment_date() -> None:
    """Seed 000: the attempts to reach the student and the datum aanmelding."""
    made = melding("no-show", enrolled_on=None, content=complete_content(contact_attempts=()))
    assert legal_gaps(made) == ("contact_attempts", "enrolled_on")
    with pytest.raises(DocumentInvalid, match="datum aanmelding"):
        melding_document(made, receiver_oin=DUO_OIN)


def test_the_refusal_names_every_gap_at_once() -> None:
    """A person sees all that is missing in one message, not one field per attempt."""
    made = melding(content=complete_content(leslocatie=None, phone=None))
    with pytest.raises(DocumentInvalid) as caught:
        melding_document(made, receiver_oin=DUO_OIN)
    assert field_label("leslocatie") in str(caught.value)
    assert field_label("phone") in str(caught.value)


def test_a_withdrawal_is_not_refused_for_gaps() -> None:
    """A melding sent before version 2 can still be withdrawn: the withdrawal carries none of it."""
    made = melding(content=complete_content(actie_gewenst=None, vermoedelijke_reden=None))
    assert melding_document(made, receiver_oin=DUO_OIN, withdrawal_reason="dubbel")
