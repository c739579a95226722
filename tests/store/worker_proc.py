"""A worker process for the crash and concurrency tests, and how the tests start one.

Run as ``python -m tests.store.worker_proc URL RECEIVER NAME [CONCURRENCY]``.

Delivers in rounds as ``verzuim-gateway worker --once`` does (a batch claimed and recorded per
transaction, ``CONCURRENCY`` sends in flight, the command's defaults otherwise) until nothing is
due, then exits 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gateway.cli.worker import DEFAULT_BATCH, DEFAULT_CONCURRENCY
from gateway.delivery.worker import Worker
from gateway.store import Store
from gateway.store.crypto import FieldCipher
from tests.store.conftest import KEYS
from tests.store.receiver import HttpChannel

ROOT = Path(__file__).resolve().parents[2]


def start(
    url: str, receiver_url: str, name: str, concurrency: int = DEFAULT_CONCURRENCY
) -> subprocess.Popen[bytes]:
    """Start a worker process on the store at ``url`` delivering to the receiver at ``receiver_url``."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.worker_proc", url, receiver_url, name, str(concurrency)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def main() -> None:
    """Run one worker to completion."""
    url, receiver_url, name = sys.argv[1:4]
    concurrency = int(sys.argv[4]) if len(sys.argv) > 4 else DEFAULT_CONCURRENCY
    store = Store.open(url, FieldCipher(KEYS, "k1"))
    channel = HttpChannel(receiver_url)
    worker = Worker(store, lambda school, route: channel, worker_id=name, batch=DEFAULT_BATCH,
                    concurrency=concurrency)
    worker.recover()
    while worker.run_round():
        pass
    worker.close()
    store.close()


if __name__ == "__main__":
    main()
