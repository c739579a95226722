"""One delivery attempt and what follows it (``delivery.attempt``, ``delivery.retry``), without a store."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gateway.delivery.attempt import Outcome, Verdict, attempt, classify
from gateway.delivery.retry import RetryPolicy, next_attempt
from gateway.domain.errors import (
    ConfigurationError,
    InDoubtDeliveryError,
    PermanentDeliveryError,
    RoutingError,
    TransientDeliveryError,
    UnknownAdapter,
)
from gateway.domain.ports import OutgoingMelding, SchoolIdentity, StudentDetails
from gateway.domain.signals import Signal
from tests.store.helpers import FakeChannel, fake_signal

POLICY = RetryPolicy(initial=1, maximum=60, jitter=0, max_attempts=3, in_doubt_delay=30)


def outgoing(signal: Signal | None = None) -> OutgoingMelding:
    """A melding for student S1, ready for a channel."""
    sig = signal or fake_signal("S1")
    student = StudentDetails(student_id="S1", birth_date=date(2010, 3, 1), woongemeente="0344")
    school = SchoolIdentity(brin="25AB", oin="00000001234567890000", name="ROC Voorbeeld")
    return OutgoingMelding(melding_id=sig.message_id, message_id=sig.message_id, school=school,
                           student=student, signal=sig)


def test_an_in_doubt_attempt_held_by_the_receiver_sends_nothing():
    """In doubt and found by the status query: a receipt, and nothing is delivered again."""
    channel, melding = FakeChannel(), outgoing()
    channel.known.add(melding.message_id)
    outcome = attempt(channel, melding, in_doubt=True)
    assert (outcome.verdict, outcome.receipt.receiver_reference, channel.delivered) == (
        Verdict.ALREADY_HELD, "REF-known", {}
    )


def test_an_in_doubt_attempt_unknown_at_the_receiver_is_sent_again():
    """In doubt, and the receiver does not have it: it is delivered."""
    channel, melding = FakeChannel(), outgoing()
    outcome = attempt(channel, melding, in_doubt=True)
    assert (outcome.verdict, channel.delivered) == (Verdict.DELIVERED, {melding.message_id: 1})


def test_a_failed_status_query_never_resends():
    """When the status query fails, the attempt ends there: still in doubt, nothing sent."""
    channel, melding = FakeChannel(), outgoing()
    channel.status_failures.append(TransientDeliveryError("time-out"))
    outcome = attempt(channel, melding, in_doubt=True)
    assert (outcome.verdict, outcome.error, channel.delivered) == (
        Verdict.STATUS_FAILED, "statusvraag mislukt: time-out", {}
    )


def test_a_withdrawal_attempt_withdraws():
    """A withdrawal row's attempt calls the channel's withdraw, not deliver."""
    channel, melding = FakeChannel(), outgoing()
    outcome = attempt(channel, melding, withdraw=True)
    assert (outcome.verdict, channel.withdrawn, channel.delivered) == (
        Verdict.DELIVERED, {melding.message_id: 1}, {}
    )


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (TransientDeliveryError("503"), Verdict.TRANSIENT),
        (PermanentDeliveryError("VZ003"), Verdict.REJECTED),
        (InDoubtDeliveryError("geen antwoord"), Verdict.IN_DOUBT),
        (RoutingError("onbekende gemeente"), Verdict.UNROUTABLE),
        (UnknownAdapter("geen kanaal 'fax'"), Verdict.MISCONFIGURED),
        (ConfigurationError("endpoint ontbreekt"), Verdict.MISCONFIGURED),
        (KeyError("bug"), Verdict.UNEXPECTED),
    ],
)
def test_each_error_has_its_verdict(error, verdict):
    """The channel error taxonomy: what each failure means for the outbox."""
    assert classify(error).verdict is verdict


def test_a_rejection_keeps_the_receivers_own_words():
    """A refused melding is recorded with the receiver's text when it gave one."""
    outcome = classify(PermanentDeliveryError("400", receiver_text="VZ003: einddatum is verplicht"))
    assert outcome.error == "VZ003: einddatum is verplicht"


def test_a_transient_failure_is_retried_with_backoff():
    """The second attempt after a transient failure waits the policy's backoff for attempt 1."""
    retry = next_attempt(Outcome(Verdict.TRANSIENT), POLICY, attempts=1, in_doubt=False)
    assert (retry.wait, retry.in_doubt) == (timedelta(seconds=1), False)


def test_an_unanswered_request_is_checked_by_status_after_the_in_doubt_delay():
    """After a request without an answer the next attempt asks the status first."""
    retry = next_attempt(Outcome(Verdict.IN_DOUBT), POLICY, attempts=1, in_doubt=False)
    assert (retry.wait, retry.in_doubt) == (timedelta(seconds=30), True)


def test_an_in_doubt_melding_stays_in_doubt_after_a_transient_failure():
    """Only a receipt settles doubt: a transient failure of a later attempt keeps it."""
    retry = next_attempt(Outcome(Verdict.STATUS_FAILED), POLICY, attempts=2, in_doubt=True)
    assert retry.in_doubt


@pytest.mark.parametrize("verdict", [Verdict.TRANSIENT, Verdict.IN_DOUBT, Verdict.UNEXPECTED])
def test_retries_stop_at_the_attempt_limit(verdict):
    """At ``max_attempts`` no attempt follows: the row becomes a dead letter."""
    assert next_attempt(Outcome(verdict), POLICY, attempts=POLICY.max_attempts, in_doubt=False) is None


@pytest.mark.parametrize("verdict", [Verdict.REJECTED, Verdict.MISCONFIGURED, Verdict.UNROUTABLE])
def test_refusals_and_set_up_problems_are_not_retried_by_backoff(verdict):
    """A refusal is final; a route or recipient problem waits for a person, not for a backoff."""
    assert next_attempt(Outcome(verdict), POLICY, attempts=1, in_doubt=False) is None

