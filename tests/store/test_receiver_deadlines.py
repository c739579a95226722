"""Deadlines of the receiving side (seed 000 step 5): the Doorstroompunt makes contact within 3
working days of the melding, reports back within a week, and makes an actieplan within 2 weeks
when the student did not start; a late receiver is listed and alerted once per kind."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from gateway import pipeline
from gateway.config.school import school_profile
from gateway.delivery.receiver_deadlines import ACTIONS, Lateness, alert_late_receivers, late_receivers
from gateway.delivery.worker import Worker
from gateway.domain.ports import OutgoingMelding, Receipt
from gateway.domain.receiver_status import NIET_GESTART
from gateway.store import get_melding
from gateway.store.engine import utcnow
from gateway.store.face_tables import feedback
from tests.store.helpers import SCHOOL, FakeChannel, audit_actions, drain, fake_signal, make_meldingen

FRIDAY = date(2026, 9, 4)  # the DSP has the melding on this Friday (its receipt)
RECEIVED = datetime(2026, 9, 4, 10, 0, tzinfo=UTC)


@dataclasses.dataclass
class ReceiptAt(FakeChannel):
    """A channel whose receipts carry a fixed moment (and a status, as DUO's do)."""

    at: datetime = RECEIVED
    receipt_status: str | None = None

    def deliver(self, melding: OutgoingMelding) -> Receipt:
        receipt = super().deliver(melding)
        return dataclasses.replace(receipt, received_at=self.at, status=self.receipt_status)


def deliver_to_dsp(store, sid: str = "S1", channel: ReceiptAt | None = None) -> str:
    """One melding to the Doorstroompunt for ``sid``, delivered; returns its id."""
    pipeline.register_school(store, SCHOOL, "test")
    make_meldingen(store, sid)  # the student and a first melding (to Leerplicht: no receiver deadline)
    signal = dataclasses.replace(fake_signal(sid, 5), recipient="dsp")
    context = pipeline.DecisionContext(SCHOOL, school_profile(SCHOOL), signal.trigger_date, "test")
    with store.write() as conn:
        created, _ = pipeline.apply_signals(conn, context, [sid], [fake_signal(sid, 0), signal],
                                            cipher=store.cipher)
    [melding_id] = created
    deliver_all(store, channel or ReceiptAt())
    return melding_id


def deliver_all(store, channel: ReceiptAt) -> None:
    """Run a worker until every melding went out through ``channel``."""
    drain(Worker(store, lambda school, route: channel, worker_id="w", today=lambda: FRIDAY))


def report(store, melding_id: str, status: str) -> None:
    """The receiver's status reaches the melding (the one way: ``record_feedback``)."""
    pipeline.record_feedback(store, melding_id, status, actor="ontvanger:dsp")


def feedback_row(store, melding_id: str, status: str, on: date) -> None:
    """A report kept in the feedback table, as the feedback API keeps it."""
    with store.write() as conn:
        conn.execute(feedback.insert().values(melding_id=melding_id, school_id=SCHOOL.id, organisation="dsp",
                                              status=status, reported_on=on, created_at=utcnow()))


def kinds(store, today: date) -> list[tuple[str, Lateness]]:
    """(melding, kind of lateness) of the school's late receivers on ``today``."""
    return [(x.melding_id, x.kind) for x in late_receivers(store, SCHOOL.id, today)]


def test_contact_is_late_after_three_working_days_over_a_weekend(store):
    """Had on Friday: contact is due by Wednesday (Monday, Tuesday, Wednesday), late on Thursday."""
    mid = deliver_to_dsp(store)
    assert kinds(store, date(2026, 9, 9)) == []
    [late] = late_receivers(store, SCHOOL.id, date(2026, 9, 10))
    assert (late.melding_id, late.kind, late.recipient) == (mid, Lateness.CONTACT, "dsp")
    assert (late.delivered_on, late.deadline, late.days_late, late.term) == (
        FRIDAY, date(2026, 9, 9), 1, "3 werkdagen")


def test_contact_is_on_time_when_a_status_came(store):
    """Any status from the receiver is contact."""
    mid = deliver_to_dsp(store)
    report(store, mid, "In behandeling")
    assert kinds(store, date(2026, 9, 10)) == []


def test_duo_receipt_is_no_contact(store):
    """DUO's "Geregistreerd" says the message arrived, not that anyone acted on it."""
    mid = deliver_to_dsp(store, channel=ReceiptAt(receipt_status="Geregistreerd"))
    assert kinds(store, date(2026, 9, 10)) == [(mid, Lateness.CONTACT)]


def test_the_mail_channel_s_receipt_is_no_contact(store):
    """A mail the SMTP server took ("Verzonden") says nothing of what the DSP did with it."""
    mid = deliver_to_dsp(store, channel=ReceiptAt(receipt_status="Verzonden"))
    assert kinds(store, date(2026, 9, 10)) == [(mid, Lateness.CONTACT)]


def test_a_receipt_kept_in_the_feedback_table_is_no_contact(store):
    """A "Geregistreerd" row is DUO's receipt, not a report."""
    mid = deliver_to_dsp(store)
    feedback_row(store, mid, "Geregistreerd", date(2026, 9, 4))
    assert kinds(store, date(2026, 9, 10)) == [(mid, Lateness.CONTACT)]


def test_a_report_in_the_feedback_table_is_contact(store):
    """A report kept by the feedback API counts, whatever its words."""
    mid = deliver_to_dsp(store)
    feedback_row(store, mid, "In behandeling", date(2026, 9, 7))
    assert Lateness.CONTACT not in [k for _, k in kinds(store, date(2026, 9, 10))]


def test_clock_starts_on_the_receipt_day_in_amsterdam(store):
    """A receipt at 23:30 on Thursday in Amsterdam (21:30 UTC) counts from Thursday: due Tuesday."""
    mid = deliver_to_dsp(store, channel=ReceiptAt(at=datetime(2026, 9, 3, 21, 30, tzinfo=UTC)))
    assert kinds(store, date(2026, 9, 8)) == []
    assert kinds(store, date(2026, 9, 9)) == [(mid, Lateness.CONTACT)]


def test_terugkoppeling_is_late_after_seven_days(store):
    """In behandeling is contact, not what became of the student: that is due within a week."""
    mid = deliver_to_dsp(store)
    report(store, mid, "In behandeling")
    assert kinds(store, date(2026, 9, 11)) == []
    [late] = late_receivers(store, SCHOOL.id, date(2026, 9, 12))
    assert (late.kind, late.deadline, late.days_late, late.term) == (
        Lateness.TERUGKOPPELING, date(2026, 9, 11), 1, "7 dagen")


def test_silent_receiver_is_late_on_contact_and_terugkoppeling(store):
    """Nothing at all after a week: both deadlines are past."""
    mid = deliver_to_dsp(store)
    assert kinds(store, date(2026, 9, 12)) == [(mid, Lateness.CONTACT), (mid, Lateness.TERUGKOPPELING)]


def test_an_outcome_is_terugkoppeling(store):
    """The DSP's outcome (with a hyphen for the en dash) reports back."""
    mid = deliver_to_dsp(store)
    report(store, mid, "Niet gestart - in begeleiding")
    assert kinds(store, date(2026, 9, 18)) == []


def test_actieplan_is_late_after_fourteen_days_for_niet_gestart(store):
    """Niet gestart and nothing since: the actieplan is due 14 days after the melding."""
    mid = deliver_to_dsp(store)
    report(store, mid, NIET_GESTART)
    assert kinds(store, date(2026, 9, 18)) == []
    [late] = late_receivers(store, SCHOOL.id, date(2026, 9, 19))
    assert (late.melding_id, late.kind, late.deadline, late.term) == (
        mid, Lateness.ACTIEPLAN, date(2026, 9, 18), "14 dagen")


def test_a_later_report_after_niet_gestart_is_the_actieplan(store):
    """The DSP reports again after its first "niet gestart": no actieplan is late."""
    mid = deliver_to_dsp(store)
    report(store, mid, NIET_GESTART)
    feedback_row(store, mid, NIET_GESTART, date(2026, 9, 8))
    feedback_row(store, mid, "Niet gestart – in begeleiding ", date(2026, 9, 15))
    assert kinds(store, date(2026, 9, 30)) == []


def test_started_student_has_no_actieplan(store):
    """Gestart elders closes the melding: never late."""
    mid = deliver_to_dsp(store)
    report(store, mid, "Gestart elders")
    assert kinds(store, date(2026, 10, 30)) == []


def test_withdrawn_melding_is_never_late(store):
    """A withdrawn melding waits for nobody."""
    mid = deliver_to_dsp(store)
    with store.write() as conn:
        pipeline.withdraw(conn, mid, "test", "signaal vervallen")
    assert kinds(store, date(2026, 10, 30)) == []


def test_recipient_without_deadlines_is_never_late(store):
    """The profile names deadlines for the DSP only: a melding to Leerplicht has none."""
    [mid] = make_meldingen(store, "S2")
    deliver_all(store, ReceiptAt())
    assert get_melding(store, mid).status == "ontvangen"
    assert mid not in [m for m, _ in kinds(store, date(2026, 10, 30))]


def test_alert_fires_once_per_melding_and_kind(store):
    """Contact late: one alert, not again; the week past: one more, for the terugkoppeling."""
    mid = deliver_to_dsp(store)
    [first] = alert_late_receivers(store, date(2026, 9, 10), "test-worker")
    assert (first.melding_id, first.kind) == (mid, Lateness.CONTACT)
    assert alert_late_receivers(store, date(2026, 9, 10), "other-worker") == []
    [second] = alert_late_receivers(store, date(2026, 9, 12), "test-worker")
    assert second.kind is Lateness.TERUGKOPPELING
    actions = audit_actions(store, mid)
    assert actions.count(ACTIONS[Lateness.CONTACT]) == 1
    assert actions.count(ACTIONS[Lateness.TERUGKOPPELING]) == 1


def test_nothing_late_alerts_nothing(store):
    """On time: no alert and no audit entry."""
    mid = deliver_to_dsp(store)
    assert alert_late_receivers(store, date(2026, 9, 9), "test-worker") == []
    assert not [a for a in audit_actions(store, mid) if a.startswith("alert.ontvanger")]


def test_the_worker_s_due_date_check_also_alerts_a_late_receiver(store):
    """One check: the school's own due dates and the receivers' deadlines, each alert once."""
    deliver_to_dsp(store)
    worker = Worker(store, lambda school, route: FakeChannel(), worker_id="w",
                    today=lambda: date(2026, 10, 30))
    assert worker.check_due_dates() == 2  # no contact, no terugkoppeling
    assert worker.check_due_dates() == 0


def test_the_worker_polls_statuses_with_the_poller_it_was_given():
    """The composition root gives the poll (the pipeline sits above the worker); without one, none."""
    asked: list[datetime] = []
    now = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
    worker = Worker(None, lambda school, route: FakeChannel(), clock=lambda: now,  # type: ignore[arg-type]
                    status_poller=lambda moment: asked.append(moment) or len(asked))
    assert (worker.poll_statuses(), asked) == (1, [now])
    assert Worker(None, lambda school, route: FakeChannel()).poll_statuses() is None  # type: ignore[arg-type]
