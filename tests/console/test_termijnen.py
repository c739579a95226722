"""The Termijnen page shows, beside the school's own due dates, each melding whose receiver is late
(seed 000 step 5: the Doorstroompunt makes contact within 3 working days of the melding)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from gateway import pipeline
from gateway.domain.ports import OutgoingMelding, Receipt
from gateway.store import MeldingView
from tests.console.conftest import Console
from tests.console.helpers import SCHOOL, fill_in
from tests.store.helpers import FAMILY, FakeChannel

RECEIVED = datetime(2026, 9, 4, 10, 0, tzinfo=UTC)  # Friday: contact is due by Wednesday 9 September
MELDER = "melder@voorbeeld"


@dataclasses.dataclass
class ReceiptOnFriday(FakeChannel):
    """A channel whose receipts carry a fixed moment, so the receiver's clock starts on a known day."""

    def deliver(self, melding: OutgoingMelding) -> Receipt:
        return dataclasses.replace(super().deliver(melding), received_at=RECEIVED)


@pytest.fixture
def channel() -> FakeChannel:
    """The console fixtures' channel, with receipts on Friday 4 September."""
    return ReceiptOnFriday()


def _delivered_no_show(console: Console, deliver: Callable[[], int]) -> MeldingView:
    """N2's no-show (19 years old: to the Doorstroompunt), filled in, approved and delivered."""
    melding = console.melding("no-show", "N2")
    assert melding.recipient == "dsp"
    fill_in(console.store, melding.id)
    pipeline.approve(console.store, SCHOOL.id, melding.id, "test")
    deliver()
    return melding


def test_late_receiver_is_listed_in_dutch_beside_the_schools_own_due_dates(
        console: Console, deliver: Callable[[], int]) -> None:
    """On Thursday the DSP has not made contact: the page names the student, the receiver, what is
    missing and the deadline, below the school's own overdue meldingen."""
    melding = _delivered_no_show(console, deliver)
    console.today = date(2026, 9, 10)
    page = console.client(MELDER).get("/console/termijnen").text
    own, receivers = page.split('id="ontvanger-te-laat-kop"')
    assert 'id="te-laat-aantal">' in own
    assert f'<a href="/console/meldingen/{melding.id}">Noor-N2 {FAMILY}</a>' in receivers
    for text in ("<td>Doorstroompunt</td>", "<td>Geen contact</td>", "<td>binnen 3 werkdagen</td>",
                 "<td>04-09-2026</td>", "<td>09-09-2026</td>", "<td><strong>1</strong></td>"):
        assert text in receivers, text


def test_receiver_on_time_is_not_listed(console: Console, deliver: Callable[[], int]) -> None:
    """On the last day of the contact term nothing is late on the receiving side."""
    _delivered_no_show(console, deliver)
    console.today = date(2026, 9, 9)
    page = console.client(MELDER).get("/console/termijnen").text
    assert 'id="ontvanger-op-tijd">Geen ontvanger te laat.' in page
    assert 'id="ontvanger-te-laat"' not in page


def test_status_from_the_receiver_ends_the_contact_lateness(console: Console,
                                                           deliver: Callable[[], int]) -> None:
    """Once the DSP reports a status, the melding leaves the list (until the week is past)."""
    melding = _delivered_no_show(console, deliver)
    pipeline.record_feedback(console.store, melding.id, "In behandeling", actor="ontvanger:dsp")
    console.today = date(2026, 9, 10)
    page = console.client(MELDER).get("/console/termijnen").text
    assert "Geen ontvanger te laat." in page


def test_other_schools_late_receivers_are_not_shown(console: Console, deliver: Callable[[], int]) -> None:
    """A user of another school sees nothing of this school's late receiver."""
    melding = _delivered_no_show(console, deliver)
    console.today = date(2026, 9, 10)
    page = console.client("melder@ander").get("/console/termijnen").text
    assert melding.id not in page
    assert "Geen ontvanger te laat." in page


def test_a_long_list_of_late_receivers_shows_the_longest_waiting_and_the_total(
        console: Console, deliver: Callable[[], int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the first rows of late receivers show, with how many there are in all."""
    monkeypatch.setattr("gateway.console.pages.deadlines.SECTION_LIMIT", 0)
    _delivered_no_show(console, deliver)
    console.today = date(2026, 9, 10)
    page = console.client(MELDER).get("/console/termijnen").text
    assert 'id="ontvanger-te-laat-aantal">De 0 langst wachtende van 1.</p>' in page
