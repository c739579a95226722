"""Overviews of what is due: the deadlines of meldingen not yet delivered and the no-show board."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.api.app_state import store_of, today_of
from gateway.console.feedback import DSP_OUTCOMES, feedback_for
from gateway.console.pages.common import SessionDep, base_context, page, page_router
from gateway.console.queries import deadlines, display_names
from gateway.domain.lifecycle import State
from gateway.store import list_meldingen

NO_SHOW_LIMIT = 500


def deadlines_router() -> APIRouter:
    """``/console/termijnen`` and ``/console/no-show``."""
    router = page_router()

    @router.get("/termijnen")
    def deadlines_page(request: Request, session: SessionDep) -> Response:
        store = store_of(request)
        rows = deadlines(store, session.user.school_id, today_of(request))
        names = display_names(store, session.user.school_id, {d.melding.student_id for d in rows})
        return page(request, "termijnen.html", base_context(session, request, rows=rows, names=names,
                                                            overdue=sum(d.overdue for d in rows)))

    @router.get("/no-show")
    def no_show_board(request: Request, session: SessionDep) -> Response:
        store = store_of(request)
        school = session.user.school_id
        views = [m for m in list_meldingen(store, school, rule="no-show", limit=NO_SHOW_LIMIT)
                 if m.status != State.INGETROKKEN.value]
        views.sort(key=lambda m: (m.trigger_date, m.student_id))
        outcomes = feedback_for(store, school, [m.id for m in views])
        names = display_names(store, school, {m.student_id for m in views})
        return page(request, "no_show.html", base_context(session, request, meldingen=views, names=names,
                                                          outcomes=outcomes, dsp_outcomes=DSP_OUTCOMES))

    return router
