"""Signing in and out: a login form with its own CSRF cookie, then a server-side session cookie."""

from __future__ import annotations

import secrets
from typing import Annotated

import structlog
from fastapi import APIRouter, Form, Request, status
from fastapi.responses import Response

from gateway.api.app_state import store_of
from gateway.console import auth
from gateway.console.pages.common import (
    CSRF_REFUSED,
    PREFIX,
    SESSION_COOKIE,
    SIGN_IN,
    START,
    ConsoleSettings,
    SessionDep,
    check_csrf,
    message_of,
    page,
    page_router,
    see_other,
)

log = structlog.get_logger(__name__)
LOGIN_COOKIE = "vg_aanmelden"
LOGIN_FORM_LIFETIME = 3600  # seconds the login form's CSRF cookie lives
LOGIN_TOKEN_BYTES = 24
MAX_USERNAME, MAX_PASSWORD = 64, 256  # longer is never an account: refused without a look-up
REFUSED = (f"Onjuiste gebruikersnaam of wachtwoord. Na {auth.MAX_FAILED_LOGINS} mislukte pogingen op rij "
           f"blijft het account {auth.LOCKOUT.seconds // 60} minuten dicht.")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path, never another site (open redirect)."""
    if target and target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return START


def signin_router(settings: ConsoleSettings) -> APIRouter:
    """``/console/aanmelden`` (form and sign-in) and ``/console/afmelden``."""
    router = page_router()

    def form_page(request: Request, target: str | None, *, username: str = "", error: str | None = None,
                  status_code: int = status.HTTP_200_OK) -> Response:
        """The login form with a fresh CSRF token (in a cookie of its own); after a refusal with the
        reason and the username typed (never the password)."""
        token = secrets.token_urlsafe(LOGIN_TOKEN_BYTES)
        response = page(request, "login.html", {"csrf": token, "next": safe_next(target), "error": error,
                                                "username": username[:MAX_USERNAME],
                                                "message": None if error else message_of(request)},
                        status_code)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path=PREFIX,
                            secure=settings.secure_cookies, max_age=LOGIN_FORM_LIFETIME)
        return response

    @router.get("/aanmelden")
    def login_form(request: Request, next: str | None = None) -> Response:
        return form_page(request, next)

    @router.post("/aanmelden")
    def login(request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
              csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = START) -> Response:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(expected.encode(), csrf.encode()):  # expired: anew
            return form_page(request, next, username=username, error=CSRF_REFUSED,
                             status_code=status.HTTP_403_FORBIDDEN)
        store = store_of(request)
        fits = len(username) <= MAX_USERNAME and len(password) <= MAX_PASSWORD
        user = auth.authenticate(store, username, password) if fits and username else None
        if user is None:
            log.info("console.sign_in_refused")
            return form_page(request, next, username=username, error=REFUSED,
                             status_code=status.HTTP_401_UNAUTHORIZED)
        token, _session = auth.start_session(store, user, settings.session_lifetime)
        response = see_other(safe_next(next))
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=settings.secure_cookies,
                            max_age=int(settings.session_lifetime.total_seconds()))
        response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
        return response

    @router.post("/afmelden")
    def logout(request: Request, session: SessionDep, csrf: Annotated[str, Form()] = "") -> Response:
        check_csrf(session, csrf)
        auth.end_session(store_of(request), request.cookies.get(SESSION_COOKIE, ""))
        response = see_other(f"{SIGN_IN}?bericht=afgemeld")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router
