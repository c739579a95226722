"""The console's routers: server-rendered Dutch pages for the verzuimcoördinator, under /console.

Every page needs a session of a user bound to one school and shows only that school's data;
every form carries the session's CSRF token. The app's ``state`` gives the store and the clock
(``gateway.api.app.create_app`` sets both).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gateway import pipeline
from gateway.console import auth
from gateway.console.content import EDITABLE, build_content, content_of, save_content
from gateway.console.feedback import DSP_OUTCOMES, feedback_for, feedback_router
from gateway.console.monitor import NORM_PROCESSED, NORM_STARTED, no_show_figures
from gateway.console.queries import dead_letters_of, deadlines, display_names, evidence_rows, student_trail
from gateway.delivery import outbox
from gateway.delivery.routing import DirectoryData
from gateway.domain.errors import GatewayError
from gateway.domain.lifecycle import State
from gateway.domain.ports import CONCERNS
from gateway.store import Store, audit, get_melding, list_meldingen

log = structlog.get_logger(__name__)
HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "vg_sessie"
LOGIN_COOKIE = "vg_aanmelden"
STATIC_FILES = {"console.css": "text/css", "console.js": "text/javascript"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
CONCERN_LABELS = {"problemen_buiten_school": "Problemen buiten school",
                  "startkwalificatie_in_gevaar": "Startkwalificatie in gevaar",
                  "dreigende_uitval": "Dreigende uitval"}
STATUS_LABELS = {s.value: s.value.replace("_", " ") for s in State}
MESSAGES = {
    "goedgekeurd": "De melding is goedgekeurd en staat klaar om te verzenden.",
    "opgeslagen": "De aanvullingen zijn opgeslagen.",
    "ingetrokken": "De melding is ingetrokken.",
    "opnieuw": "De melding is opnieuw aangeboden.",
    "afgemeld": "U bent afgemeld.",
}


@dataclass(frozen=True)
class ConsoleSettings:
    """Session lifetime and cookie flags (``secure_cookies`` when served over HTTPS)."""

    session_lifetime: timedelta = timedelta(hours=8)
    secure_cookies: bool = False


templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals.update(concern_labels=CONCERN_LABELS, status_labels=STATUS_LABELS)
DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")

_REFUSED = (f"Onjuiste gebruikersnaam of wachtwoord. Na {auth.MAX_FAILED_LOGINS} mislukte pogingen op rij "
            f"blijft het account {auth.LOCKOUT.seconds // 60} minuten dicht.")


def _dag(day: date) -> str:
    """``ma 01-09-2026``."""
    return f"{DAYS[day.weekday()]} {day.strftime('%d-%m-%Y')}"


templates.env.filters["dag"] = _dag


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _today(request: Request) -> date:
    clock: Callable[[], date] = request.app.state.clock
    return clock()


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def current_session(request: Request) -> auth.Session:
    """The signed-in session; otherwise a redirect (303) to the sign-in page."""
    session = auth.session_for(_store(request), request.cookies.get(SESSION_COOKIE))
    if session is None:
        target = quote(request.url.path, safe="/")
        raise HTTPException(303, "aanmelden nodig", headers={"Location": f"/console/aanmelden?next={target}"})
    request.state.session = session
    return session


SessionDep = Annotated[auth.Session, Depends(current_session)]
Csrf = Annotated[str, Form(alias="csrf")]


def _check_csrf(session: auth.Session, token: str) -> None:
    if not auth.csrf_matches(session, token):
        raise HTTPException(403, "formulier verlopen of ongeldig (CSRF); laad de pagina opnieuw")


def _require_beheerder(session: auth.Session) -> None:
    if not session.user.is_beheerder:
        raise HTTPException(403, "alleen een beheerder mag dit doen")


def _melding_or_404(store: Store, session: auth.Session, melding_id: str) -> Any:
    melding = get_melding(store, melding_id, school_id=session.user.school_id)
    if melding is None:
        raise HTTPException(404, "geen melding met dit id bij uw school")
    return melding


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/meldingen"


def _base(session: auth.Session, request: Request, **extra: Any) -> dict[str, Any]:
    message = MESSAGES.get(request.query_params.get("bericht", ""))
    return {"session": session, "user": session.user, "csrf": session.csrf_token, "message": message,
            "today": _today(request), **extra}


def console_router(settings: ConsoleSettings) -> APIRouter:
    """The console pages."""
    router = APIRouter(prefix="/console", include_in_schema=False)

    @router.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC_FILES:
            raise HTTPException(404, "onbekend bestand")
        return FileResponse(HERE / "static" / name, media_type=STATIC_FILES[name],
                            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=3600"})

    @router.get("")
    @router.get("/")
    def home() -> Response:
        return _see_other("/console/meldingen")

    # --- sign-in ---------------------------------------------------------------------------

    @router.get("/aanmelden")
    def login_form(request: Request, next: str | None = None) -> Response:
        token = secrets.token_urlsafe(24)
        message = MESSAGES.get(request.query_params.get("bericht", ""))
        response = _page(request, "login.html", {"csrf": token, "next": _safe_next(next), "error": None,
                                                 "message": message})
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/console",
                            secure=settings.secure_cookies, max_age=3600)
        return response

    @router.post("/aanmelden")
    def login(request: Request, username: Annotated[str, Form(max_length=64)],
              password: Annotated[str, Form(max_length=256)], csrf: Csrf,
              next: Annotated[str, Form()] = "/console/meldingen") -> Response:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(expected, csrf):
            raise HTTPException(403, "formulier verlopen of ongeldig (CSRF); laad de pagina opnieuw")
        store = _store(request)
        user = auth.authenticate(store, username, password)
        if user is None:
            log.info("console.sign_in_refused")
            return _page(request, "login.html", {"csrf": csrf, "next": _safe_next(next), "message": None,
                                                 "error": _REFUSED}, 401)
        token, _session = auth.start_session(store, user, settings.session_lifetime)
        response = _see_other(_safe_next(next))
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/",
                            secure=settings.secure_cookies,
                            max_age=int(settings.session_lifetime.total_seconds()))
        response.delete_cookie(LOGIN_COOKIE, path="/console")
        return response

    @router.post("/afmelden")
    def logout(request: Request, session: SessionDep, csrf: Csrf) -> Response:
        _check_csrf(session, csrf)
        auth.end_session(_store(request), request.cookies.get(SESSION_COOKIE, ""))
        response = _see_other("/console/aanmelden?bericht=afgemeld")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # --- meldingen -------------------------------------------------------------------------

    @router.get("/meldingen")
    def meldingen_list(request: Request, session: SessionDep, filter: str = "te-beoordelen") -> Response:
        store = _store(request)
        school = session.user.school_id
        status: list[str] | None = [State.CONCEPT.value] if filter == "te-beoordelen" else None
        views = [m for m in list_meldingen(store, school, status=status, limit=300) if m.kind != "signaal"
                 or filter != "te-beoordelen"]
        names = display_names(store, school, {m.student_id for m in views})
        return _page(request, "meldingen.html", _base(session, request, meldingen=views, names=names,
                                                      filter=filter))

    @router.get("/meldingen/{melding_id}")
    def melding_detail(request: Request, session: SessionDep, melding_id: str) -> Response:
        store = _store(request)
        melding = _melding_or_404(store, session, melding_id)
        school = session.user.school_id
        with store.write() as conn:  # viewing a melding is an audit entry (DESIGN.md section 5)
            audit.append(conn, actor=session.user.username, action="melding.bekeken", school_id=school,
                         subject=melding.id, data={})
        context = _base(
            session, request, melding=melding, names=display_names(store, school, {melding.student_id}),
            evidence=evidence_rows(store, school, list(melding.signal.get("evidence", []))),
            content=content_of(store, school, melding.id), concerns=CONCERNS,
            editable=State(melding.status) in EDITABLE,
            outcomes=feedback_for(store, school, [melding.id]).get(melding.id, []), error=None)
        return _page(request, "melding.html", context)

    @router.post("/meldingen/{melding_id}/inhoud")
    def melding_content(request: Request, session: SessionDep, melding_id: str, csrf: Csrf,
                        toelichting: Annotated[str, Form(max_length=4000)] = "",
                        actie_gewenst: Annotated[str | None, Form()] = None,
                        concerns: Annotated[list[str] | None, Form()] = None,
                        acties: Annotated[str, Form(max_length=8000)] = "") -> Response:
        _check_csrf(session, csrf)
        store = _store(request)
        melding = _melding_or_404(store, session, melding_id)
        try:
            content = build_content(actie_gewenst == "ja", toelichting, concerns or [], acties.splitlines())
            save_content(store, session.user.school_id, melding.id, content, session.user.username)
        except GatewayError as exc:
            raise HTTPException(422, str(exc)) from exc
        return _see_other(f"/console/meldingen/{melding.id}?bericht=opgeslagen")

    @router.post("/meldingen/{melding_id}/goedkeuren")
    def melding_approve(request: Request, session: SessionDep, melding_id: str, csrf: Csrf) -> Response:
        _check_csrf(session, csrf)
        store = _store(request)
        melding = _melding_or_404(store, session, melding_id)
        try:
            pipeline.approve(store, session.user.school_id, melding.id, session.user.username)
        except GatewayError as exc:
            raise HTTPException(409, str(exc)) from exc
        return _see_other(f"/console/meldingen/{melding.id}?bericht=goedgekeurd")

    @router.post("/meldingen/{melding_id}/intrekken")
    def melding_withdraw(request: Request, session: SessionDep, melding_id: str, csrf: Csrf,
                         reden: Annotated[str, Form(min_length=3, max_length=500)]) -> Response:
        _check_csrf(session, csrf)
        _require_beheerder(session)
        store = _store(request)
        melding = _melding_or_404(store, session, melding_id)
        try:
            with store.write() as conn:
                pipeline.withdraw(conn, melding.id, session.user.username, reden.strip())
        except GatewayError as exc:
            raise HTTPException(409, str(exc)) from exc
        return _see_other(f"/console/meldingen/{melding.id}?bericht=ingetrokken")

    # --- overviews -------------------------------------------------------------------------

    @router.get("/termijnen")
    def deadlines_page(request: Request, session: SessionDep) -> Response:
        store = _store(request)
        rows = deadlines(store, session.user.school_id, _today(request))
        names = display_names(store, session.user.school_id, {d.melding.student_id for d in rows})
        return _page(request, "termijnen.html", _base(session, request, rows=rows, names=names,
                                                      overdue=sum(d.overdue for d in rows)))

    @router.get("/no-show")
    def no_show_board(request: Request, session: SessionDep) -> Response:
        store = _store(request)
        school = session.user.school_id
        views = [m for m in list_meldingen(store, school, rule="no-show", limit=500)
                 if m.status != State.INGETROKKEN.value]
        views.sort(key=lambda m: (m.trigger_date, m.student_id))
        outcomes = feedback_for(store, school, [m.id for m in views])
        names = display_names(store, school, {m.student_id for m in views})
        return _page(request, "no_show.html", _base(session, request, meldingen=views, names=names,
                                                    outcomes=outcomes, dsp_outcomes=DSP_OUTCOMES))

    @router.get("/onbestelbaar")
    def dead_letters(request: Request, session: SessionDep) -> Response:
        store = _store(request)
        rows = dead_letters_of(store, session.user.school_id)
        names = display_names(store, session.user.school_id, {r["student_id"] for r in rows})
        return _page(request, "onbestelbaar.html", _base(session, request, rows=rows, names=names))

    @router.post("/onbestelbaar/{melding_id}/opnieuw")
    def dead_letter_retry(request: Request, session: SessionDep, melding_id: str, csrf: Csrf,
                          reden: Annotated[str, Form(max_length=500)] = "") -> Response:
        _check_csrf(session, csrf)
        _require_beheerder(session)
        store = _store(request)
        melding = _melding_or_404(store, session, melding_id)
        try:
            outbox.replay(store, melding.id, session.user.username,
                          reden.strip() or "opnieuw aangeboden via console")
        except GatewayError as exc:
            raise HTTPException(409, str(exc)) from exc
        return _see_other("/console/onbestelbaar?bericht=opnieuw")

    @router.get("/leerlingen")
    def trail_search(request: Request, session: SessionDep, student_id: str = "") -> Response:
        if student_id.strip():
            return _see_other(f"/console/leerlingen/{quote(student_id.strip(), safe='')}")
        return _page(request, "leerling.html", _base(session, request, student_id=None, meldingen=[],
                                                     entries=[], names={}))

    @router.get("/leerlingen/{student_id}")
    def trail(request: Request, session: SessionDep, student_id: str) -> Response:
        store = _store(request)
        views, entries = student_trail(store, session.user.school_id, student_id)
        if not views:
            raise HTTPException(404, "geen meldingen van deze leerling bij uw school")
        names = display_names(store, session.user.school_id, {student_id})
        return _page(request, "leerling.html", _base(session, request, student_id=student_id, meldingen=views,
                                                     entries=entries, names=names))

    @router.get("/monitor")
    def monitor(request: Request, session: SessionDep) -> Response:
        figures = no_show_figures(_store(request), session.user.school_id, _today(request))
        return _page(request, "monitor.html", _base(session, request, f=figures,
                                                    norm_processed=NORM_PROCESSED, norm_started=NORM_STARTED))

    return router


def console_routers(settings: ConsoleSettings | None = None, *, directory: DirectoryData) -> list[APIRouter]:
    """The console pages and the feedback API, to pass as ``extra_routers`` to ``create_app``.

    ``directory`` (the recipient directory's data, no certificates needed) scopes receiver keys to their area.
    """
    return [feedback_router(directory), console_router(settings or ConsoleSettings())]
