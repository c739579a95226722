"""What is due: the meldingen not yet delivered that have a due date, the most urgent first, and the
receivers that are late (the no-show board is ``pages.no_show``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.api.app_state import store_of, today_of
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
    SECTION_LIMIT,
    location_options,
    read_view,
    recipient_options,
    render_list,
    rule_options,
    status_options,
)
from gateway.console.queries import NOT_YET_SENT, Deadline, deadline_of, display_names, overdue_count
from gateway.delivery.receiver_deadlines import LATENESS_LABELS, RECEIVER_NAMES, late_receivers
from gateway.store.melding_search import search_meldingen

SPEC: Final = ListSpec(filters=frozenset({ZOEK, REGEL, STATUS, AAN, LOCATIE, VAN, TOT, ACTIE}),
                       sort_keys=("uiterlijk", "datum", "regel", "status", "leerling", "aan"),
                       default_sort="uiterlijk", choices={})


def deadlines_router() -> APIRouter:
    """``/console/termijnen``."""
    router = page_router()

    @router.get("/termijnen")
    def deadlines_page(request: Request, session: SessionDep) -> Response:
        store = store_of(request)
        school, today = session.user.school_id, today_of(request)
        options = {REGEL: rule_options(), STATUS: status_options(NOT_YET_SENT), AAN: recipient_options(),
                   LOCATIE: location_options(store, school)}
        view = read_view(request, SPEC, options)
        if isinstance(view, Response):
            return view
        # The receiving side's deadlines (seed 000 step 5), the longest overdue first.
        late_all = sorted(late_receivers(store, school, today), key=lambda x: -x.days_late)
        late = late_all[:SECTION_LIMIT]
        rows: list[Deadline] = []
        if not view.errors:
            found = search_meldingen(store, school, melding_query(view.filters, statuses=NOT_YET_SENT,
                                                                  due_only=True))
            rows = [deadline_of(m, today) for m in found.rows]
            view = replace(view, total=found.total)
        students = {d.melding.student_id for d in rows} | {x.student_id for x in late}
        names = display_names(store, school, students)
        return render_list(request, session, "termijnen.html", view, rows=rows, names=names,
                           overdue=overdue_count(store, school, today), late=late,
                           late_total=len(late_all),
                           lateness_labels=LATENESS_LABELS, receiver_names=RECEIVER_NAMES)

    return router
