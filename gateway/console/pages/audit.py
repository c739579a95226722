"""The audit trail page (``/console/audit``): the school's entries in words, in local time,
filtered through the URL, paged with totals, with the chain's verification status.

Checking the whole chain takes seconds on a large chain (about 2 s for 100,000 entries on SQLite),
too slow for every page view; the page shows the last check and a beheerder or melder starts a new
one with "Keten nu controleren" (a POST; its outcome becomes an audit entry of its own).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from gateway.api.app_state import store_of
from gateway.console import audit_trail, audit_words
from gateway.console.pages.common import (
    PREFIX,
    Csrf,
    SessionDep,
    base_context,
    check_csrf,
    page,
    page_router,
    see_other,
)
from gateway.console.queries import display_names

AUDIT = f"{PREFIX}/audit"


def audit_router() -> APIRouter:
    """``GET /console/audit`` (the trail) and ``POST /console/audit/controleren`` (check the chain)."""
    router = page_router()

    @router.get("/audit")
    def trail(request: Request, session: SessionDep) -> Response:
        store, school = store_of(request), session.user.school_id
        filters, errors = audit_trail.parse_trail(dict(request.query_params))
        if not errors:
            errors = audit_trail.check_subjects(store, school, filters)
        found = None if errors else audit_trail.trail_page(store, school, filters)
        students = {e.melding.student_id for e in found.entries if e.melding} if found else set()
        if filters.leerling and not errors:
            students.add(filters.leerling)
        checked = audit_trail.last_verification(store)
        broken = (audit_trail.entry_sentence(store, school, checked.first_broken)
                  if checked is not None and checked.first_broken is not None else None)
        context = base_context(
            session, request, filters=filters, field_errors=errors, found=found,
            names=display_names(store, school, students), groups=audit_words.GROUPS,
            query=audit_trail.trail_query, checked=checked, broken=broken)
        return page(request, "audit.html", context,
                    status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if errors else status.HTTP_200_OK)

    @router.post("/audit/controleren")
    def verify(request: Request, session: SessionDep, csrf: Csrf) -> Response:
        check_csrf(session, csrf)
        audit_trail.verify_and_record(store_of(request), session.user.school_id, session.user.username)
        return see_other(AUDIT)

    return router
