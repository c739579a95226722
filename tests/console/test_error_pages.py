"""Errors on the console are Dutch HTML pages with a way back (403, 404, 405, 422, 500), carrying the
security headers and nothing of another school or of the failure's internals; the push API and the
feedback API keep answering problem+json."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

from gateway.console.pages.common import SECURITY_HEADERS
from tests.console.conftest import Console
from tests.console.error_app import BROKEN, BROKEN_API, SECRET_TEXT, console_with_error_pages
from tests.console.helpers import OTHER_NAME, SCHOOL, csrf_of

MELDER, BEHEER, ANDER = "melder@voorbeeld", "beheer@voorbeeld", "melder@ander"
PROBLEM = "application/problem+json"
BACK_HOME = '<a href="/console/meldingen" id="terug">Terug naar de meldingen</a>'
TO_SIGN_IN = '<a href="/console/aanmelden" id="terug">Naar aanmelden</a>'


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    """The console with its error pages and a page that fails."""
    with console_with_error_pages(tmp_path) as running:
        yield running


def assert_error_page(response: httpx.Response, status: int, title: str) -> str:
    """``response`` is the Dutch HTML error page of ``status`` with the console's security headers."""
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value
    assert f'<h1 id="fout-titel">{title}</h1>' in response.text
    assert '<html lang="nl">' in response.text
    return response.text


def test_an_unknown_melding_is_a_dutch_page_with_a_way_back(console: Console) -> None:
    """A melding id the school does not have: 404 "Pagina niet gevonden", why, and a link to the list."""
    page = assert_error_page(console.client(MELDER).get("/console/meldingen/bestaat-niet"), 404,
                             "Pagina niet gevonden")
    assert "Geen melding met dit id bij uw school" in page
    assert BACK_HOME in page


def test_another_schools_melding_is_not_found_and_shows_nothing_of_it(console: Console) -> None:
    """Another school's melding is a 404 that names neither the melding, its school nor its student."""
    theirs = console.melding("verzuim-16u", "X1", school_id="88YY00")
    page = assert_error_page(console.client(MELDER).get(f"/console/meldingen/{theirs.id}"), 404,
                             "Pagina niet gevonden")
    for secret in (theirs.id, "88YY00", "X1", OTHER_NAME):
        assert secret not in page


def test_an_unknown_page_is_a_dutch_page(console: Console) -> None:
    """A console address that does not exist: 404 with the way back to the meldingen."""
    page = assert_error_page(console.client(MELDER).get("/console/bestaat-niet"), 404, "Pagina niet gevonden")
    assert BACK_HOME in page


def test_an_unknown_page_without_a_session_leads_to_sign_in(console: Console) -> None:
    """Not signed in, the way back is the sign-in page."""
    page = assert_error_page(console.client().get("/console/bestaat-niet"), 404, "Pagina niet gevonden")
    assert TO_SIGN_IN in page and "Terug naar de meldingen" not in page


def test_a_melder_withdrawing_gets_a_forbidden_page(console: Console) -> None:
    """Withdrawing is a beheerder's: a melder gets 403 "Geen toegang" saying so."""
    melding = console.melding("verzuim-16u", "S1")
    client = console.client(MELDER)
    csrf = csrf_of(client.get(f"/console/meldingen/{melding.id}").text)
    response = client.post(f"/console/meldingen/{melding.id}/intrekken",
                           data={"csrf": csrf, "reden": "registratiefout"})
    page = assert_error_page(response, 403, "Geen toegang")
    assert "Alleen een beheerder mag dit doen" in page and BACK_HOME in page


def test_a_form_with_a_wrong_csrf_token_gets_a_forbidden_page(console: Console) -> None:
    """A forged or expired form: 403 saying to load the page again."""
    melding = console.melding("verzuim-16u", "S1")
    response = console.client(MELDER).post(f"/console/meldingen/{melding.id}/goedkeuren",
                                           data={"csrf": "vervalst"})
    page = assert_error_page(response, 403, "Geen toegang")
    assert "Formulier verlopen of ongeldig (CSRF)" in page


def test_a_token_that_is_not_ascii_is_forbidden_too(console: Console) -> None:
    """A CSRF token with other characters is refused as forged (403), not a failure (500)."""
    melding = console.melding("verzuim-16u", "S1")
    response = console.client(MELDER).post(f"/console/meldingen/{melding.id}/goedkeuren",
                                           data={"csrf": "vervalst-é"})
    assert_error_page(response, 403, "Geen toegang")


