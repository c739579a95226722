"""Running the real delivery worker until the outbox reaches a state the demo waits for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, datetime

import sqlalchemy as sa

from demo.progress import DemoFailure
from gateway.delivery.routing import RecipientDirectory
from gateway.delivery.worker import RetryPolicy, Worker, plugin_channels
from gateway.domain.outbox_lifecycle import ACTIVE, OutboxState
from gateway.pipeline.status_polling import PollResult, poll_due
from gateway.store import Store
from gateway.store.schema import outbox

# Short waits so a demo outage is ridden out in seconds; the shape (exponential, jitter) is the real one.
DEMO_RETRY = RetryPolicy(initial=0.05, maximum=0.4, jitter=0.05, max_attempts=60, in_doubt_delay=0.1)


def make_worker(stack: ExitStack, store: Store, directory: RecipientDirectory, today: date) -> Worker:
    """The gateway's worker with channels from the entry points and the demo's school-year clock;
    its connections close with ``stack`` (before the stand-ins stop: an open keep-alive connection
    would hold the DUO stand-in's shutdown up)."""
    worker = Worker(store, plugin_channels(), worker_id="demo:worker", retry=DEMO_RETRY,
                    directory=directory, today=lambda: today)
    stack.callback(worker.close)
    return worker


WALL_WORKER = "demo:worker"


def wall_worker(stack: ExitStack, store: Store, directory: RecipientDirectory,
                wall: Callable[[], datetime], today: Callable[[], date]) -> Worker:
    """The worker after delivery, on the demo's wall clock: its status poll asks DUO at ``wall()``
    (``poll_due`` wired in as the gateway's worker command does) and its checks count the receivers'
    deadlines to ``today()`` (receipts carry real time)."""
    channels, actor = plugin_channels(), f"worker:{WALL_WORKER}"

    def poll(now: datetime) -> PollResult:
        return poll_due(store, channels, now=now, actor=actor, retry=DEMO_RETRY)

    worker = Worker(store, channels, worker_id=WALL_WORKER, retry=DEMO_RETRY, directory=directory,
                    today=today, clock=wall, status_poller=poll)
    stack.callback(worker.close)
    return worker


def drain(worker: Worker, done: Callable[[], bool], timeout: float, what: str) -> int:
    """Let the worker deliver until ``done()`` holds; ``DemoFailure`` naming ``what`` after ``timeout``."""
    idle = threading.Event()
    deadline = time.monotonic() + timeout
    handled = 0
    worker.recover()
    while True:
        if worker.run_once():
            handled += 1
            continue
        if done():
            return handled
        if time.monotonic() > deadline:
            raise DemoFailure(f"{what} is niet gelukt binnen {timeout:.0f} s")
        idle.wait(0.02)  # nothing due yet: the next retry is scheduled a moment later


def open_rows(store: Store) -> list[sa.Row[tuple[int, str, str, int]]]:
    """Outbox rows that still have work for the worker: (id, route, state, attempts). A held row
    waits for a person (its melding is in the review queue), not for the worker."""
    with store.read() as conn:
        return list(conn.execute(
            sa.select(outbox.c.id, outbox.c.route, outbox.c.state, outbox.c.attempts)
            .where(outbox.c.state.in_(ACTIVE), outbox.c.state != OutboxState.HELD)))


def outbox_empty(store: Store) -> bool:
    """True when no outbox row has work left for the worker."""
    return not open_rows(store)


def each_tried_once(store: Store, rows: set[int]) -> Callable[[], bool]:
    """A condition: every row of ``rows`` was tried at least once (or finished), and no mail waits."""
    def check() -> bool:
        for row in open_rows(store):
            if row.route == "mail" or (row.id in rows and row.attempts < 1):
                return False
        return True
    return check
