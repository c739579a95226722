"""The monitoring figures of the regional no-show process, against their norms."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.api.app_state import store_of, today_of
from gateway.console.monitor import NORM_PROCESSED, NORM_STARTED, no_show_figures
from gateway.console.pages.common import SessionDep, base_context, page, page_router


def monitor_router() -> APIRouter:
    """``/console/monitor``."""
    router = page_router()

    @router.get("/monitor")
    def monitor(request: Request, session: SessionDep) -> Response:
        figures = no_show_figures(store_of(request), session.user.school_id, today_of(request))
        return page(request, "monitor.html", base_context(session, request, f=figures,
                                                          norm_processed=NORM_PROCESSED,
                                                          norm_started=NORM_STARTED))

    return router
