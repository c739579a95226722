"""XSD errors name the element and the kind of error, never the offending value."""

from __future__ import annotations

import pytest
from lxml import etree

from gateway.delivery.document.schema import validate
from gateway.testing.pki import DEMO_DUO_OIN
from tests.duo.helpers import VALID_BSN, melden_request_xml


def validation_text(good: str, bad: str) -> str | None:
    xml = melden_request_xml(DEMO_DUO_OIN, "k-1").replace(good.encode(), bad.encode())
    return validate(etree.fromstring(xml))


@pytest.mark.parametrize(("element", "good", "bad", "value"), [
    ("bsn", f"<vz:bsn>{VALID_BSN}</vz:bsn>", "<vz:bsn>12345678X</vz:bsn>", "12345678X"),
    ("bsn", f"<vz:bsn>{VALID_BSN}</vz:bsn>", "<vz:bsn>1234'5678</vz:bsn>", "5678"),
    ("geboortedatum", "<vz:geboortedatum>2010-03-01", "<vz:geboortedatum>2010-13-01",
     "2010-13-01"),
    ("leerweg", "<vz:leerweg>BOL", "<vz:leerweg>O'Brien", "Brien"),
    ("naam", "<vz:naam>J. de Vries", "<vz:naam>" + "Jansen" * 40, "Jansen"),
])
def test_schema_error_names_the_element_but_not_the_value(element: str, good: str, bad: str,
                                                          value: str) -> None:
    """A pattern, datatype, enumeration or length error quotes neither the value nor a part of
    it, even when the value itself holds a quote; the element's path is named."""
    text = validation_text(good, bad)
    assert text is not None
    assert f"vz:{element}:" in text
    assert value not in text


def test_schema_error_says_what_kind_of_error_it_is() -> None:
    """The text tells a pattern error from others (here: the BSN's pattern facet)."""
    text = validation_text(f"<vz:bsn>{VALID_BSN}</vz:bsn>", "<vz:bsn>12345678X</vz:bsn>")
    assert text == ("/vz:MeldenVerzuimRequest/vz:deelnemer/vz:bsn: "
                    "waarde past niet in het patroon (facet pattern)")


def test_structure_error_keeps_what_was_expected() -> None:
    """An unexpected element (no value involved) keeps libxml2's list of what was expected."""
    text = validation_text("<vz:brin>25BE</vz:brin>", "<vz:brin>25BE</vz:brin><vz:extra/>")
    assert text is not None
    assert text.startswith("/vz:MeldenVerzuimRequest/vz:instelling/vz:extra: This element is "
                           "not expected")
