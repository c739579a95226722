"""The melding document's content: DUO's verzuimsoort per rule and age, identifiers, refusals."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime

import pytest

from gateway.delivery.document import melding_document
from gateway.delivery.document.model import elfproef, intrekken_document, melden_document
from gateway.delivery.document.verzuimsoort import VERZUIMSOORT, verzuimsoort
from gateway.domain.errors import PermanentDeliveryError
from tests.duo.helpers import melding

DUO_OIN = "00000001999999999000"


@pytest.mark.parametrize(("rule", "birth", "expected"), [
    ("verzuim-16u", date(2010, 1, 1), "V3"),
    ("verzuim-16u", date(2008, 1, 1), "V4"),
    ("herhaalmelding", date(2010, 1, 1), "V3"),
    ("lrv", date(2010, 1, 1), "LRV"),
    ("rmc-4w", date(2006, 1, 1), "RMC"),
    ("luxe-verzuim", date(2010, 1, 1), "L"),
    ("no-show", date(2010, 1, 1), "O"),
    ("te-laat", date(2010, 1, 1), "O"),
    ("ziek-zonder-verklaring", date(2010, 1, 1), "O"),
    ("sf-8w-ma", date(2006, 1, 1), "O"),
])
def test_rule_maps_to_duo_verzuimsoort(rule: str, birth: date, expected: str) -> None:
    """Each rule id maps to DUO's verzuimsoort by the student's age on the trigger date."""
    assert verzuimsoort(rule, birth, date(2026, 9, 22))[0] == expected


def test_school_task_has_no_verzuimsoort() -> None:
    """sf-4w-contact is a school task and has no DUO code."""
    assert "sf-4w-contact" not in VERZUIMSOORT


def test_age_is_taken_on_the_trigger_date() -> None:
    """The day before the 18th birthday is still V3; the birthday itself is V4."""
    assert verzuimsoort("verzuim-16u", date(2008, 9, 22), date(2026, 9, 21))[0] == "V3"
    assert verzuimsoort("verzuim-16u", date(2008, 9, 22), date(2026, 9, 22))[0] == "V4"


def test_elfproef() -> None:
    """BSN elfproef (remainder 0) and onderwijsnummer elfproef (remainder 5)."""
    assert elfproef("111222333")
    assert not elfproef("123456789")
    assert not elfproef("12345678")
    assert elfproef("101234564", onderwijsnummer=True)
    assert not elfproef("111222333", onderwijsnummer=True)


def test_receiving_party_is_the_oin_given() -> None:
    """Both documents name the OIN they are given as ontvangendeInstantie, the school as sender."""
    made = melding()
    for document in (melden_document(made, DUO_OIN), intrekken_document(made, DUO_OIN, "dubbel")):
        assert document["bedrijfsdocument"]["ontvangendeInstantie"] == DUO_OIN
        assert document["bedrijfsdocument"]["verzendendeInstantie"] == made.school.oin


def test_the_receiving_oin_has_no_default() -> None:
    """Whoever renders a melding document must say who receives it: there is no fallback OIN."""
    parameters = inspect.signature(melding_document).parameters
    assert parameters["receiver_oin"].default is inspect.Parameter.empty
    assert inspect.signature(melden_document).parameters["receiver_oin"].default \
        is inspect.Parameter.empty


def test_document_date_is_the_moment_given_to_the_second() -> None:
    """The business header carries the given moment without microseconds."""
    moment = datetime(2026, 9, 23, 8, 15, 30, 123456, tzinfo=UTC)
    header = melden_document(melding(), DUO_OIN, now=moment)["bedrijfsdocument"]
    assert header["datumTijdBedrijfsdocument"] == moment.replace(microsecond=0)


@pytest.mark.parametrize(("changes", "text"), [
    ({"bsn": "123456789"}, "BSN voldoet niet aan de elfproef"),
    ({"bsn": None, "onderwijsnummer": "111222333"}, "onderwijsnummer voldoet niet"),
    ({"bsn": None}, "geen BSN of onderwijsnummer"),
])
def test_a_student_without_valid_identifier_is_refused(changes: dict[str, str | None],
                                                       text: str) -> None:
    """No valid BSN or onderwijsnummer: the melding can never be delivered (permanent)."""
    with pytest.raises(PermanentDeliveryError, match=text):
        melden_document(melding(**changes), DUO_OIN)  # type: ignore[arg-type]


def test_a_rule_that_never_goes_to_duo_is_refused() -> None:
    """A school task (sf-4w-contact) has no melding document."""
    with pytest.raises(PermanentDeliveryError, match="sf-4w-contact"):
        melden_document(melding("sf-4w-contact"), DUO_OIN)


def test_long_reason_and_programme_name_are_cut_to_the_schema_lengths() -> None:
    """The withdrawal reason keeps 1000 characters, the programme name 40."""
    made = melding()
    assert len(intrekken_document(made, DUO_OIN, "x" * 1500)["reden"]) == 1000
    long_name = made.__class__(**{**made.__dict__, "student": made.student.__class__(
        **{**made.student.__dict__, "opleiding": "o" * 60})})
    assert melden_document(long_name, DUO_OIN)["opleiding"]["naam"] == "o" * 40
