"""The gateway's HTTP app as the demo runs it: the push API (with the meldingen endpoints the
verzuimcoördinator uses) and the feedback API, on loopback, with the demo's school-year clock.

Each location gets an API key of its own, as a school's own tooling would; the demo talks to the
app only over HTTP with those keys.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date

import httpx

from demo.college import LOCATIONS
from gateway.api.app import ApiSettings, create_app
from gateway.api.keys import create_api_key
from gateway.api.server import serve_in_thread
from gateway.console.feedback import feedback_router
from gateway.delivery.routing import DirectoryData
from gateway.store import Store

TIMEOUT = 30.0  # seconds per request: an approval may wait for the store's write lock


@dataclass
class Clock:
    """The demo's today, moved on by the steps (the app asks it for every request)."""

    today: date

    def __call__(self) -> date:
        """Today as the demo sees it."""
        return self.today


@dataclass
class Api:
    """The running app: its address, the demo's clock and each location's API key."""

    url: str
    clock: Clock
    keys: dict[str, str] = field(default_factory=dict)  # location key -> API key

    def client(self, school_id: str) -> httpx.Client:
        """An HTTP client that presents the school's key (the caller closes it)."""
        return httpx.Client(base_url=self.url, timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {self.keys[school_id]}"})


def start_api(stack: ExitStack, store: Store, directory: DirectoryData, today: date) -> Api:
    """Serve the app on a free loopback port until ``stack`` closes; one API key per location."""
    clock = Clock(today)
    app = create_app(ApiSettings(evaluate_on_push=False), store, clock=clock,
                     extra_routers=[feedback_router(directory)])
    server = serve_in_thread(app)
    stack.callback(server.stop)
    api = Api(server.url, clock)
    for location in LOCATIONS:
        _, key = create_api_key(store, location.key, label="demo: verzuimcoördinator", actor="demo:beheer")
        api.keys[location.key] = key
    return api
