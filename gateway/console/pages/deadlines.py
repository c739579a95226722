"""What is due: the deadlines of meldingen not yet delivered (the no-show board is ``pages.no_show``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.api.app_state import store_of, today_of
from gateway.console.pages.common import SessionDep, base_context, page, page_router
from gateway.console.queries import deadlines, display_names
from gateway.delivery.receiver_deadlines import LATENESS_LABELS, RECEIVER_NAMES, late_receivers


def deadlines_router() -> APIRouter:
    """``/console/termijnen``."""
    router = page_router()

    @router.get("/termijnen")
    def deadlines_page(request: Request, session: SessionDep) -> Response:
        store = store_of(request)
        school, today = session.user.school_id, today_of(request)
        rows = deadlines(store, school, today)
        late = late_receivers(store, school, today)  # the receiving side's deadlines (seed 000 step 5)
        names = display_names(store, school, {d.melding.student_id for d in rows}
                              | {x.student_id for x in late})
        return page(request, "termijnen.html", base_context(
            session, request, rows=rows, names=names, overdue=sum(d.overdue for d in rows), late=late,
            lateness_labels=LATENESS_LABELS, receiver_names=RECEIVER_NAMES))

    return router
