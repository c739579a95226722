"""What follows an attempt without a receipt: when to try again, whether to ask the receiver's
status first, or to give up (a dead letter). One decision for the worker and the channel tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import tenacity

from gateway.delivery.attempt import UNANSWERED, Outcome, Verdict
from gateway.domain.errors import ConfigurationError


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for transient failures (seconds), the attempt limit, and the in-doubt recheck delay."""

    initial: float = 2.0
    maximum: float = 3600.0
    jitter: float = 2.0
    max_attempts: int = 15
    in_doubt_delay: float = 30.0
    routing_delay: float = 3600.0  # recheck of a melding without a recipient (unknown gemeente)

    def __post_init__(self) -> None:
        if self.initial <= 0:
            raise ConfigurationError(f"eerste wachttijd moet groter dan 0 seconden zijn, niet {self.initial}")

    def delay(self, attempt: int) -> timedelta:
        """The wait before attempt ``attempt + 1``: ``initial * 2**(attempt - 1)`` plus up to ``jitter``
        seconds, at most ``maximum`` (tenacity's exponential backoff with jitter).

        Older tenacity names the scale ``initial``; recent versions call it ``multiplier`` and warn
        on ``initial``. So neither is passed: the wait is computed in units of ``initial`` (the
        default scale of 1 that every version shares) and scaled back: the same delays everywhere.
        """
        wait = tenacity.wait_exponential_jitter(
            max=self.maximum / self.initial, jitter=self.jitter / self.initial
        )
        state = tenacity.RetryCallState(retry_object=tenacity.Retrying(), fn=None, args=(), kwargs={})
        state.attempt_number = attempt
        return timedelta(seconds=self.initial * wait(state))


@dataclass(frozen=True)
class Retry:
    """The next attempt: after ``wait``; ``in_doubt`` when it must ask the receiver's status first."""

    wait: timedelta
    in_doubt: bool


# Counted attempts that are tried again until ``max_attempts``: with backoff, or after the in-doubt delay.
_BACKOFF = frozenset({Verdict.TRANSIENT, Verdict.STATUS_FAILED})


def next_attempt(outcome: Outcome, policy: RetryPolicy, *, attempts: int, in_doubt: bool) -> Retry | None:
    """The attempt after ``outcome``, or None when none follows (delivered, refused, no recipient
    or a misconfigured channel, or ``attempts`` reached the limit: a dead letter). ``attempts``
    counts this one; ``in_doubt``: this attempt was in doubt already. An in-doubt melding stays in
    doubt until a receipt settles it."""
    if outcome.verdict not in _BACKOFF | UNANSWERED or attempts >= policy.max_attempts:
        return None
    if outcome.verdict in UNANSWERED:
        return Retry(timedelta(seconds=policy.in_doubt_delay), in_doubt=True)
    return Retry(policy.delay(attempts), in_doubt)
