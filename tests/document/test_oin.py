"""One OIN form for the whole gateway: the Verzuimloket schema's OIN type, which a school's
configuration follows, so an OIN derived from a BRIN (it holds the BRIN's capitals) is accepted."""

from __future__ import annotations

import pytest
from lxml import etree

from gateway.config.school import parse_school_config
from gateway.delivery.document.schema import XS, schema_document, validate
from gateway.domain.errors import ConfigurationError
from gateway.domain.oin import OIN_PATTERN, is_oin
from gateway.testing.pki import DEMO_DUO_OIN
from tests.duo.helpers import SCHOOL, melden_request_xml

# An OIN derived from the BRIN 25BE, as the DUO tests' school has.
BRIN_OIN = SCHOOL.oin


def _school(oin: str) -> dict[str, str]:
    return {"id": "25BE00", "brin": "25BE", "oin": oin, "name": "Testcollege"}


def test_the_oin_pattern_is_the_schemas_oin_type() -> None:
    """The pattern the gateway checks OINs with is the XSD's, anchored."""
    [xsd_pattern] = schema_document().xpath(
        "//xs:simpleType[@name='OIN']/xs:restriction/xs:pattern/@value", namespaces={"xs": XS})
    assert f"^{xsd_pattern}$" == OIN_PATTERN


def test_a_school_config_accepts_an_oin_derived_from_a_brin() -> None:
    """An OIN with capitals that the schema accepts in a document is accepted as the school's OIN."""
    assert any(c.isalpha() for c in BRIN_OIN)
    assert validate(etree.fromstring(melden_request_xml(DEMO_DUO_OIN, "k-1"))) is None
    assert parse_school_config(_school(BRIN_OIN)).oin == BRIN_OIN


@pytest.mark.parametrize("oin", ["0000000700025be00000", "123", "0000000700025BE000000"])
def test_a_school_config_refuses_what_is_no_oin(oin: str) -> None:
    """Small letters, or a length other than twenty, are no OIN."""
    with pytest.raises(ConfigurationError, match="oin"):
        parse_school_config(_school(oin))


def test_an_oin_with_a_trailing_newline_is_no_oin() -> None:
    """The whole text must be the OIN: a newline after twenty good characters is refused."""
    assert is_oin(BRIN_OIN)
    assert not is_oin(BRIN_OIN + "\n")
