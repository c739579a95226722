"""Request bodies: the shared renderer writes what zeep's own serialiser would, and that body is
what goes over the wire."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from lxml import etree
from zeep import Client

import adapters.duo.channel as channel_module
from adapters.duo.client import HttpxTransport
from adapters.duo.message import changes_payload, status_payload
from adapters.duo.standin import RunningStandin
from adapters.duo.xmlsafe import SOAP_ENV, wsdl_path
from gateway.delivery.document.model import intrekken_document, melden_document
from gateway.delivery.document.render import render
from gateway.delivery.document.schema import VZ
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.ports import OutgoingMelding
from gateway.testing.pki import DemoPki

from .conftest import make_channel
from .helpers import SCHOOL, melding


@pytest.fixture(scope="module")
def zeep_client() -> Iterator[Client]:
    """A plain zeep client of the packaged WSDL (no plugins): zeep's own serialiser."""
    pool = httpx.HTTPTransport()
    yield Client(str(wsdl_path()), transport=HttpxTransport(pool, httpx.Timeout(1.0)))
    pool.close()


def canonical(element: etree._Element) -> bytes:
    return bytes(etree.tostring(element, method="c14n", exclusive=True))


def zeeps_body(client: Client, operation: str, payload: Mapping[str, Any]) -> etree._Element:
    envelope = client.create_message(client.service, operation, **payload)
    return envelope.find(f"{{{SOAP_ENV}}}Body")[0]


@pytest.mark.parametrize("made", [
    melding(), melding(period_end=None), melding(rule="lrv", period_end=None),
    melding(rule="no-show"), melding(bsn=None, onderwijsnummer="101234564"),
])
def test_melding_renders_as_zeep_would(zeep_client: Client, pki: DemoPki,
                                       made: OutgoingMelding) -> None:
    """MeldenVerzuim bodies are canonically identical to zeep's own serialisation."""
    document = melden_document(made, pki.duo_oin)
    assert canonical(render("MeldenVerzuimRequest", document)) == \
        canonical(zeeps_body(zeep_client, "MeldenVerzuim", document))


@pytest.mark.parametrize(("operation", "payload"), [
    ("IntrekkenMelding", intrekken_document(melding(), "00000001800866472000", "dubbel")),
    ("OpvragenStatuswijzigingen", status_payload(SCHOOL, "00000001800866472000", ["a", "b"])),
    ("OpvragenStatuswijzigingen", changes_payload(SCHOOL, "00000001800866472000",
                                                  datetime.now(UTC))),
])
def test_other_operations_render_as_zeep_would(zeep_client: Client, operation: str,
                                               payload: Mapping[str, Any]) -> None:
    """Withdrawal and both status queries (the two choice branches) match zeep's output."""
    assert canonical(render(f"{operation}Request", payload)) == \
        canonical(zeeps_body(zeep_client, operation, payload))


def test_the_body_on_the_wire_is_the_shared_melding_document(pki: DemoPki,
                                                             standin: RunningStandin) -> None:
    """What the stand-in receives in the SOAP Body is the melding document, element for element."""
    made = melding()
    channel = make_channel(pki, standin.url)
    try:
        channel.deliver(made)
    finally:
        channel.close()
    assert standin.app.config.save_dir is not None
    [saved] = standin.app.config.save_dir.glob("*-MeldenVerzuim.xml")
    received = etree.fromstring(saved.read_bytes()).find(f"{{{SOAP_ENV}}}Body")[0]
    sent_at = datetime.fromisoformat(received.findtext(
        f"{{{VZ}}}bedrijfsdocument/{{{VZ}}}datumTijdBedrijfsdocument"))
    expected = render("MeldenVerzuimRequest", melden_document(made, pki.duo_oin, now=sent_at))
    assert canonical(received) == canonical(expected)


def test_missing_required_field_is_permanent_before_sending(pki: DemoPki,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            standin: RunningStandin) -> None:
    """A body without a required element never leaves: permanent, nothing sent."""
    def without_contact(made: OutgoingMelding, duo_oin: str) -> dict[str, Any]:
        document = dict(melden_document(made, duo_oin))
        del document["contactpersoon"]
        return document

    monkeypatch.setattr(channel_module, "melden_document", without_contact)
    channel = make_channel(pki, standin.url)
    try:
        with pytest.raises(PermanentDeliveryError, match="contactpersoon"):
            channel.deliver(melding())
    finally:
        channel.close()
    assert standin.app.stats.requests == 0
