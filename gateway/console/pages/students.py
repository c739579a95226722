"""The trail of one student: every melding of the school about them and its audit entries."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from gateway.api.app_state import store_of
from gateway.console.pages.common import PREFIX, SessionDep, base_context, page, page_router, see_other
from gateway.console.queries import display_names, student_trail


def students_router() -> APIRouter:
    """``/console/leerlingen`` (search) and ``/console/leerlingen/{student_id}`` (the trail)."""
    router = page_router()

    @router.get("/leerlingen")
    def trail_search(request: Request, session: SessionDep, student_id: str = "") -> Response:
        if student_id.strip():
            return see_other(f"{PREFIX}/leerlingen/{quote(student_id.strip(), safe='')}")
        return page(request, "leerling.html", base_context(session, request, student_id=None, meldingen=[],
                                                           entries=[], names={}))

    @router.get("/leerlingen/{student_id}")
    def trail(request: Request, session: SessionDep, student_id: str) -> Response:
        store = store_of(request)
        views, entries = student_trail(store, session.user.school_id, student_id)
        if not views:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "geen meldingen van deze leerling bij uw school")
        names = display_names(store, session.user.school_id, {student_id})
        return page(request, "leerling.html", base_context(session, request, student_id=student_id,
                                                           meldingen=views, entries=entries, names=names))

    return router
