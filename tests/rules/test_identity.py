"""BSN and onderwijsnummer: the one elfproef (gateway.domain.identity), and the numbers the
synthetic school and the demo make pass it."""

from __future__ import annotations

import pytest

from demo.college import LOCATIONS, build_school
from gateway.delivery.document import model as document
from gateway.domain.identity import elfproef, is_valid_bsn, is_valid_onderwijsnummer
from gateway.domain.model import Student
from gateway.testing.identity_numbers import onderwijsnummer


@pytest.mark.parametrize("number", ["111222333", "123456782", "999999990"])
def test_a_bsn_passing_the_elfproef_is_valid(number: str) -> None:
    """Nine digits whose weighted sum (last weight -1) is a multiple of 11."""
    assert is_valid_bsn(number)


@pytest.mark.parametrize("number", ["123456789", "12345678", "1234567820", "123.456.782", " 123456782",
                                    "12345678X", "000000000", ""])
def test_a_bsn_failing_the_elfproef_or_its_form_is_invalid(number: str) -> None:
    """A wrong check digit, a wrong length, separators or letters: invalid."""
    assert not is_valid_bsn(number)


def test_an_onderwijsnummer_passing_its_elfproef_is_valid() -> None:
    """Starts with 10, weighted sum leaves remainder 5."""
    assert is_valid_onderwijsnummer("101222331")


@pytest.mark.parametrize("number", ["100252333", "211222337", "111222333", "1012.22.331", "10122233"])
def test_an_onderwijsnummer_failing_its_elfproef_or_its_form_is_invalid(number: str) -> None:
    """A wrong check digit, not starting with 10, separators or a wrong length: invalid."""
    assert not is_valid_onderwijsnummer(number)


def test_elfproef_chooses_the_check_by_kind() -> None:
    """A valid BSN is no onderwijsnummer, and the other way round."""
    assert (elfproef("111222333"), elfproef("111222333", onderwijsnummer=True)) == (True, False)
    assert (elfproef("101222331"), elfproef("101222331", onderwijsnummer=True)) == (False, True)


def test_the_melding_document_uses_the_one_elfproef() -> None:
    """No second elfproef: the document model's is the domain's."""
    assert document.elfproef is elfproef


def test_the_demo_makes_valid_onderwijsnummers() -> None:
    """Every number the demo hands out (gateway.testing's) passes the elfproef, so its meldingen reach DUO."""
    assert [n for n in map(onderwijsnummer, range(2000)) if not is_valid_onderwijsnummer(n)] == []


def test_the_demo_schools_students_pass_the_strict_model() -> None:
    """The localised demo students (synthetic school plus onderwijsnummer) validate as canonical."""
    school = build_school(LOCATIONS[0], size=20)
    for student in school.students:
        Student.model_validate(student.model_dump())
