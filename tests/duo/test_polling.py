"""The stand-in moves statuses on by its own clock, and answers the status operation with what
changed since a moment: what the gateway's status poll (``gateway.pipeline.status_polling``) relies on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from adapters.duo.channel import DuoChannel
from adapters.duo.standin import RunningStandin, start_standin
from gateway.domain.errors import TransientDeliveryError
from gateway.testing.pki import DemoPki
from tests.clock import HandClock
from tests.duo.conftest import make_channel, standin_config
from tests.duo.helpers import SCHOOL, melding
from tests.duo.test_standin import https_client

Clock = HandClock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def timed(pki: DemoPki, clock: Clock) -> Iterator[RunningStandin]:
    """A stand-in whose meldingen are in behandeling after 10 minutes and afgesloten after 30."""
    running = start_standin(standin_config(pki, in_behandeling_after=timedelta(minutes=10),
                                           afgesloten_after=timedelta(minutes=30),
                                           closing_reden="werk", closing_toelichting="geen_actie_meer"),
                            clock=clock)
    yield running
    running.stop()


@pytest.fixture
def duo(pki: DemoPki, timed: RunningStandin) -> Iterator[DuoChannel]:
    made = make_channel(pki, timed.url)
    yield made
    made.close()


def test_statuses_move_on_at_the_configured_times(duo: DuoChannel, clock: Clock) -> None:
    """Geregistreerd on arrival, in behandeling after 10 minutes, afgesloten after 30."""
    item = melding()
    duo.deliver(item)
    seen = []
    for minutes in (9, 2, 18, 2):
        clock.advance(minutes=minutes)
        seen.append(duo.status(item).status)  # type: ignore[union-attr]
    assert seen == ["geregistreerd", "in_behandeling", "in_behandeling", "afgesloten"]


def test_changes_since_carry_when_each_status_changed(duo: DuoChannel, clock: Clock) -> None:
    """Each change carries its moment: registration plus the configured time."""
    item = melding()
    registered = duo.deliver(item).received_at
    clock.advance(minutes=11)
    [change] = duo.changes_since(SCHOOL, registered)
    assert (change.message_id, change.status) == (item.message_id, "in_behandeling")
    assert change.changed_at == registered + timedelta(minutes=10)
    assert change.receiver_reference is not None and change.receiver_reference.startswith("VZ")


def test_changes_before_the_moment_asked_are_left_out(duo: DuoChannel, clock: Clock) -> None:
    """A melding whose last change lies before ``since`` is not reported."""
    duo.deliver(melding())
    clock.advance(minutes=11)
    assert duo.changes_since(SCHOOL, clock.now - timedelta(seconds=30)) == []


def test_a_status_set_explicitly_wins_over_the_clock(duo: DuoChannel, timed: RunningStandin,
                                                     clock: Clock) -> None:
    """A test or the demo sets a status at once; it is reported from that moment."""
    item = melding()
    duo.deliver(item)
    timed.app.set_status(item.message_id, "Ter kennisgeving aangenomen")
    [change] = duo.changes_since(SCHOOL, clock.now)
    assert (change.status, change.changed_at) == ("ter_kennisgeving", clock.now)


def test_admin_endpoint_sets_a_status(pki: DemoPki, duo: DuoChannel, timed: RunningStandin) -> None:
    """POST /_admin/status sets a melding's status; an unknown kenmerk is 404, an unknown status 400."""
    item = melding()
    duo.deliver(item)
    base = timed.url.split("/verzuimloket")[0]
    with https_client(pki, pki.gateway_client) as http:
        assert http.post(f"{base}/_admin/status",
                         json={"kenmerk": item.message_id, "status": "Afgesloten"}).status_code == 200
        assert http.post(f"{base}/_admin/status",
                         json={"kenmerk": "onbekend", "status": "Afgesloten"}).status_code == 404
        assert http.post(f"{base}/_admin/status",
                         json={"kenmerk": item.message_id, "status": "Kwijt"}).status_code == 400
    assert duo.status(item).status == "afgesloten"  # type: ignore[union-attr]


def test_afgesloten_keeps_the_configured_closing_codes(duo: DuoChannel, timed: RunningStandin,
                                                       clock: Clock) -> None:
    """An Afgesloten melding holds the Besluit's reden and toelichting codes the stand-in was given
    (the answer carries them once the V2 schema declares them)."""
    item = melding()
    duo.deliver(item)
    clock.advance(minutes=31)
    registration = timed.app.registration(item.message_id)
    assert registration is not None
    seen = registration.status_at(clock.now, timed.app.plan)
    assert (seen.status, seen.reden, seen.toelichting) == ("Afgesloten", "werk", "geen_actie_meer")


def test_withdrawal_wins_over_the_clock(duo: DuoChannel, clock: Clock) -> None:
    """A withdrawn melding stays Ingetrokken however much time passes."""
    item = melding()
    duo.deliver(item)
    duo.withdraw(item, "correctie")
    clock.advance(hours=2)
    assert duo.status(item).status == "ingetrokken"  # type: ignore[union-attr]


def test_status_step_alone_still_moves_one_step_at_a_time(pki: DemoPki, clock: Clock) -> None:
    """Without the two times, ``status_step`` moves a melding one status per step (the sandbox's
    ``--status-step``)."""
    running = start_standin(standin_config(pki, status_step=timedelta(minutes=5)), clock=clock)
    channel = make_channel(pki, running.url)
    try:
        item = melding()
        channel.deliver(item)
        clock.advance(minutes=10, seconds=1)
        assert channel.status(item).status == "afgesloten"  # type: ignore[union-attr]
    finally:
        channel.close()
        running.stop()


def test_outage_knob_makes_the_status_query_transient(duo: DuoChannel, timed: RunningStandin) -> None:
    """A 503 from the stand-in is a transient failure of the status query: the poll tries later."""
    timed.faults.unavailable_503 = 1
    with pytest.raises(TransientDeliveryError):
        duo.changes_since(SCHOOL, datetime.now(UTC))


def test_admin_status_refuses_malformed_json(pki: DemoPki, timed: RunningStandin) -> None:
    """A body that is not JSON is refused with 400."""
    base = timed.url.split("/verzuimloket")[0]
    with https_client(pki, pki.gateway_client) as http:
        response: httpx.Response = http.post(f"{base}/_admin/status", content=b"{niet json")
    assert response.status_code == 400


def test_afgesloten_reports_carry_the_closing_codes(duo: DuoChannel, clock: Clock) -> None:
    """An Afgesloten change carries the Besluit's reden and toelichting codes (V2 status answer)."""
    item = melding()
    registered = duo.deliver(item).received_at
    clock.advance(minutes=31)
    [change] = duo.changes_since(SCHOOL, registered)
    assert (change.status, change.reden, change.toelichting_afsluiting) == (
        "afgesloten", "werk", "geen_actie_meer")
