"""A real HTTP receiver on loopback that counts deliveries per message id (and can hold one open),
plus the channel that talks to it from a worker process."""

from __future__ import annotations

import contextlib
import json
import threading
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from gateway.domain.errors import InDoubtDeliveryError, TransientDeliveryError
from gateway.domain.ports import OutgoingMelding, Receipt, StatusReport


class _Server(ThreadingHTTPServer):
    # Several workers with several sends in flight each: the default backlog of 5 resets connections
    # on a busy machine, which a real receiver would not.
    request_queue_size = 128


class Receiver:
    """Registers each message id; duplicates are counted, so a test can prove exactly-once."""

    def __init__(self, hold_after: int | None = None) -> None:
        self.posts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.hold_after = hold_after
        self.holding = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                mid = body["message_id"]
                with receiver.lock:
                    receiver.posts[mid] += 1
                    hold = (
                        receiver.hold_after is not None
                        and len(receiver.posts) > receiver.hold_after
                        and not receiver.holding.is_set()
                    )
                    if hold:
                        receiver.holding.set()
                if hold:  # registered, but the answer never comes (the sender dies meanwhile)
                    receiver.release.wait(30)
                self._answer(200, {"reference": f"R-{mid[:8]}"})

            def do_GET(self) -> None:
                mid = self.path.rsplit("/", 1)[-1]
                with receiver.lock:
                    found = mid in receiver.posts
                self._answer(200 if found else 404, {"reference": f"R-{mid[:8]}"} if found else {})

            def _answer(self, code: int, body: dict[str, str]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(data)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class HttpChannel:
    """The worker-side channel for ``Receiver``: deliver by POST, status by GET."""

    name = "duo"

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=60)

    def deliver(self, melding: OutgoingMelding) -> Receipt:
        try:
            response = self.client.post("/deliver", json={"message_id": melding.message_id})
        except httpx.ConnectError as exc:
            raise TransientDeliveryError("ontvanger niet bereikbaar") from exc
        except httpx.TimeoutException as exc:
            raise InDoubtDeliveryError("geen antwoord") from exc
        return Receipt(melding.message_id, self.name, response.json()["reference"], datetime.now(UTC))

    def withdraw(self, melding: OutgoingMelding, reason: str) -> Receipt:
        raise NotImplementedError

    def status(self, melding: OutgoingMelding) -> StatusReport | None:
        response = self.client.get(f"/status/{melding.message_id}")
        if response.status_code == 404:
            return StatusReport(melding.message_id, False)
        return StatusReport(melding.message_id, True, response.json()["reference"])

    def close(self) -> None:
        self.client.close()
