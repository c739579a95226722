"""The no-show board (``/console/no-show``): the no-show meldingen with their outcomes, the school's
open contact tasks with a form to record the contact attempt that closes one, and the enrolled
students not yet on a timetable (seeds 000 and 001)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import Response

from gateway.api.app_state import store_of, today_of
from gateway.config.school import load_school, school_profile
from gateway.console import auth
from gateway.console.feedback import feedback_for
from gateway.console.pages.common import (
    PREFIX,
    Csrf,
    SessionDep,
    base_context,
    check_csrf,
    melding_or_404,
    page,
    page_router,
    refused_as,
    see_other,
)
from gateway.console.queries import display_names
from gateway.domain.errors import InvalidInput
from gateway.domain.lifecycle import State
from gateway.domain.melding_content import CONTACT_WAYS, ContactAttempt
from gateway.domain.receiver_status import DSP_OUTCOMES
from gateway.domain.soort_verzuim import FOLLOW_UP_TITLES, NO_SHOW_CONTACT, NO_SHOW_SECOND
from gateway.intake.melding_content import parse_content
from gateway.pipeline.no_show_followup import close_contact_task, unscheduled_of_school
from gateway.store import MeldingView, Store, list_meldingen
from gateway.store.content import decode_content
from gateway.store.schema import meldingen

NO_SHOW_LIMIT = 500
BOARD = f"{PREFIX}/no-show"
Field = Annotated[str, Form()]


@dataclass(frozen=True)
class ClosedTask:
    """A contact task done, with the attempt that closed it (its outcome is personal data)."""

    task: MeldingView
    attempts: tuple[ContactAttempt, ...]


@dataclass(frozen=True)
class TaskRefusal:
    """A contact attempt that was refused: on which task, why, and what was typed."""

    task_id: str
    message: str
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
    """What the board shows: no-show meldingen (first and second determination) with outcomes, the
    contact tasks open and done, and the students without any attendance record yet."""
    reported = [m for rule in ("no-show", NO_SHOW_SECOND)
                for m in list_meldingen(store, school_id, rule=rule, limit=NO_SHOW_LIMIT)
                if m.status != State.INGETROKKEN.value]
    reported.sort(key=lambda m: (m.trigger_date, m.student_id, m.rule))
    firsts = {m.student_id: m for m in sorted(reported, key=lambda m: m.trigger_date, reverse=True)
              if m.rule == "no-show"}
    tasks = list_meldingen(store, school_id, rule=NO_SHOW_CONTACT, limit=NO_SHOW_LIMIT)
    open_tasks = sorted((t for t in tasks if t.status == State.INTERN.value),
                        key=lambda t: (t.trigger_date, t.student_id))
    done = [t for t in tasks if t.status == State.AFGESLOTEN.value]
    with store.read() as conn:
        profile = school_profile(load_school(conn, school_id))
        unscheduled = unscheduled_of_school(conn, school_id, profile, today)
    ids = {m.student_id for m in (*reported, *tasks)} | {u.student_id for u in unscheduled}
    return {"meldingen": reported, "firsts": firsts, "outcomes": feedback_for(store, school_id,
                                                                              [m.id for m in reported]),
            "tasks": open_tasks, "closed": _closed_tasks(store, done), "unscheduled": unscheduled,
            "names": display_names(store, school_id, ids), "dsp_outcomes": DSP_OUTCOMES,
            "contact_ways": CONTACT_WAYS, "titles": FOLLOW_UP_TITLES,
            "unscheduled_day": profile.no_show_unscheduled_school_day}


def _attempt(values: dict[str, str], today: date) -> ContactAttempt:
    """The posted attempt, checked like every contact attempt (a date not after today, a known way)."""
    keys = {"on": values["datum"], "how": values["hoe"], "outcome": values["uitkomst"]}
    content = parse_content({"contact_attempts": [{k: v for k, v in keys.items() if v.strip()}]}, today=today)
    return content.contact_attempts[0]


def _render(request: Request, session: auth.Session, refusal: TaskRefusal | None = None) -> Response:
    store, school = store_of(request), session.user.school_id
    context = board_context(store, school, today_of(request))
    recorded = request.query_params.get("vastgelegd")
    return page(request, "no_show.html", base_context(session, request, refusal=refusal,
                                                      recorded=recorded, **context),
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if refusal else status.HTTP_200_OK)


def no_show_router() -> APIRouter:
    """``/console/no-show`` and the form that closes a contact task."""
    router = page_router()

    @router.get("/no-show")
    def no_show_board(request: Request, session: SessionDep) -> Response:
        return _render(request, session)

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
            return _render(request, session, TaskRefusal(task_id, str(exc), values))
        with refused_as(status.HTTP_409_CONFLICT):
            close_contact_task(store, session.user.school_id, task_id, attempt, session.user.username)
        return see_other(f"{BOARD}?vastgelegd={task_id}#taken")

    return router
