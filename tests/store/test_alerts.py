"""Alerts on state transitions: the due date at risk, once per melding (log event + audit entry)."""

from __future__ import annotations

from datetime import date

from structlog.testing import capture_logs

from gateway.delivery.alerts import DUE_DATE_ACTION, alert_due_dates
from gateway.delivery.worker import Worker
from gateway.domain.errors import PermanentDeliveryError
from tests.store.helpers import FakeChannel, audit_actions, drain, make_meldingen

DUE = date(2026, 10, 1)  # the fake meldingen's due date (a Thursday)


def _worker(store, channel: FakeChannel, today: date) -> Worker:
    return Worker(store, lambda s, r: channel, worker_id="w", today=lambda: today, due_alert_workdays=2)


def test_undelivered_melding_near_its_due_date_alerts_once(store):
    """A melding still waiting two working days before its due date alerts, and only once."""
    [mid] = make_meldingen(store, "S1")
    worker = _worker(store, FakeChannel(), date(2026, 9, 29))
    with capture_logs() as logs:
        assert worker.check_due_dates() == 1
        assert worker.check_due_dates() == 0
    assert audit_actions(store, mid).count(DUE_DATE_ACTION) == 1
    [event] = [e for e in logs if e["event"] == "alert: uiterste melddatum in gevaar"]
    assert (event["melding"], event["due_date"], event["working_days_left"]) == (mid, "2026-10-01", 2)


def test_alert_is_once_per_melding_across_workers(store):
    """A second worker (or a restart) does not alert the same melding again."""
    make_meldingen(store, "S1")
    assert _worker(store, FakeChannel(), date(2026, 9, 30)).check_due_dates() == 1
    assert alert_due_dates(store, date(2026, 10, 2), 2, "other-worker") == []


def test_melding_with_time_to_spare_does_not_alert(store):
    """Three working days before the due date there is no alert yet (limit 2)."""
    make_meldingen(store, "S1")
    assert _worker(store, FakeChannel(), date(2026, 9, 28)).check_due_dates() == 0


def test_delivered_melding_does_not_alert(store):
    """A melding the receiver acknowledged is not at risk."""
    channel = FakeChannel()
    make_meldingen(store, "S1")
    worker = _worker(store, channel, date(2026, 9, 30))
    drain(worker)
    assert worker.check_due_dates() == 0


def test_dead_letter_near_due_date_alerts_both_ways(store):
    """A dead letter alerts as such, and its due date at risk alerts separately (once each)."""
    channel = FakeChannel()
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", PermanentDeliveryError("afgewezen", receiver_text="VZ003: einddatum ontbreekt"))
    worker = _worker(store, channel, date(2026, 10, 1))
    with capture_logs() as logs:
        drain(worker)
        worker.check_due_dates()
        worker.check_due_dates()
    events = [e["event"] for e in logs if e["event"].startswith("alert")]
    assert events == ["alert: melding onbestelbaar", "alert: uiterste melddatum in gevaar"]
    assert audit_actions(store, mid).count(DUE_DATE_ACTION) == 1


def test_run_loop_checks_due_dates(store):
    """The worker's loop checks due dates by itself (here: before its first item)."""
    import threading  # noqa: PLC0415

    [mid] = make_meldingen(store, "S1")
    channel = FakeChannel()
    channel.fail("S1", PermanentDeliveryError("nee"))
    worker = _worker(store, channel, date(2026, 9, 30))
    worker.run(threading.Event(), max_items=1)
    assert DUE_DATE_ACTION in audit_actions(store, mid)
