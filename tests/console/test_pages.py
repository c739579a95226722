"""Console routes outside the page groups' own tests: the entry redirect, static files, the sign-in target."""

from __future__ import annotations

import pytest

from tests.console.conftest import Console
from tests.console.helpers import PASSWORD, csrf_of

MELDER = "melder@voorbeeld"


@pytest.mark.parametrize("path", ["/console", "/console/"])
def test_the_console_opens_on_the_review_queue(console: Console, path: str) -> None:
    """The console's own address redirects to the meldingen list."""
    response = console.client().get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/meldingen?actie=1"


def test_the_stylesheet_is_served_with_its_type_and_cache_time(console: Console) -> None:
    """console.css comes without a session, as text/css that a browser may keep for an hour."""
    response = console.client().get("/console/static/console.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["cache-control"] == "max-age=3600"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_only_the_consoles_own_static_files_are_served(console: Console) -> None:
    """A name outside the list of static files is not found, even when it exists on disk."""
    assert console.client().get("/console/static/__init__.py").status_code == 404


def _sign_in_to(console: Console, target: str) -> str:
    client = console.client()
    token = csrf_of(client.get("/console/aanmelden", params={"next": target}).text)
    response = client.post("/console/aanmelden", data={"username": MELDER, "password": PASSWORD,
                                                       "csrf": token, "next": target})
    assert response.status_code == 303
    return response.headers["location"]


def test_sign_in_returns_to_the_console_page_asked_for(console: Console) -> None:
    """After signing in the user lands on the console page that sent them to the sign-in."""
    assert _sign_in_to(console, "/console/termijnen") == "/console/termijnen"


@pytest.mark.parametrize("target", ["//evil.example/console", "https://evil.example/", "/console\\..\\x",
                                    "/elders"])
def test_sign_in_never_sends_the_user_to_another_site(console: Console, target: str) -> None:
    """A ``next`` outside the console (another site, a path trick) is replaced by the review queue."""
    assert _sign_in_to(console, target) == "/console/meldingen?actie=1"