def test_a_wrong_method_is_a_dutch_page(console: Console) -> None:
    """Opening a form's address (GET on a POST) is 405 "Dit kan hier niet", with its Allow header."""
    melding = console.melding("verzuim-16u", "S1")
    response = console.client(MELDER).get(f"/console/meldingen/{melding.id}/goedkeuren")
    assert_error_page(response, 405, "Dit kan hier niet")
    assert response.headers["allow"] == "POST"


def test_a_form_missing_its_fields_is_a_dutch_page(console: Console) -> None:
    """A post the console's forms never make (no CSRF field): 422, naming the field, in Dutch."""
    melding = console.melding("verzuim-16u", "S1")
    response = console.client(MELDER).post(f"/console/meldingen/{melding.id}/goedkeuren", data={})
    page = assert_error_page(response, 422, "Formulier niet te verwerken")
    assert "csrf</span>: ontbreekt" in page


def test_a_failing_page_is_a_dutch_page_without_the_failure(console: Console) -> None:
    """An unexpected exception: 500 "Er ging iets mis" with a way back, and no exception text or trace."""
    page = assert_error_page(console.client(MELDER).get(BROKEN), 500, "Er ging iets mis")
    for internal in (SECRET_TEXT, "RuntimeError", "Traceback", "kapot"):
        assert internal not in page
    assert BACK_HOME in page


def test_a_failure_is_logged_by_its_type_not_its_text(console: Console) -> None:
    """The log names the exception's type, where it was raised and the route; never its text."""
    with capture_logs() as logs:
        console.client().get(BROKEN)
    (entry,) = [e for e in logs if e.get("error") == "RuntimeError"]
    assert entry["log_level"] == "error" and entry["route"] == BROKEN and "error_app.py" in entry["where"]
    assert SECRET_TEXT not in repr(logs)


def test_the_server_does_not_log_a_failure_again_with_its_text(console: Console) -> None:
    """Starlette re-raises after the 500 answer; the server must not then log the text and trace."""
    server_log = logging.getLogger("uvicorn.error")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]  # collect, do not print
    server_log.addHandler(handler)
    try:
        assert console.client(MELDER).get(BROKEN).status_code == 500
    finally:
        server_log.removeHandler(handler)
    assert not [r for r in records if r.exc_info is not None or SECRET_TEXT in r.getMessage()]


def test_the_failure_page_renders_when_the_sessions_cannot_be_read(console: Console) -> None:
    """When the store itself fails (here: the sessions are gone), the 500 page still shows."""
    client = console.client(MELDER)
    with console.store.write() as conn:
        conn.execute(sa.text("DROP TABLE console_sessions"))
    page = assert_error_page(client.get("/console/meldingen"), 500, "Er ging iets mis")
    assert BACK_HOME in page


def test_a_page_needing_a_session_still_redirects_to_sign_in(console: Console) -> None:
    """The redirect to the sign-in page (raised as an HTTP error) stays a 303 with the security headers."""
    response = console.client().get("/console/termijnen")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/aanmelden?next=/console/termijnen"
    assert response.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", f"/api/v1/schools/{SCHOOL.id}/meldingen", 401),
    ("GET", "/api/v1/bestaat-niet", 404),
    ("POST", "/api/v1/feedback", 401),
    ("GET", "/api/v1/feedback/open", 401),
    ("GET", "/console-niet", 404),
])
def test_errors_outside_the_console_stay_problem_json(console: Console, method: str, path: str,
                                                       status: int) -> None:
    """The push API and the feedback API (and any path outside /console) answer problem+json."""
    response = console.client().request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == status


def test_an_api_failure_is_problem_json_without_the_failure(console: Console) -> None:
    """An unexpected exception on the API answers a 500 problem document, not the exception's text."""
    response = console.client().get(BROKEN_API)
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == "Interne fout"
    assert SECRET_TEXT not in response.text


def test_the_school_sees_its_own_school_in_the_menu_only(console: Console) -> None:
    """A signed-in error page keeps the menu of the user's own school."""
    page = assert_error_page(console.client(MELDER).get("/console/bestaat-niet"), 404, "Pagina niet gevonden")
    assert f"school {SCHOOL.id}" in page
