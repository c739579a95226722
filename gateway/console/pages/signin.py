"""Signing in and out: a login form with its own CSRF cookie, then a server-side session cookie."""

from __future__ import annotations

import secrets
from typing import Annotated

import structlog
from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response

from gateway.api.app_state import store_of
from gateway.console import auth
from gateway.console.pages.common import (
    CSRF_REFUSED,
    HOME,
    PREFIX,
    SESSION_COOKIE,
    SIGN_IN,
    ConsoleSettings,
    Csrf,
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
REFUSED = (f"Onjuiste gebruikersnaam of wachtwoord. Na {auth.MAX_FAILED_LOGINS} mislukte pogingen op rij "
           f"blijft het account {auth.LOCKOUT.seconds // 60} minuten dicht.")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path, never another site (open redirect)."""
    if target and target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return HOME


def signin_router(settings: ConsoleSettings) -> APIRouter:
    """``/console/aanmelden`` (form and sign-in) and ``/console/afmelden``."""
    router = page_router()

    @router.get("/aanmelden")
    def login_form(request: Request, next: str | None = None) -> Response:
        token = secrets.token_urlsafe(LOGIN_TOKEN_BYTES)
        response = page(request, "login.html", {"csrf": token, "next": safe_next(next), "error": None,
                                                "message": message_of(request)})
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path=PREFIX,
                            secure=settings.secure_cookies, max_age=LOGIN_FORM_LIFETIME)
        return response

    @router.post("/aanmelden")
    def login(request: Request, username: Annotated[str, Form(max_length=64)],
              password: Annotated[str, Form(max_length=256)], csrf: Csrf,
              next: Annotated[str, Form()] = HOME) -> Response:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(expected, csrf):
            raise HTTPException(status.HTTP_403_FORBIDDEN, CSRF_REFUSED)
        store = store_of(request)
        user = auth.authenticate(store, username, password)
        if user is None:
            log.info("console.sign_in_refused")
            return page(request, "login.html", {"csrf": csrf, "next": safe_next(next), "message": None,
                                                "error": REFUSED}, status.HTTP_401_UNAUTHORIZED)
        token, _session = auth.start_session(store, user, settings.session_lifetime)
        response = see_other(safe_next(next))
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=settings.secure_cookies,
                            max_age=int(settings.session_lifetime.total_seconds()))
        response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
        return response

    @router.post("/afmelden")
    def logout(request: Request, session: SessionDep, csrf: Csrf) -> Response:
        check_csrf(session, csrf)
        auth.end_session(store_of(request), request.cookies.get(SESSION_COOKIE, ""))
        response = see_other(f"{SIGN_IN}?bericht=afgemeld")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router
