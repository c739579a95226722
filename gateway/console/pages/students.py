"""The students of the school (``/console/leerlingen``: found by name or number, leslocatie, with
meldingen only; sorted and paged) and one student's page with their meldingen."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from gateway.api.app_state import store_of
from gateway.console.listing import GEMELD, LOCATIE, ZOEK, ListSpec
from gateway.console.pages.common import SessionDep, base_context, page, page_router
from gateway.console.pages.lists import location_options, read_view, render_list
from gateway.console.queries import MAX_ROWS, display_names
from gateway.store import list_meldingen
from gateway.store.melding_search import STUDENT_SORTS, StudentQuery, search_students
from gateway.store.students import student_details

SPEC: Final = ListSpec(filters=frozenset({ZOEK, LOCATIE, GEMELD}), sort_keys=STUDENT_SORTS,
                       default_sort="leerling", choices={})
NOT_HERE = "geen leerling met dit nummer bij uw school"


def students_router() -> APIRouter:
    """``/console/leerlingen`` (the list) and ``/console/leerlingen/{student_id}`` (one student)."""
    router = page_router()

    @router.get("/leerlingen")
    def students_list(request: Request, session: SessionDep) -> Response:
        store, school = store_of(request), session.user.school_id
        view = read_view(request, SPEC, {LOCATIE: location_options(store, school)})
        if isinstance(view, Response):
            return view
        if view.errors:
            return render_list(request, session, "leerlingen.html", view, students=[], names={})
        f = view.filters
        found = search_students(store, school, StudentQuery(
            search=f.zoek, leslocatie=f.locatie or None, with_meldingen=f.gemeld, sort=f.sort_key,
            descending=f.descending, limit=f.per, offset=f.offset))
        names = display_names(store, school, {s.student_id for s in found.rows})
        return render_list(request, session, "leerlingen.html", replace(view, total=found.total),
                           students=found.rows, names=names)

    @router.get("/leerlingen/{student_id}")
    def student_page(request: Request, session: SessionDep, student_id: str) -> Response:
        store, school = store_of(request), session.user.school_id
        with store.read() as conn:
            details = student_details(conn, store.cipher, school, student_id)
        if details is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_HERE)
        views = sorted(list_meldingen(store, school, student_id=student_id, limit=MAX_ROWS),
                       key=lambda m: (m.trigger_date, m.rule), reverse=True)
        names = display_names(store, school, {student_id})
        return page(request, "leerling.html", base_context(
            session, request, student_id=student_id, name=names.get(student_id, student_id),
            leslocatie=details.leslocatie, meldingen=views))

    return router
