"""A clock the test moves by hand: given to a stand-in, a worker or a poll as its ``now``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class HandClock:
    """Now in UTC (aware) until the test moves it on."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock on by a ``timedelta(**delta)``."""
        self.now += timedelta(**delta)
