"""What every console page shares: templates, security headers, the session, CSRF and guards.

Every page needs a session of a user bound to one school and shows only that school's data; every
form carries the session's CSRF token. The app's ``state`` gives the store and the clock
(``gateway.api.app.create_app`` sets both).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gateway.api.app_state import store_of, today_of
from gateway.console import auth, formatting
from gateway.domain.completeness import describe_missing
from gateway.domain.errors import GatewayError
from gateway.domain.melding_content import CONCERN_LABELS
from gateway.store import MeldingView, Store, get_melding

CONSOLE_DIR = Path(__file__).resolve().parent.parent
PREFIX = "/console"
HOME = f"{PREFIX}/meldingen"
# Where a working day starts: the meldingen that wait for the school (review, dead letters, tasks).
START = f"{HOME}?actie=1"
SIGN_IN = f"{PREFIX}/aanmelden"
SESSION_COOKIE = "vg_sessie"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
# The ``bericht`` query parameter of a redirect after a form names one of these confirmations.
MESSAGES = {
    "goedgekeurd": "De melding is goedgekeurd en staat klaar om te verzenden.",
    "opgeslagen": "De aanvullingen zijn opgeslagen.",
    "ingediend": "De melding is ingediend en staat in de wachtrij om te beoordelen.",
    "al-ingediend": "Deze melding was al eerder ingediend; hieronder ziet u de eerste. "
                    "Er is geen nieuwe gemaakt.",
    "ingetrokken": "De melding is ingetrokken.",
    "opnieuw": "De melding is opnieuw aangeboden.",
    "afgemeld": "U bent afgemeld.",
}
CSRF_REFUSED = "formulier verlopen of ongeldig (CSRF); laad de pagina opnieuw"


@dataclass(frozen=True)
class ConsoleSettings:
    """Session lifetime and cookie flags (``secure_cookies`` when served over HTTPS)."""

    session_lifetime: timedelta = timedelta(hours=8)
    secure_cookies: bool = False


templates = Jinja2Templates(directory=str(CONSOLE_DIR / "templates"))
templates.env.globals.update(concern_labels=CONCERN_LABELS)
formatting.install(templates.env)
templates.env.filters["ontbreekt"] = describe_missing


def page_router() -> APIRouter:
    """A router for one group of console pages (under /console, not in the OpenAPI document)."""
    return APIRouter(prefix=PREFIX, include_in_schema=False)


def page(request: Request, name: str, context: dict[str, Any],
         status_code: int = status.HTTP_200_OK) -> Response:
    """Render template ``name`` with the security headers."""
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def see_other(url: str) -> RedirectResponse:
    """A redirect (303) after a form or to another page, with the security headers."""
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER, headers=SECURITY_HEADERS)


def message_of(request: Request) -> str | None:
    """The confirmation named by the ``bericht`` query parameter, if any."""
    return MESSAGES.get(request.query_params.get("bericht", ""))


def current_session(request: Request) -> auth.Session:
    """The signed-in session; otherwise a redirect (303) to the sign-in page."""
    session = auth.session_for(store_of(request), request.cookies.get(SESSION_COOKIE))
    if session is None:
        target = quote(request.url.path, safe="/")
        raise HTTPException(status.HTTP_303_SEE_OTHER, "aanmelden nodig",
                            headers={"Location": f"{SIGN_IN}?next={target}"})
    request.state.session = session
    return session


SessionDep = Annotated[auth.Session, Depends(current_session)]
Csrf = Annotated[str, Form(alias="csrf")]


def check_csrf(session: auth.Session, token: str) -> None:
    """Refuse (403) a form whose CSRF token is not the session's (a token is ASCII: compare_digest
    refuses anything else with a TypeError, which would be a 500)."""
    if not token.isascii() or not auth.csrf_matches(session, token):
        raise HTTPException(status.HTTP_403_FORBIDDEN, CSRF_REFUSED)


def require_beheerder(session: auth.Session) -> None:
    """Refuse (403) unless the signed-in user is a beheerder."""
    if not session.user.is_beheerder:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "alleen een beheerder mag dit doen")


def melding_or_404(store: Store, session: auth.Session, melding_id: str) -> MeldingView:
    """The melding of the session's school, or 404 (another school's melding is not there)."""
    melding = get_melding(store, melding_id, school_id=session.user.school_id)
    if melding is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "geen melding met dit id bij uw school")
    return melding


@dataclass(frozen=True)
class MeldingForm:
    """A form posted on one melding, after its checks: the store and the school's melding."""

    store: Store
    melding: MeldingView


def melding_form(request: Request, session: auth.Session, melding_id: str, csrf: str, *,
                 beheerder: bool = False) -> MeldingForm:
    """What every form on one melding checks first: the CSRF token (403), the role when the form is a
    beheerder's (403), and that the melding is one of the session's school (404)."""
    check_csrf(session, csrf)
    if beheerder:
        require_beheerder(session)
    store = store_of(request)
    return MeldingForm(store, melding_or_404(store, session, melding_id))


@contextmanager
def refused_as(code: int) -> Iterator[None]:
    """A ``GatewayError`` raised inside answers HTTP ``code`` with its Dutch message."""
    try:
        yield
    except GatewayError as exc:
        raise HTTPException(code, str(exc)) from exc


def base_context(session: auth.Session, request: Request, **extra: Any) -> dict[str, Any]:
    """What every signed-in page shows: the user, the CSRF token, a confirmation and the day."""
    return {"session": session, "user": session.user, "csrf": session.csrf_token,
            "message": message_of(request), "today": today_of(request), **extra}
