"""The code tables and identifier checks of the DUO adapter."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.duo.codes import VERZUIMSOORT, canonical_status, verzuimsoort
from adapters.duo.xmlsafe import UnsafeXml, elfproef, parse_untrusted


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


@pytest.mark.parametrize(("duo", "canonical"), [
    ("Geregistreerd", "geregistreerd"), ("In behandeling", "in_behandeling"),
    ("Afgesloten", "afgesloten"), ("Ingetrokken", "ingetrokken"),
    ("Ter kennisgeving aangenomen", "ter_kennisgeving"),
    ("Overgedragen aan derden", "in_behandeling"), ("D", "in_behandeling"),
])
def test_duo_status_maps_to_canonical(duo: str, canonical: str) -> None:
    """DUO's status values (and the legacy one) map to the lowercase canonical statuses."""
    assert canonical_status(duo) == canonical


def test_unknown_status_is_read_without_failing() -> None:
    """An unknown status value passes through lowercased instead of failing."""
    assert canonical_status("Nieuw Iets") == "nieuw_iets"


def test_elfproef() -> None:
    """BSN elfproef (remainder 0) and onderwijsnummer elfproef (remainder 5)."""
    assert elfproef("111222333")
    assert not elfproef("123456789")
    assert not elfproef("12345678")
    assert elfproef("101234567", onderwijsnummer=True)
    assert not elfproef("111222333", onderwijsnummer=True)


def test_parser_refuses_dtd() -> None:
    """Inbound XML with a DTD is refused."""
    with pytest.raises(UnsafeXml):
        parse_untrusted(b'<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>')


def test_parser_refuses_oversized_input() -> None:
    """Inbound XML over the size limit is refused before parsing."""
    with pytest.raises(UnsafeXml):
        parse_untrusted(b"<a>" + b"x" * 100 + b"</a>", limit=50)
