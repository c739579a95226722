"""Worker throughput: meldingen delivered per second by 1, 2 and 4 worker processes, on SQLite and
PostgreSQL, to a channel that answers at once.

Each worker is a real OS process running the ``Worker`` loop as ``verzuim-gateway worker --once``
does (claim a batch, attempt, record the batch), with the command's default batch size and
concurrency. The processes start, open the store and wait; the clock runs from the moment they
are told to go until the last one has exited, so interpreter start-up is not timed. Every run
fills a fresh store and checks that every melding was delivered exactly once and that the audit
chain verifies. Prints the median of several runs per database and worker count, and per stage
(claim, attempt, record) the share of the workers' time.

What it leaves out: the command's settings and channel plugins (the processes build the worker
with an in-process channel that answers at once, so neither DUO's SOAP nor mail is timed:
``bench/duo_delivery.py`` and ``bench/mail_delivery.py`` time those); the meldingen are made as
the store tests make them (``tests.store.helpers.make_meldingen``: signals applied directly), so
ingest and evaluation are not timed. The school's profile decides every field a person would
fill in, so the completeness gate releases each melding as it is made. SQLite has one writer: its figures for
several workers are printed, not promised to scale.

Usage: ``python bench/worker.py [N] [RUNS] [sqlite|postgresql|both]``; the PostgreSQL server is
``VERZUIM_BENCH_PG`` (default ``postgresql://postgres@127.0.0.1:5432/test``), each run in a fresh
schema that is dropped afterwards.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from gateway.cli.worker import DEFAULT_BATCH, DEFAULT_CONCURRENCY  # noqa: E402
from gateway.delivery import outbox  # noqa: E402
from gateway.delivery.worker import Worker  # noqa: E402
from gateway.domain.ports import OutgoingMelding, Receipt, StatusReport  # noqa: E402
from gateway.store import Store, audit, count_by_status  # noqa: E402
from gateway.store.crypto import FieldCipher  # noqa: E402
from tests.store.helpers import SCHOOL, make_meldingen  # noqa: E402

KEYS = {"k1": b"k" * 32}
PG_URL = os.environ.get("VERZUIM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
WORKER_COUNTS = (1, 2, 4)
TARGET = 200  # meldingen/s with 4 workers on PostgreSQL
STAGES = ("claim", "attempt", "record")


class InstantChannel:
    """Answers every delivery at once; counts what it was given (per process)."""

    name = "duo"

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()

    def deliver(self, melding: OutgoingMelding) -> Receipt:
        self.sent[melding.message_id] += 1
        return Receipt(melding.message_id, self.name, "REF", datetime.now(UTC))

    def withdraw(self, melding: OutgoingMelding, reason: str) -> Receipt:
        return Receipt(melding.message_id, self.name, None, datetime.now(UTC))

    def status(self, melding: OutgoingMelding) -> StatusReport | None:
        return None

    def close(self) -> None:
        pass


# --- one worker process ----------------------------------------------------------------------


def serve(url: str, name: str) -> None:
    """A worker process: open the store, say ready, wait for go, deliver until nothing is due."""
    store = Store.open(url, FieldCipher(KEYS, "k1"))
    channel = InstantChannel()
    worker = Worker(store, lambda school, route: channel, worker_id=name, batch=DEFAULT_BATCH,
                    concurrency=DEFAULT_CONCURRENCY)
    spent = dict.fromkeys(STAGES, 0.0)

    def timed(stage: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[stage] += time.perf_counter() - start
        return wrapper

    outbox.claim_many = timed("claim", outbox.claim_many)
    outbox.record_all = timed("record", outbox.record_all)
    worker._attempt_all = timed("attempt", worker._attempt_all)  # type: ignore[method-assign]
    with store.read() as conn:  # connect before the clock runs
        conn.exec_driver_sql("SELECT 1")
    print("ready", flush=True)
    sys.stdin.readline()
    worker.recover()
    start = time.perf_counter()
    handled = 0
    while done := worker.run_round():
        handled += done
    elapsed = time.perf_counter() - start
    worker.close()
    store.close()
    print(json.dumps({"handled": handled, "seconds": elapsed, "stages": spent, "sent": channel.sent}),
          flush=True)


# --- the bench -------------------------------------------------------------------------------


@contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    """The URL of an empty database of ``kind`` (a temporary SQLite file or a fresh PG schema)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def fill(url: str, n: int) -> None:
    """A migrated store with ``n`` meldingen released for delivery (the store tests' builder)."""
    store = Store.open(url, FieldCipher(KEYS, "k1"))
    store.migrate()
    make_meldingen(store, *(f"S{i:06d}" for i in range(n)), school=SCHOOL)
    store.close()


def one_run(kind: str, n: int, workers: int) -> tuple[float, dict[str, float]]:
    """Time ``workers`` processes delivering ``n`` meldingen; the rate and each stage's share."""
    with fresh_database(kind) as url:
        fill(url, n)
        procs = [
            subprocess.Popen([sys.executable, __file__, "--serve", url, f"bench{i}"], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for i in range(workers)
        ]
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        start = time.perf_counter()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        reports = []
        for proc in procs:
            out, _ = proc.communicate(timeout=600)
            assert proc.returncode == 0, f"worker exited with {proc.returncode}"
            reports.append(json.loads(out.strip().splitlines()[-1]))
        elapsed = time.perf_counter() - start
        sent: Counter[str] = Counter()
        for report in reports:
            sent.update(report["sent"])
        store = Store.open(url, FieldCipher(KEYS, "k1"))
        try:
            assert count_by_status(store) == {"ontvangen": n}, count_by_status(store)
            assert len(sent) == n and set(sent.values()) == {1}, "a melding was sent twice"
            assert audit.verify(store).ok, "audit chain does not verify"
        finally:
            store.close()
    busy = sum(r["seconds"] for r in reports) or 1.0
    shares = {stage: sum(r["stages"][stage] for r in reports) / busy for stage in STAGES}
    return n / elapsed, shares


def main() -> None:
    """Print the median delivery rate per database and number of worker processes."""
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    n = int(args[0]) if args else 2000
    runs = int(args[1]) if len(args) > 1 else 3
    which = args[2] if len(args) > 2 else "both"
    kinds = ("sqlite", "postgresql") if which == "both" else (which,)
    print(f"worker bench: {n} meldingen per run, {runs} runs, batch {DEFAULT_BATCH}, "
          f"concurrency {DEFAULT_CONCURRENCY}, cores {os.cpu_count()}")
    for kind in kinds:
        for workers in WORKER_COUNTS:
            results = [one_run(kind, n, workers) for _ in range(runs)]
            rates = [rate for rate, _ in results]
            shares = {s: statistics.median(r[1][s] for r in results) for s in STAGES}
            goal = f"; target >= {TARGET}/s" if kind == "postgresql" and workers == 4 else ""
            print(f"{kind:10} {workers} worker(s): median {statistics.median(rates):6.0f} meldingen/s "
                  f"(runs {', '.join(f'{r:.0f}' for r in rates)}){goal}; time in "
                  + ", ".join(f"{s} {100 * shares[s]:.0f}%" for s in STAGES))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        main()
