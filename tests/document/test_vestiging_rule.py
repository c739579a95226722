"""The one vestiging rule (``gateway.domain.vestiging``) is the one DUO's schema states."""

from __future__ import annotations

from importlib.resources import files

import pytest
from lxml import etree

from gateway.delivery.document.model import instelling
from gateway.delivery.document.schema import SCHEMA_FILES
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.ports import SchoolIdentity
from gateway.domain.vestiging import VESTIGING_PATTERN, is_vestiging

XS = {"xs": "http://www.w3.org/2001/XMLSchema"}


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES.values()))
def test_the_rule_is_the_pattern_of_the_schema(name: str) -> None:
    """Each version's XSD has exactly the Vestiging pattern the rule uses."""
    xsd = etree.parse(str(files("gateway.delivery.document") / name))
    [pattern] = xsd.xpath("//xs:simpleType[@name='Vestiging']//xs:pattern/@value", namespaces=XS)
    assert pattern == VESTIGING_PATTERN


@pytest.mark.parametrize(("value", "valid"), [("01", True), ("00", True), ("Den Helder", False),
                                               ("1", False), ("001", False), ("01\n", False)])
def test_a_vestiging_is_two_digits(value: str, valid: bool) -> None:
    """Two digits, nothing else (no trailing newline either)."""
    assert is_vestiging(value) is valid


def test_the_document_refuses_a_town_as_vestiging() -> None:
    """The melding document refuses a location that can never pass DUO's schema, naming the form."""
    school = SchoolIdentity(brin="25KN", oin="0" * 20, name="ROC", location="Den Helder")
    with pytest.raises(PermanentDeliveryError, match="twee cijfers"):
        instelling(school)
