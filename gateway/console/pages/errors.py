"""The console's error pages: a Dutch HTML page for every error under /console, with a way back.

``error_page`` is the hook ``gateway.api.problems.install`` calls for every failure; it answers for the
console's pages and leaves every other path (the push API, the feedback API) to problem+json. A page
shows the status, a Dutch title, the Dutch detail when there is one and a link back; never a stack
trace or an exception's text. A 5xx page does not touch the store: that may be what failed.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import Request, status
from fastapi.responses import HTMLResponse, Response

from gateway.api.app_state import store_of
from gateway.api.problems import Failure
from gateway.console import auth
from gateway.console.pages.common import HOME, PREFIX, SECURITY_HEADERS, SESSION_COOKIE, SIGN_IN, page

log = structlog.get_logger(__name__)

TITLES = {
    status.HTTP_400_BAD_REQUEST: "Onleesbaar verzoek",
    status.HTTP_403_FORBIDDEN: "Geen toegang",
    status.HTTP_404_NOT_FOUND: "Pagina niet gevonden",
    status.HTTP_405_METHOD_NOT_ALLOWED: "Dit kan hier niet",
    status.HTTP_409_CONFLICT: "Dit kan nu niet",
    status.HTTP_413_CONTENT_TOO_LARGE: "Te veel gegevens verstuurd",
    status.HTTP_422_UNPROCESSABLE_CONTENT: "Formulier niet te verwerken",
    status.HTTP_500_INTERNAL_SERVER_ERROR: "Er ging iets mis",
    status.HTTP_503_SERVICE_UNAVAILABLE: "Tijdelijk niet beschikbaar",
}
CLIENT_TITLE, SERVER_TITLE = "Dit verzoek kan niet worden verwerkt", "Er ging iets mis"
# What a person can do next, per status.
HINTS = {
    status.HTTP_403_FORBIDDEN: "U mag deze pagina of actie niet gebruiken. Kwam u hier na een formulier, "
                               "laad de pagina dan opnieuw en probeer het nog eens.",
    status.HTTP_404_NOT_FOUND: "Deze pagina of melding bestaat niet of hoort niet bij uw school. "
                               "Controleer het adres, of zoek de melding op in de lijst.",
    status.HTTP_405_METHOD_NOT_ALLOWED: "Dit adres is niet bedoeld om zo te openen. Gebruik de knoppen en "
                                        "links op de pagina's van de console.",
    status.HTTP_409_CONFLICT: "De melding is intussen veranderd. Open haar opnieuw en kijk wat er nu kan.",
    status.HTTP_422_UNPROCESSABLE_CONTENT: "Het formulier was niet volledig of niet geldig. Laad de pagina "
                                           "opnieuw en probeer het nog eens.",
}
CLIENT_HINT = "Ga terug en probeer het opnieuw."
SERVER_HINT = "Probeer het over een paar minuten opnieuw. Blijft het gebeuren, meld het dan aan de beheerder."
BACK_HINT = "Met de knop Terug van uw browser komt u weer op de vorige pagina."
# Shown when even the error page cannot be rendered (its template or base layout failed).
FALLBACK = ("<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Er ging iets mis – "
            "Verzuim gateway</title></head><body><main><h1>Er ging iets mis</h1><p>Probeer het over een "
            f"paar minuten opnieuw.</p><p><a href=\"{HOME}\">Terug naar de meldingen</a></p></main>"
            "</body></html>")


def serves(path: str) -> bool:
    """Whether ``path`` is one of the console's pages (the feedback API lives under /api)."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def title_of(status_code: int) -> str:
    """The Dutch title of an error status."""
    default = SERVER_TITLE if status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR else CLIENT_TITLE
    return TITLES.get(status_code, default)


def hint_of(status_code: int) -> str:
    """What a person can do after an error of ``status_code``."""
    default = SERVER_HINT if status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR else CLIENT_HINT
    return HINTS.get(status_code, default)


def _sentence(text: str | None) -> str | None:
    """A detail as a sentence: a capital first letter (the details are written lower case)."""
    return text[:1].upper() + text[1:] if text else None


def _session(request: Request, status_code: int) -> auth.Session | None:
    """The signed-in session: the one the page already checked, or (for a 4xx only: the store may be
    what failed in a 5xx) the one of the request's cookie."""
    known = getattr(request.state, "session", None)
    if isinstance(known, auth.Session) or status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR:
        return known if isinstance(known, auth.Session) else None
    try:
        return auth.session_for(store_of(request), request.cookies.get(SESSION_COOKIE))
    except Exception as exc:  # noqa: BLE001 - an error page must not fail on the session
        log.warning("sessie niet te lezen voor een foutpagina", error=type(exc).__name__)
        return None


def _redirect(failure: Failure) -> Response:
    """A redirect raised as an HTTP error (to the sign-in page): its status and ``Location``."""
    return Response(status_code=failure.status, headers={**SECURITY_HEADERS, **(failure.headers or {})})


def error_context(failure: Failure, session: auth.Session | None, *, signed_in: bool) -> dict[str, Any]:
    """What fout.html shows: status, title, detail, the fields at fault, a hint and the way back (to the
    meldingen when ``signed_in``, else to the sign-in page); the menu when the ``session`` is known."""
    server = failure.status >= status.HTTP_500_INTERNAL_SERVER_ERROR
    return {"status": failure.status, "title": title_of(failure.status),
            # A 5xx's own text may name internals: the title and the hint say enough.
            "detail": None if server else _sentence(failure.detail),
            "field_list": [] if server else [(e.field, e.message) for e in failure.errors],
            "hint": hint_of(failure.status), "back_hint": BACK_HINT, "signed_in": signed_in,
            "home": HOME, "sign_in": SIGN_IN, "message": None,
            "user": session.user if session else None, "csrf": session.csrf_token if session else None}


def render_error(request: Request, failure: Failure) -> Response:
    """The error page of ``failure`` (a bare Dutch page when even that cannot be rendered)."""
    headers = {k: v for k, v in (failure.headers or {}).items() if k.lower() == "allow"}
    session = _session(request, failure.status)
    # Without a session to check (a 5xx), a session cookie says enough: the meldingen ask to sign in anew.
    server = failure.status >= status.HTTP_500_INTERNAL_SERVER_ERROR
    signed_in = session is not None or (server and bool(request.cookies.get(SESSION_COOKIE)))
    try:
        response = page(request, "fout.html", error_context(failure, session, signed_in=signed_in),
                        status_code=failure.status)
    except Exception as exc:  # noqa: BLE001 - the last answer must not fail
        # Not log.exception: an exception's text may hold personal data.
        log.error("foutpagina niet te tonen", error=type(exc).__name__, status=failure.status)  # noqa: TRY400
        response = HTMLResponse(FALLBACK, status_code=failure.status, headers=SECURITY_HEADERS)
    response.headers.update(headers)
    return response


def error_page(request: Request, failure: Failure) -> Response | None:
    """The console's answer to ``failure`` (hook for ``gateway.api.problems.install``); ``None`` for a
    request outside the console."""
    if not serves(request.url.path):
        return None
    if failure.status < status.HTTP_400_BAD_REQUEST:
        return _redirect(failure)
    return render_error(request, failure)
