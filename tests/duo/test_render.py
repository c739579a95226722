"""The direct request renderer writes exactly what zeep's serialiser wrote, and refuses misfits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree
from zeep.wsdl.messages.soap import SoapMessage

import adapters.duo.channel as channel_module
from adapters.duo.channel import DuoChannel
from adapters.duo.message import (
    changes_payload,
    intrekken_payload,
    melden_payload,
    status_payload,
)
from adapters.duo.render import RenderError
from adapters.duo.standin import RunningStandin
from gateway.domain.errors import PermanentDeliveryError
from gateway.testing.pki import DemoPki

from .conftest import make_channel
from .helpers import SCHOOL, melding


@pytest.fixture
def offline_channel(pki: DemoPki) -> Iterator[DuoChannel]:
    made = make_channel(pki, "https://localhost:9/verzuimloket/v1")
    yield made
    made.close()


def operations(channel: DuoChannel) -> Any:
    return channel._service._binding._operations


def serialized(channel: DuoChannel, operation: str, payload: dict[str, Any]) -> tuple[bytes, bytes]:
    message = operations(channel)[operation].input
    fast = message.serialize(**payload)
    slow = SoapMessage.serialize(message, **payload)
    assert fast.headers == slow.headers
    return etree.tostring(fast.content), etree.tostring(slow.content)


@pytest.mark.parametrize("made", [
    melding(), melding(period_end=None), melding(rule="lrv", period_end=None),
    melding(rule="no-show"), melding(bsn=None, onderwijsnummer="101234567"),
])
def test_melding_renders_as_zeep_did(offline_channel: DuoChannel, pki: DemoPki,
                                     made: Any) -> None:
    """MeldenVerzuim bodies are byte-identical to zeep's own serialisation."""
    fast, slow = serialized(offline_channel, "MeldenVerzuim", melden_payload(made, pki.duo_oin))
    assert fast == slow


def test_other_operations_render_as_zeep_did(offline_channel: DuoChannel, pki: DemoPki) -> None:
    """Withdrawal and both status queries (the two choice branches) match zeep's output."""
    payloads = [
        ("IntrekkenMelding", intrekken_payload(melding(), pki.duo_oin, "dubbel", None)),
        ("OpvragenStatuswijzigingen", status_payload(SCHOOL, pki.duo_oin, ["a", "b"])),
        ("OpvragenStatuswijzigingen", changes_payload(SCHOOL, pki.duo_oin, datetime.now(UTC))),
    ]
    for operation, payload in payloads:
        fast, slow = serialized(offline_channel, operation, payload)
        assert fast == slow


def test_unknown_field_is_refused(offline_channel: DuoChannel, pki: DemoPki) -> None:
    """A field the schema does not know is an error, not silently dropped."""
    payload = melden_payload(melding(), pki.duo_oin)
    payload["verzuim"] = {**payload["verzuim"], "geheim": "x"}
    with pytest.raises(RenderError, match="geheim"):
        operations(offline_channel)["MeldenVerzuim"].input.serialize(**payload)


def test_list_for_a_single_field_is_refused(offline_channel: DuoChannel, pki: DemoPki) -> None:
    """Two values where the schema allows one are refused."""
    payload = melden_payload(melding(), pki.duo_oin)
    payload["instelling"] = [payload["instelling"], payload["instelling"]]
    with pytest.raises(RenderError, match="instelling"):
        operations(offline_channel)["MeldenVerzuim"].input.serialize(**payload)


def test_missing_required_field_is_permanent_before_sending(pki: DemoPki,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            standin: RunningStandin) -> None:
    """A body without a required element fails the XSD check: permanent, nothing sent."""
    def without_contact(made: Any, duo_oin: str) -> dict[str, Any]:
        payload = melden_payload(made, duo_oin)
        del payload["contactpersoon"]
        return payload

    monkeypatch.setattr(channel_module, "melden_payload", without_contact)
    channel = make_channel(pki, standin.url)
    try:
        with pytest.raises(PermanentDeliveryError, match="XSD"):
            channel.deliver(melding())
    finally:
        channel.close()
    assert standin.app.stats.requests == 0
