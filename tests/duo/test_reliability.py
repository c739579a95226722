"""Riding out an outage: retries with backoff, nothing lost or registered twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from adapters.duo.channel import DuoChannel
from adapters.duo.standin import RunningStandin

from .helpers import deliver_reliably, melding


def test_outage_of_seconds_is_ridden_out_without_loss_or_doubles(
        channel: DuoChannel, standin: RunningStandin) -> None:
    """During a 2-second outage (503s and dropped connections) 20 meldingen all arrive once."""
    items = [melding(student_id=f"S{i}") for i in range(20)]
    standin.faults.outage(2.0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        receipts = list(pool.map(lambda item: deliver_reliably(channel, item), items))
    assert standin.app.stats.dropped + standin.app.stats.faults >= 1 or \
        standin.app.stats.requests > len(items)
    assert len({r.receiver_reference for r in receipts}) == len(items)
    assert standin.app.registration_count() == len(items)
    assert standin.app.stats.registered == len(items)


def test_in_doubt_delivery_is_resolved_by_status_not_resent(
        channel: DuoChannel, standin: RunningStandin) -> None:
    """After an unanswered but registered request, the worker finds it by status: one melding."""
    standin.faults.drop_after = 1
    receipt = deliver_reliably(channel, melding())
    assert receipt.detail == "bevestigd via statusvraag"
    assert standin.app.stats.by_operation.get("MeldenVerzuim") == 1
    assert standin.app.registration_count() == 1


def test_in_doubt_delivery_not_registered_is_sent_again(
        channel: DuoChannel, standin: RunningStandin) -> None:
    """After a request dropped before processing, status says unknown and it is sent again."""
    standin.faults.drop_before = 1
    receipt = deliver_reliably(channel, melding())
    assert receipt.status == "geregistreerd"
    assert standin.app.registration_count() == 1
