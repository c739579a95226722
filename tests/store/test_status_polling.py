"""The worker's status poll (``gateway.pipeline.status_polling``) against the real DUO stand-in over mutual
TLS: a delivered melding's status reaches the store by polling alone, the cursor moves on, an
outage backs off and loses nothing, an unknown kenmerk is skipped, and a poll waits its turn."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.duo.channel import DuoChannel, StatusChange
from adapters.duo.standin import RunningStandin, StandinConfig, start_standin
from gateway import pipeline
from gateway.config.school import SchoolConfig
from gateway.delivery.worker import PluginChannels, RetryPolicy, Worker, plugin_channels
from gateway.domain.ports import SourceBatch
from gateway.pipeline.status_polling import PollResult, apply_changes, poll_due, poll_state
from gateway.store import Store, get_melding
from gateway.store.crypto import FieldCipher
from gateway.store.engine import utcnow
from tests.channel_settings import ChannelPki, channel_pki, duo_table
from tests.clock import HandClock
from tests.duo.helpers import melding
from tests.store.conftest import KEYS
from tests.store.helpers import (
    AS_OF,
    SCHOOL,
    SIXTEEN_HOURS_DAYS,
    absences,
    audit_actions,
    sixteen_hour_batch,
)

DELIVERY = RetryPolicy(initial=0.001, maximum=0.001, jitter=0, max_attempts=5, in_doubt_delay=0)
BACKOFF = RetryPolicy(initial=60, maximum=3600, jitter=0)
HOUR = timedelta(hours=1)


Clock = HandClock


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> ChannelPki:
    return channel_pki(tmp_path_factory.mktemp("poll-pki"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def duo(pki: ChannelPki, clock: Clock) -> Iterator[RunningStandin]:
    """DUO: a melding is in behandeling 10 minutes after it arrived and afgesloten after 30."""
    demo = pki.demo
    running = start_standin(StandinConfig(
        demo.duo_server.cert, demo.duo_server.key, demo.ca_cert, demo.duo_oin,
        gateway_oins=frozenset({demo.gateway_oin}), in_behandeling_after=timedelta(minutes=10),
        afgesloten_after=timedelta(minutes=30)), clock=clock)
    yield running
    running.stop()


@pytest.fixture
def school(pki: ChannelPki, duo: RunningStandin) -> SchoolConfig:
    """The test school with DUO's stand-in as its channel, polled every 60 minutes (the default)."""
    table = duo_table(pki.demo, duo.url, timeouts={"connect": 2, "read": 2, "write": 2, "pool": 2})
    return SchoolConfig(**{**SCHOOL.model_dump(), "channels": {"duo": table}})


@pytest.fixture
def store(store_url: str, school: SchoolConfig) -> Iterator[Store]:
    """A migrated store (SQLite and PostgreSQL) with the school registered."""
    s = Store.open(store_url, FieldCipher(KEYS, "k1"))
    s.migrate()
    pipeline.register_school(s, school, "test")
    yield s
    s.close()


@pytest.fixture
def channels() -> Iterator[PluginChannels]:
    """The real channels from the entry points, as the worker has them."""
    made = plugin_channels()
    yield made
    made.close()


def deliver(store: Store, channels: PluginChannels) -> str:
    """S1's 16-hour melding, delivered to the stand-in by the real worker."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    [mid] = pipeline.evaluate(store, SCHOOL.id, AS_OF).created
    run_worker(store, channels)
    assert get_melding(store, mid).status == "ontvangen"
    return mid


def run_worker(store: Store, channels: PluginChannels) -> None:
    """The real worker handles every outbox row due now (or after its millisecond backoff)."""
    worker = Worker(store, channels, worker_id="poll-test", retry=DELIVERY, today=lambda: AS_OF)
    while worker.run_once(now=utcnow() + HOUR):
        pass


def poll(store: Store, channels: PluginChannels, now: datetime) -> PollResult:
    return poll_due(store, channels, now=now, retry=BACKOFF)


def state(store: Store) -> dict[str, Any]:
    found = poll_state(store, SCHOOL.id)
    assert found is not None
    return found


def status_queries(duo: RunningStandin) -> int:
    return duo.app.stats.by_operation.get("OpvragenStatuswijzigingen", 0)


def test_a_delivered_meldings_status_moves_on_by_polling_alone(store, channels, duo, clock):
    """In behandeling after DUO's 10 minutes, afgesloten after its 30: each seen at the next poll."""
    mid = deliver(store, channels)
    now = utcnow()
    clock.advance(minutes=11)
    assert poll(store, channels, now).applied == 1
    assert (get_melding(store, mid).status, get_melding(store, mid).receiver_status) == (
        "in_behandeling", "In behandeling")
    clock.advance(minutes=20)
    assert poll(store, channels, now + HOUR).applied == 1
    assert (get_melding(store, mid).status, get_melding(store, mid).receiver_status) == (
        "afgesloten", "Afgesloten")
    assert audit_actions(store, mid).count("terugkoppeling") == 2


