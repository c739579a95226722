"""The monitoring figures of the no-show process against their norms: the school's, its region's for
the ketenoverleg, and both as CSV (``;``-separated, decimal comma, UTF-8 with BOM: what a Dutch
spreadsheet opens as it is). Only counts and shares: no student in any of them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.api.app_state import store_of, today_of
from gateway.config.school import get_school
from gateway.console import auth
from gateway.console.monitor import (
    NORM_PROCESSED,
    NORM_STARTED,
    NoShowFigures,
    RegionFigures,
    SchoolFigures,
    no_show_figures,
    region_figures,
    region_of,
)
from gateway.console.pages.common import SessionDep, base_context, page, page_router
from gateway.console.spreadsheet import csv_bytes, csv_download, decimal, text_cell

CSV_HEADER = ("Schooljaar", "Peildatum", "Regio", "School", "Naam", "No-shows (jongeren)",
              "No-show-meldingen", "Binnen 7 dagen verwerkt", "Te laat verwerkt", "Verwerking lopend",
              "Niet afgeleverd", "% binnen 7 dagen verwerkt", "Gestart vóór peildatum",
              "% gestart vóór peildatum", "Herstarters", "Uitvallers", "Doorgeleid", "Zonder uitkomst")
TOTAL = "totaal"
def _csv_row(school_id: str, name: str, region: str, f: NoShowFigures) -> list[str]:
    counts = (f.no_shows, f.meldingen, f.processed_in_time, f.processed_late, f.running, f.undelivered)
    return [f.year.label, f.year.peildatum.strftime("%d-%m-%Y"), text_cell(region), text_cell(school_id),
            text_cell(name),
            *map(str, counts), decimal(f.share_processed), str(f.started_before_peildatum),
            decimal(f.share_started), str(f.herstarters), str(f.uitvallers), str(f.doorgeleid),
            str(f.without_outcome)]


def figures_csv(schools: tuple[SchoolFigures, ...], total: NoShowFigures | None = None) -> bytes:
    """A header row, one row per school and, for a region, its total (school ``totaal``)."""
    rows = [_csv_row(s.school_id, s.name, s.region, s.figures) for s in schools]
    if total is not None and schools:
        rows.append(_csv_row(TOTAL, schools[0].region, schools[0].region, total))
    return csv_bytes(CSV_HEADER, rows)


def _own_school(request: Request, session: auth.Session) -> SchoolFigures:
    config = get_school(store_of(request), session.user.school_id)
    figures = no_show_figures(store_of(request), config.id, today_of(request))
    return SchoolFigures(config.id, config.name, region_of(config), figures)


def _own_region(request: Request, session: auth.Session) -> RegionFigures:
    region = region_of(get_school(store_of(request), session.user.school_id))
    return region_figures(store_of(request), region, today_of(request))


def _context(session: auth.Session, request: Request, **extra: Any) -> dict[str, Any]:
    return base_context(session, request, norm_processed=NORM_PROCESSED, norm_started=NORM_STARTED, **extra)


def monitor_router() -> APIRouter:
    """``/console/monitor`` and ``/console/monitor/regio``, each with its ``.csv``."""
    router = page_router()

    @router.get("/monitor")
    def monitor(request: Request, session: SessionDep) -> Response:
        own = _own_school(request, session)
        return page(request, "monitor.html", _context(session, request, f=own.figures, school=own,
                                                      region=own.region, rows=None))

    @router.get("/monitor.csv")
    def monitor_csv(request: Request, session: SessionDep) -> Response:
        own = _own_school(request, session)
        return csv_download(figures_csv((own,)),
                             f"monitor-no-show-{own.school_id}-{own.figures.year.label}")

    @router.get("/monitor/regio")
    def monitor_region(request: Request, session: SessionDep) -> Response:
        found = _own_region(request, session)
        return page(request, "monitor.html", _context(session, request, f=found.total, school=None,
                                                      region=found.region, rows=found.schools))

    @router.get("/monitor/regio.csv")
    def monitor_region_csv(request: Request, session: SessionDep) -> Response:
        found = _own_region(request, session)
        return csv_download(figures_csv(found.schools, found.total),
                             f"monitor-no-show-{found.region}-{found.total.year.label}")

    return router
