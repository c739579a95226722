"""The meldingen list (``/console/meldingen``): every melding of the school, filtered, searched,
sorted and paged in the store; the tab "Actie nodig" is the review queue (``actie=1``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.api.app_state import store_of
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
    melding_query,
)
from gateway.console.pages.common import SessionDep, page_router
from gateway.console.pages.lists import (
    location_options,
    read_view,
    recipient_options,
    render_list,
    rule_options,
    status_options,
)
from gateway.console.queries import display_names
from gateway.store.melding_search import MELDING_SORTS, search_meldingen

SPEC: Final = ListSpec(filters=frozenset({ZOEK, REGEL, STATUS, AAN, LOCATIE, VAN, TOT, ACTIE}),
                       sort_keys=MELDING_SORTS, default_sort="-datum", choices={})


def melding_list_router() -> APIRouter:
    """``/console/meldingen``."""
    router = page_router()

    @router.get("/meldingen")
    def meldingen_list(request: Request, session: SessionDep) -> Response:
        store, school = store_of(request), session.user.school_id
        options = {REGEL: rule_options(), STATUS: status_options(), AAN: recipient_options(),
                   LOCATIE: location_options(store, school)}
        view = read_view(request, SPEC, options)
        if isinstance(view, Response):
            return view
        if view.errors:
            return render_list(request, session, "meldingen.html", view, meldingen=[], names={})
        found = search_meldingen(store, school, melding_query(view.filters))
        names = display_names(store, school, {m.student_id for m in found.rows})
        return render_list(request, session, "meldingen.html", replace(view, total=found.total),
                           meldingen=found.rows, names=names)

    return router
