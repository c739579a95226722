"""The meldingen list (``/console/meldingen``): the review queue by default, every melding on request."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.api.app_state import store_of
from gateway.console.pages.common import SessionDep, base_context, page, page_router
from gateway.console.queries import display_names
from gateway.domain.lifecycle import State
from gateway.store import list_meldingen

TO_REVIEW = "te-beoordelen"  # the list's default filter: concept meldingen waiting for review
QUEUE_LIMIT = 300


def melding_list_router() -> APIRouter:
    """``/console/meldingen``."""
    router = page_router()

    @router.get("/meldingen")
    def meldingen_list(request: Request, session: SessionDep, filter: str = TO_REVIEW) -> Response:
        store = store_of(request)
        school = session.user.school_id
        to_review = filter == TO_REVIEW
        views = [m for m in list_meldingen(store, school, status=[State.CONCEPT.value] if to_review else None,
                                           limit=QUEUE_LIMIT)
                 if m.kind != "signaal" or not to_review]
        names = display_names(store, school, {m.student_id for m in views})
        return page(request, "meldingen.html", base_context(session, request, meldingen=views, names=names,
                                                            filter=filter))

    return router