def test_the_cursor_advances_and_a_second_poll_applies_nothing_twice(store, channels, duo, clock):
    """The cursor moves to the newest change seen; asking again applies nothing a second time."""
    mid = deliver(store, channels)
    registered = duo.app.registration(mid).registered_at  # type: ignore[union-attr]
    now = utcnow()
    clock.advance(minutes=11)
    assert poll(store, channels, now).applied == 1
    assert state(store)["since"] == (registered + timedelta(minutes=10)).replace(tzinfo=None)
    second = poll(store, channels, now + HOUR)
    assert (second.polled, second.applied, second.unchanged) == (1, 0, 1)
    assert audit_actions(store, mid).count("terugkoppeling") == 1


def test_the_first_poll_asks_from_before_the_schools_earliest_delivery(store, channels, duo):
    """Before any poll there is no cursor: the first asks from before the earliest delivery, so it
    sees the registration itself (recognised, nothing to apply) and the cursor moves to it."""
    mid = deliver(store, channels)
    result = poll(store, channels, utcnow())
    assert (result.applied, result.unchanged) == (0, 1)
    received = duo.app.registration(mid).registered_at  # type: ignore[union-attr]  # = delivered_at
    assert state(store)["since"] == received.replace(tzinfo=None)


def test_an_outage_backs_off_and_the_next_poll_loses_nothing(store, channels, duo, clock):
    """DUO answers 503: the failure is counted, the next poll waits the backoff, the cursor stays;
    the poll after it applies the change and resets the count."""
    mid = deliver(store, channels)
    now = utcnow()
    clock.advance(minutes=11)
    duo.faults.unavailable_503 = 1
    assert poll(store, channels, now).failed == 1
    failed = state(store)
    assert (failed["failures"], failed["since"], failed["next_poll_at"]) == (1, None, now + BACKOFF.delay(1))
    assert failed["last_error"]
    assert poll(store, channels, now + timedelta(seconds=59)).polled == 0  # backoff not over
    assert poll(store, channels, now + BACKOFF.delay(1)).applied == 1
    assert get_melding(store, mid).status == "in_behandeling"
    recovered = state(store)
    assert (recovered["failures"], recovered["last_error"]) == (0, None)


def test_failures_in_a_row_back_off_further(store, channels, duo, clock):
    """Each failure in a row waits longer (the delivery backoff), and is counted."""
    deliver(store, channels)
    now = utcnow()
    duo.faults.unavailable_503 = 2
    poll(store, channels, now)
    second = now + BACKOFF.delay(1)
    poll(store, channels, second)
    assert (state(store)["failures"], state(store)["next_poll_at"]) == (2, second + BACKOFF.delay(2))


def test_an_unknown_kenmerk_is_skipped(store, channels, duo, clock, school):
    """A melding DUO holds that the gateway does not know is skipped; the known one is applied."""
    mid = deliver(store, channels)
    stranger = dataclasses.replace(melding(school=school.identity()), message_id=str(uuid.uuid4()))
    channel = channels(school, "duo")
    assert isinstance(channel, DuoChannel)
    channel.deliver(stranger)
    clock.advance(minutes=11)
    result = poll(store, channels, utcnow())
    assert (result.applied, result.skipped) == (1, 1)
    assert get_melding(store, mid).status == "in_behandeling"
    assert get_melding(store, stranger.message_id) is None


def test_a_poll_before_next_poll_at_does_nothing(store, channels, duo, clock):
    """Within the school's interval nothing is asked of DUO and nothing changes."""
    mid = deliver(store, channels)
    now = utcnow()
    poll(store, channels, now)
    asked = status_queries(duo)
    clock.advance(minutes=11)
    assert poll(store, channels, now + timedelta(minutes=59)).polled == 0
    assert (status_queries(duo), get_melding(store, mid).status) == (asked, "ontvangen")


