"""/docs and /redoc render with every request to another origin refused (no CDN)."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import OpenPage
from tests.browser.pages import shoot
from tests.browser.server import Served


def offline(page: Page, served: Served) -> list[str]:
    """Abort every request that does not go to the server; returns the refused addresses."""
    refused: list[str] = []

    def handle(route: Route) -> None:
        if route.request.url.startswith(served.url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return refused


def test_swagger_ui_renders_offline(open_page: OpenPage, server: Served) -> None:
    """/docs shows the Swagger UI with the health operation, from the server's own assets."""
    page = open_page(None)
    refused = offline(page, server)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/health")
    assert refused == []
    shoot(page, "docs")


def test_redoc_renders_offline(open_page: OpenPage, server: Served) -> None:
    """/redoc shows the API reference with the health operation's summary."""
    page = open_page(None)
    refused = offline(page, server)
    page.goto("/redoc")
    expect(page.get_by_role("heading", name="Leeft de gateway?")).to_be_visible(timeout=15_000)
    assert refused == []
    shoot(page, "redoc")
