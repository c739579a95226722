"""How long work reports how far it is: a callback with the items done and the total (None: not
known yet). The command line shows it; the core and the adapters only call it."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int | None], None]


def no_progress(done: int, total: int | None) -> None:
    """The callback for callers that show nothing."""
