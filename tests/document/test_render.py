"""Writing documents from the XSD: schema order, lexical forms, and refusing misfits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from gateway.delivery.document.model import melden_document
from gateway.delivery.document.render import RenderError, render
from gateway.delivery.document.schema import VZ, validate
from gateway.domain.errors import PermanentDeliveryError
from tests.duo.helpers import complete_content, melding

DUO_OIN = "00000001999999999000"
NS = {"vz": VZ}


def test_fields_are_written_in_schema_order_whatever_the_mapping_order() -> None:
    """The XSD decides the order of elements, not the order of the payload's keys."""
    document = melden_document(melding(), DUO_OIN)
    shuffled = dict(reversed(list(document.items())))
    names = [etree.QName(child).localname for child in render("MeldenVerzuimRequest", shuffled)]
    assert names == ["bedrijfsdocument", "instelling", "deelnemer", "opleiding", "verzuim",
                     "melder", "contactpersoon"]


def test_values_are_written_in_xml_schema_form() -> None:
    """Dates, UTC date-times, decimals and booleans take XML Schema's lexical forms."""
    document = melden_document(melding(content=complete_content(actie_gewenst=False)), DUO_OIN,
                               now=datetime(2026, 9, 23, 8, 0, tzinfo=UTC))
    document["verzuim"]["aantalUren"] = Decimal("16.50")
    root = render("MeldenVerzuimRequest", document)
    assert root.findtext("vz:bedrijfsdocument/vz:datumTijdBedrijfsdocument", namespaces=NS) == \
        "2026-09-23T08:00:00Z"
    assert root.findtext("vz:deelnemer/vz:geboortedatum", namespaces=NS) == \
        date(2010, 3, 1).isoformat()
    assert root.findtext("vz:verzuim/vz:aantalUren", namespaces=NS) == "16.50"
    assert root.findtext("vz:verzuim/vz:actieGewenst", namespaces=NS) == "false"
    assert validate(root) is None


def test_none_leaves_an_optional_element_out() -> None:
    """A field set to None is not written (an open end date has no einddatum)."""
    root = render("MeldenVerzuimRequest", melden_document(melding(period_end=None), DUO_OIN))
    assert root.find("vz:verzuim/vz:periode/vz:einddatum", namespaces=NS) is None


def test_unknown_field_is_refused() -> None:
    """A field the schema does not know is an error, not silently dropped."""
    document = dict(melden_document(melding(), DUO_OIN))
    document["verzuim"] = {**document["verzuim"], "geheim": "x"}
    with pytest.raises(RenderError, match="geheim"):
        render("MeldenVerzuimRequest", document)


def test_list_for_a_single_field_is_refused() -> None:
    """Two values where the schema allows one are refused."""
    document = dict(melden_document(melding(), DUO_OIN))
    document["instelling"] = [document["instelling"], document["instelling"]]
    with pytest.raises(RenderError, match="instelling"):
        render("MeldenVerzuimRequest", document)


def test_a_misfit_is_a_permanent_delivery_error() -> None:
    """A payload that can never fit the schema is permanent for the outbox."""
    with pytest.raises(PermanentDeliveryError):
        render("MeldenVerzuimRequest", {"onbekend": 1})


def test_an_element_the_schema_does_not_have_is_refused() -> None:
    """Only the schema's global elements can be rendered."""
    with pytest.raises(RenderError, match="GeenVerzoek"):
        render("GeenVerzoek", {})
