"""Fixtures: a seeded data folder, ``verzuim-gateway serve`` on it (one shared server for the tests that
only read; a fresh one on a copy where a test writes), Debian's Chromium and signed-in pages."""

from __future__ import annotations

import fcntl
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, StorageState, sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.browser.pages import DESKTOP, sign_in
from tests.browser.seed import BEHEERDER, MELDER, MELDER_B, Seeded, seed
from tests.browser.server import Served, copy_data_dir, start_serve
from tests.console.helpers import csrf_of

OpenPage = Callable[..., Page]
_RUNNING: list[Served] = []  # the servers of this worker, for their stderr in a failure's report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives Chromium (marker ``browser``)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test's report carries what the servers wrote to stderr."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed and _RUNNING:
        for served in _RUNNING:
            report.sections.append((f"stderr van serve op {served.url}", served.stderr()[-5000:]))


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Seeded:
    """The seeded data folder no server runs on (copied for each server); made once for all xdist
    workers of a run, under a lock, and read back by the others."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    with (shared / "browser-seed.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        made = shared / "browser-seed.pickle"
        if made.exists():
            seeded: Seeded = pickle.loads(made.read_bytes())
            return seeded
        seeded = seed(shared / "browser-seed")
        made.write_bytes(pickle.dumps(seeded))
        return seeded


def _serve(seeded: Seeded, where: Path) -> Iterator[Served]:
    served = start_serve(copy_data_dir(seeded.data_dir, where / "data"), where / "logs")
    _RUNNING.append(served)
    try:
        yield served
    finally:
        served.stop()
        _RUNNING.remove(served)


@pytest.fixture(scope="session")
def server(pristine: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One ``serve`` for the tests that only read (sign-ins and sessions are its only writes)."""
    yield from _serve(pristine, tmp_path_factory.mktemp("shared"))


@pytest.fixture(scope="module")
def fresh_server(pristine: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A ``serve`` of its own on a copy of the seed, for a module whose tests change data (each test
    works on meldingen of its own, so they do not depend on each other's order)."""
    yield from _serve(pristine, tmp_path_factory.mktemp("fresh"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, once per module (one Playwright at a time per worker, so the
    in-process browser test of tests/console can run in the same worker)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def signed_in_states(server: Served, pristine: Seeded) -> dict[str, StorageState]:
    """Each seeded user signed in once on the shared server (through the form); their cookies."""
    states: dict[str, StorageState] = {}
    for username in (BEHEERDER, MELDER, MELDER_B):
        with httpx.Client(base_url=server.url, timeout=30) as client:
            form = client.get("/console/aanmelden")
            answer = client.post("/console/aanmelden", data={
                "username": username, "password": pristine.password, "csrf": csrf_of(form.text)})
            assert answer.status_code == 303, answer.text
            states[username] = {"cookies": [
                {"name": c.name, "value": c.value or "", "domain": "127.0.0.1", "path": c.path or "/",
                 "expires": -1, "httpOnly": True, "secure": False, "sameSite": "Strict"}
                for c in client.cookies.jar], "origins": []}
    return states


@pytest.fixture
def open_page(browser: Browser, server: Served, signed_in_states: dict[str, StorageState],
              pristine: Seeded) -> Iterator[OpenPage]:
    """``open_page(user=BEHEERDER, served=None)``: a fresh browser context at 1366x768 on the shared
    server (or ``served``), signed in as ``user`` (None: signed out)."""
    contexts: list[BrowserContext] = []

    def make(user: str | None = BEHEERDER, served: Served | None = None) -> Page:
        target = served or server
        state = signed_in_states[user] if user is not None and target is server else None
        context = browser.new_context(base_url=target.url, locale="nl-NL", viewport=DESKTOP,
                                      storage_state=state)
        contexts.append(context)
        made = context.new_page()
        if user is not None and target is not server:
            sign_in(made, user, pristine.password)
        return made

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: OpenPage) -> Page:
    """The beheerder of school A on the shared server."""
    return open_page(BEHEERDER)


@pytest.fixture
def melder_page(open_page: OpenPage) -> Page:
    """The melder of school A on the shared server."""
    return open_page(MELDER)