def test_the_interval_is_the_schools_setting(store, channels, duo, school, pki):
    """``status_poll_minutes`` in [channels.duo] sets the wait after a good poll."""
    table = {**school.channels["duo"], "status_poll_minutes": 5}
    pipeline.register_school(store, SchoolConfig(**{**school.model_dump(), "channels": {"duo": table}}),
                             "test")
    deliver(store, channels)
    now = utcnow()
    poll(store, channels, now)
    assert state(store)["next_poll_at"] == now + timedelta(minutes=5)


def test_a_malformed_interval_is_a_failed_poll_not_a_crash(store, channels, duo, school):
    """A school whose interval is no number is counted as failed and tried again later."""
    table = {**school.channels["duo"], "status_poll_minutes": "vaak"}
    pipeline.register_school(store, SchoolConfig(**{**school.model_dump(), "channels": {"duo": table}}),
                             "test")
    result = poll(store, channels, utcnow())
    assert result.failed == 1
    assert "status_poll_minutes" in state(store)["last_error"]


def test_our_own_withdrawal_coming_back_as_ingetrokken_is_recognised(store, channels, duo, clock):
    """DUO reports a melding the gateway withdrew as Ingetrokken: recognised, nothing applied."""
    mid = deliver(store, channels)
    sick = absences("S1", SIXTEEN_HOURS_DAYS, reason="ziek")  # the correction that withdraws it
    pipeline.ingest(store, SCHOOL.id, "magister", SourceBatch(records=sick), "correctie")
    assert pipeline.evaluate(store, SCHOOL.id, AS_OF).withdrawn == [mid]
    run_worker(store, channels)
    clock.advance(minutes=31)
    result = poll(store, channels, utcnow())
    assert (result.applied, result.skipped, result.unchanged) == (0, 0, 1)
    assert get_melding(store, mid).status == "ingetrokken"


def test_a_school_with_nothing_delivered_asks_nothing(store, channels, duo):
    """Without a melding delivered to DUO there is nothing to ask; the next poll is scheduled."""
    now = utcnow()
    assert poll(store, channels, now).polled == 1
    assert (status_queries(duo), state(store)["next_poll_at"]) == (0, now + HOUR)


def test_a_school_without_duo_is_not_polled(store, channels, school):
    """A school without a [channels.duo] table has no DUO poll."""
    pipeline.register_school(store, SchoolConfig(**{**school.model_dump(), "channels": {}}), "test")
    assert poll(store, channels, utcnow()).polled == 0
    assert poll_state(store, SCHOOL.id) is None


def test_a_status_duo_moved_back_is_noted_not_fatal(store, channels, duo, clock):
    """A status the melding has passed already (afgesloten, then DUO says in behandeling) is noted
    and the cursor still moves on."""
    mid = deliver(store, channels)
    now = utcnow()
    clock.advance(minutes=31)
    assert poll(store, channels, now).applied == 1
    assert get_melding(store, mid).status == "afgesloten"
    clock.advance(minutes=1)
    duo.app.set_status(mid, "In behandeling")
    result = poll(store, channels, now + HOUR)
    assert (result.refused, result.failed) == (1, 0)
    assert state(store)["since"] == clock.now.replace(tzinfo=None)



def test_a_channel_that_cannot_report_changes_is_left_alone(store, channels, duo):
    """A duo route whose channel has no status operation is not asked; the next poll is scheduled."""
    deliver(store, channels)
    now = utcnow()
    result = poll_due(store, lambda school, route: object(), now=now)  # type: ignore[arg-type,return-value]
    assert (result.polled, result.failed, state(store)["next_poll_at"]) == (1, 0, now + HOUR)


def test_a_status_nobody_knows_is_skipped(store, channels, duo):
    """A status value outside the Besluit's and DUO's lists is skipped, the melding unchanged."""
    mid = deliver(store, channels)
    odd = StatusChange(message_id=mid, found=True, status="verdwenen", changed_at=datetime.now(UTC))
    result = PollResult()
    apply_changes(store, SCHOOL.id, [odd], "test", result)
    assert (result.skipped, get_melding(store, mid).status) == (1, "ontvangen")
