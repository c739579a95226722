"""A worker process for the crash and concurrency tests.

Run as ``python -m tests.store.worker_proc URL RECEIVER NAME``.

Delivers until nothing is due, then exits 0.
"""

from __future__ import annotations

import sys

from gateway.delivery.worker import Worker
from gateway.store import Store
from gateway.store.crypto import FieldCipher
from tests.store.conftest import KEYS
from tests.store.receiver import HttpChannel


def main() -> None:
    """Run one worker to completion."""
    url, receiver_url, name = sys.argv[1:4]
    store = Store.open(url, FieldCipher(KEYS, "k1"))
    channel = HttpChannel(receiver_url)
    worker = Worker(store, lambda school, route: channel, worker_id=name)
    worker.recover()
    while worker.run_once():
        pass
    store.close()


if __name__ == "__main__":
    main()
