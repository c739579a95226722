"""One owner each: DUO's codes in the document's table, the Besluit's kinds in gateway.domain; the
version 2 schema's enumerations are exactly what the two tables can write."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.delivery.document.schema import XS, schema_document
from gateway.delivery.document.verzuimsoort import VERZUIMSOORT, vermoedelijke_soort_code, verzuimsoort
from gateway.domain.melding_content import CONTACT_WAYS
from gateway.domain.soort_verzuim import MANUAL_KINDS, SOORTEN, UITSCHRIJVING, VERMOEDELIJKE_SOORT


def enumeration(type_name: str) -> set[str]:
    """The values the version 2 XSD allows for a simple type."""
    values = schema_document().xpath(
        f"//xs:simpleType[@name='{type_name}']//xs:enumeration/@value", namespaces={"xs": XS})
    return {str(v) for v in values}


def test_the_duo_table_covers_every_kind_the_domain_knows_and_the_uitschrijving() -> None:
    """Every melding kind with a Besluit kind, and the uitschrijving, can be sent to DUO."""
    assert set(VERZUIMSOORT) == set(VERMOEDELIJKE_SOORT) | {UITSCHRIJVING}
    assert set(MANUAL_KINDS) <= set(VERZUIMSOORT)


def test_the_besluits_kind_is_looked_up_in_the_domain() -> None:
    """The document's lookup gives the domain's code; an uitschrijving has none."""
    for kind, soort in VERMOEDELIJKE_SOORT.items():
        assert vermoedelijke_soort_code(kind) == soort.code
    assert vermoedelijke_soort_code(UITSCHRIJVING) is None


def test_the_schema_allows_exactly_the_besluits_five_kinds() -> None:
    """VermoedelijkeSoortVerzuim is the enumeration of SOORTEN's codes."""
    assert enumeration("VermoedelijkeSoortVerzuim") == {s.code for s in SOORTEN}


def test_the_schema_allows_every_duo_code_and_aanleiding_of_the_table() -> None:
    """No row of the table can write a verzuimsoort or aanleiding the schema refuses, and the
    schema has none the table never writes."""
    assert enumeration("Verzuimsoort") == {c for s in VERZUIMSOORT.values() for c in (s.under_18, s.from_18)}
    assert enumeration("Aanleiding") == {s.aanleiding for s in VERZUIMSOORT.values()}


def test_the_schema_allows_exactly_the_ways_of_contact() -> None:
    """Contactwijze is CONTACT_WAYS."""
    assert enumeration("Contactwijze") == set(CONTACT_WAYS)


@pytest.mark.parametrize(("kind", "expected"), [
    ("beginnend-verzuim", ("B", "BEGINNEND_VERZUIM")), ("signaalverzuim", ("S", "SIGNAALVERZUIM")),
    ("zorgmelding", ("S", "ZORGMELDING")), (UITSCHRIJVING, ("U", "UITSCHRIJVING")),
])
def test_manual_kinds_and_the_uitschrijving_have_duo_codes(kind: str, expected: tuple[str, str]) -> None:
    """The same code at any age."""
    assert verzuimsoort(kind, date(2010, 1, 1), date(2026, 9, 22)) == expected
    assert verzuimsoort(kind, date(2000, 1, 1), date(2026, 9, 22)) == expected
