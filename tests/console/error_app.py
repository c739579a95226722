"""The console app with its error pages (``gateway.console.pages.errors.error_page``) on loopback, and a
test-only page that fails, for the tests of errors as pages and of refused forms."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import APIRouter

from gateway.api.app import ApiSettings, create_app
from gateway.api.problems import AnsweredErrors
from gateway.api.server import serve_in_thread
from gateway.console import console_routers
from gateway.console.pages.errors import error_page
from gateway.delivery.routing import load_directory_data
from tests.console.conftest import Console, make_store

BROKEN = "/console/kapot"
BROKEN_API = "/api/test/kapot"
SECRET_TEXT = "geheime-fouttekst-Pieternella"  # the failing page's exception text: never on a page


def broken_router() -> APIRouter:
    """A console page and an API path that raise an unexpected exception (a bug), for the 500 page."""
    router = APIRouter()

    @router.get(BROKEN)
    @router.get(BROKEN_API)
    def broken() -> None:
        raise RuntimeError(SECRET_TEXT)

    return router


@contextmanager
def console_with_error_pages(tmp_path: Path) -> Iterator[Console]:
    """The app as ``verzuim-gateway serve`` builds it, with the console's error pages and ``BROKEN``."""
    store = make_store(tmp_path / "gateway.db")
    running = Console("", store, [])
    routers = [*console_routers(directory=load_directory_data()), broken_router()]
    app = create_app(ApiSettings(), store, clock=lambda: running.today, extra_routers=routers,
                     error_pages=error_page)
    with serve_in_thread(AnsweredErrors(app)) as handle:
        running.url = handle.url
        yield running
        for client in running.clients:
            client.close()
    store.close()
