"""Progress of long work on stderr: a bar on a terminal (rich), plain lines otherwise (logs, cron).

``progress(label)`` gives a ``Progress`` callback for the length of a ``with`` block. Plain lines
come at every tenth of the work (or every ``PLAIN_EVERY`` items while the total is unknown) and at
the end, so a log stays short.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from gateway.domain.progress import Progress

PLAIN_STEPS = 10
PLAIN_EVERY = 100


class _PlainLines:
    """``label: done/total`` lines, at most about ``PLAIN_STEPS`` of them."""

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label, self.stream = label, stream
        self.shown = -1
        self.last: tuple[int, int | None] = (0, None)
        self.printed: tuple[int, int | None] | None = None

    def __call__(self, done: int, total: int | None) -> None:
        self.last = (done, total)
        step = done * PLAIN_STEPS // total if total else done // PLAIN_EVERY
        if step > self.shown:
            self.shown = step
            self._line(done, total)

    def _line(self, done: int, total: int | None) -> None:
        self.printed = (done, total)
        click.echo(f"{self.label}: {done}/{total}" if total is not None else f"{self.label}: {done}",
                   file=self.stream)

    def finish(self) -> None:
        """The last state, unless that line was just shown."""
        if self.printed != self.last:
            self._line(*self.last)


@contextmanager
def progress(label: str, stream: TextIO | None = None) -> Iterator[Progress]:
    """A progress callback for ``label`` (Dutch, for people) on ``stream`` (default stderr)."""
    out = stream or sys.stderr
    if not out.isatty():
        plain = _PlainLines(label, out)
        try:
            yield plain
        finally:
            if plain.shown >= 0:  # nothing reported: nothing to close off
                plain.finish()
        return
    bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), console=Console(file=out), transient=False)
    task = bar.add_task(label, total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)
