"""The no-show board (``/console/no-show``): the no-show meldingen as a list (filtered, sorted, paged)
with their outcomes, the school's open contact tasks with a form to record the contact attempt that
closes one, and the enrolled students not yet on a timetable (seeds 000 and 001)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any, Final

import sqlalchemy as sa
from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from gateway.api.app_state import store_of, today_of
from gateway.config.school import load_school, school_profile
from gateway.console import auth
from gateway.console.feedback import feedback_for
from gateway.console.listing import (
    AAN,
    ACTIE,
    LOCATIE,
    REGEL,
    STATUS,
    TOT,
    VAN,
    ZOEK,
    ListSpec,
    ListView,
    list_view,
    melding_query,
)
from gateway.console.pages.common import (
    PREFIX,
    Csrf,
    SessionDep,
    check_csrf,
    melding_or_404,
    page_router,
    refused_as,
    see_other,
)
from gateway.console.pages.lists import (
    SECTION_LIMIT,
    location_options,
    read_view,
    recipient_options,
    render_list,
    rule_options,
    status_options,
)
from gateway.console.queries import display_names
from gateway.domain.errors import InvalidInput
from gateway.domain.lifecycle import State
from gateway.domain.melding_content import CONTACT_WAYS, ContactAttempt
from gateway.domain.receiver_status import DSP_OUTCOMES
from gateway.domain.soort_verzuim import FOLLOW_UP_TITLES, NO_SHOW, NO_SHOW_CONTACT, NO_SHOW_SECOND
from gateway.intake.melding_content import parse_content
from gateway.intake.validation import dutch_message
from gateway.pipeline.no_show_followup import close_contact_task, unscheduled_of_school
from gateway.store import MeldingView, Store, list_meldingen
from gateway.store.content import decode_content
from gateway.store.melding_search import MeldingPage, search_meldingen
from gateway.store.schema import meldingen

NO_SHOW_LIMIT = 500
BOARD = f"{PREFIX}/no-show"
Field = Annotated[str, Form()]
NO_SHOW_RULES: Final = (NO_SHOW, NO_SHOW_SECOND)
# The list shows every no-show melding but the withdrawn ones, unless a status is chosen.
SHOWN_STATES: Final = tuple(s.value for s in State if s is not State.INGETROKKEN)
SPEC: Final = ListSpec(filters=frozenset({ZOEK, REGEL, STATUS, AAN, LOCATIE, VAN, TOT, ACTIE}),
                       sort_keys=("datum", "leerling", "regel", "aan", "status"), default_sort="datum",
                       choices={})
# A contact attempt's part (``ContactAttemptIn``) -> its field on the form.
ATTEMPT_FIELDS: Final = {"on": "datum", "how": "hoe", "outcome": "uitkomst"}


@dataclass(frozen=True)
class ClosedTask:
    """A contact task done, with the attempt that closed it (its outcome is personal data)."""

    task: MeldingView
    attempts: tuple[ContactAttempt, ...]


@dataclass(frozen=True)
class TaskRefusal:
    """A contact attempt that was refused: on which task, why, and what was typed."""

    task_id: str
    errors: dict[str, str]  # the Dutch message per field of the form
    values: dict[str, str]


def _closed_tasks(store: Store, tasks: list[MeldingView]) -> list[ClosedTask]:
    if not tasks:
        return []
    with store.read() as conn:
        stored: dict[str, str | None] = {
            r.id: r.content for r in conn.execute(sa.select(meldingen.c.id, meldingen.c.content)
                                                  .where(meldingen.c.id.in_([t.id for t in tasks])))}
    return [ClosedTask(t, decode_content(store.cipher, t.id, stored.get(t.id)).contact_attempts)
            for t in tasks]


def board_context(store: Store, school_id: str, today: date) -> dict[str, Any]:
    """What the board shows beside the no-show meldingen: the contact tasks open and done, and the
    students without any attendance record yet."""
    tasks = list_meldingen(store, school_id, rule=NO_SHOW_CONTACT, limit=NO_SHOW_LIMIT)
    open_tasks = sorted((t for t in tasks if t.status == State.INTERN.value),
                        key=lambda t: (t.trigger_date, t.student_id))
    done = [t for t in tasks if t.status == State.AFGESLOTEN.value]
    with store.read() as conn:
        profile = school_profile(load_school(conn, school_id))
        unscheduled = unscheduled_of_school(conn, school_id, profile, today)
    return {"tasks": open_tasks, "closed": _closed_tasks(store, done),
            "unscheduled": unscheduled[:SECTION_LIMIT], "unscheduled_total": len(unscheduled),
            "contact_ways": CONTACT_WAYS, "unscheduled_day": profile.no_show_unscheduled_school_day}


def _firsts(store: Store, school_id: str, rows: list[MeldingView]) -> dict[str, MeldingView]:
    """The first no-show melding of each student whose second determination is on the page."""
    out: dict[str, MeldingView] = {}
    for sid in sorted({m.student_id for m in rows if m.rule == NO_SHOW_SECOND}):
        firsts = sorted((m for m in list_meldingen(store, school_id, rule=NO_SHOW, student_id=sid)
                         if m.status != State.INGETROKKEN.value), key=lambda m: m.trigger_date)
        if firsts:
            out[sid] = firsts[0]
    return out


def _list_context(store: Store, school_id: str, view: ListView) -> tuple[ListView, dict[str, Any]]:
    """The page of no-show meldingen in the view (with its total), their outcomes and the first of
    each second determination."""
    found = MeldingPage([], 0)
    if not view.errors:
        found = search_meldingen(store, school_id, melding_query(view.filters, statuses=SHOWN_STATES,
                                                                 rules=NO_SHOW_RULES))
    rows = found.rows
    return replace(view, total=found.total), {
        "meldingen": rows, "firsts": _firsts(store, school_id, rows),
        "outcomes": feedback_for(store, school_id, [m.id for m in rows]),
        "dsp_outcomes": DSP_OUTCOMES, "titles": FOLLOW_UP_TITLES}


def _attempt(values: dict[str, str], today: date) -> ContactAttempt:
    """The posted attempt, checked like every contact attempt (a date not after today, a known way)."""
    keys = {"on": values["datum"], "how": values["hoe"], "outcome": values["uitkomst"]}
    content = parse_content({"contact_attempts": [{k: v for k, v in keys.items() if v.strip()}]}, today=today)
    return content.contact_attempts[0]


def attempt_errors(exc: InvalidInput) -> dict[str, str]:
    """The refusal of a contact attempt as a Dutch message per field of the form."""
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        errors: dict[str, str] = {}
        for err in cause.errors():
            errors.setdefault(ATTEMPT_FIELDS.get(str(err["loc"][-1]), "uitkomst"), dutch_message(err))
        return errors
    where = exc.where or ""
    message = str(exc).removeprefix(f"{where}: ")
    return {"datum" if where.endswith(".on") else "uitkomst": message}


def _render(request: Request, session: auth.Session, view: ListView,
            refusal: TaskRefusal | None = None) -> Response:
    store, school = store_of(request), session.user.school_id
    listed, context = _list_context(store, school, view)
    context.update(board_context(store, school, today_of(request)))
    students = {m.student_id for m in (*context["meldingen"], *context["tasks"])}
    students |= {c.task.student_id for c in context["closed"]}
    students |= {u.student_id for u in context["unscheduled"]}
    context["names"] = display_names(store, school, students)
    response = render_list(request, session, "no_show.html", listed, refusal=refusal,
                           recorded=request.query_params.get("vastgelegd"), **context)
    if refusal:
        response.status_code = status.HTTP_422_UNPROCESSABLE_CONTENT
    return response


def _options(store: Store, school_id: str) -> dict[str, list[tuple[str, str]]]:
    return {REGEL: rule_options(NO_SHOW_RULES), STATUS: status_options(), AAN: recipient_options(),
            LOCATIE: location_options(store, school_id)}


def no_show_router() -> APIRouter:
    """``/console/no-show`` and the form that closes a contact task."""
    router = page_router()

    @router.get("/no-show")
    def no_show_board(request: Request, session: SessionDep) -> Response:
        view = read_view(request, SPEC, _options(store_of(request), session.user.school_id))
        return view if isinstance(view, Response) else _render(request, session, view)

    @router.post("/no-show/taken/{task_id}")
    def record_attempt(request: Request, session: SessionDep, task_id: str, *,  # noqa: PLR0913  FastAPI form fields
                       csrf: Csrf, datum: Field = "", hoe: Field = "", uitkomst: Field = "") -> Response:
        check_csrf(session, csrf)
        store = store_of(request)
        task = melding_or_404(store, session, task_id)
        if task.rule != NO_SHOW_CONTACT:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "geen contacttaak met dit id bij uw school")
        values = {"datum": datum, "hoe": hoe, "uitkomst": uitkomst}
        try:
            attempt = _attempt(values, today_of(request))
        except InvalidInput as exc:
            view = list_view(BOARD, {}, SPEC, _options(store, session.user.school_id))  # the list as it opens
            return _render(request, session, view, TaskRefusal(task_id, attempt_errors(exc), values))
        with refused_as(status.HTTP_409_CONFLICT):
            close_contact_task(store, session.user.school_id, task_id, attempt, session.user.username)
        return see_other(f"{BOARD}?vastgelegd={task_id}#taken")

    return router
