"""Progress lines for people while the demo works (Dutch)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class DemoFailure(Exception):
    """Something the demo expected did not happen; the message says what (Dutch)."""


@dataclass
class Progress:
    """Numbered steps with their duration; ``echo`` prints one line."""

    total: int
    echo: Callable[[str], None]
    step_no: int = 0
    started: float = field(default_factory=time.monotonic)
    notes: list[str] = field(default_factory=list)

    @contextmanager
    def step(self, title: str) -> Iterator[list[str]]:
        """Announce a step; lines appended to the yielded list are printed under it when it ends."""
        self.step_no += 1
        self.echo(f"[{self.step_no:2d}/{self.total}] {title} ...")
        began = time.monotonic()
        details: list[str] = []
        yield details
        for line in details:
            self.echo(f"        {line}")
        self.echo(f"        klaar in {time.monotonic() - began:.1f} s")

    def elapsed(self) -> float:
        """Seconds since the demo started."""
        return time.monotonic() - self.started
