"""The monthly verzuimrapportage (``/console/rapportage``) and its CSV: the session's school only.

``?maand=2026-09`` picks the month (default: the month of the app's today); a month that is not
one is refused beside the field (422), on the page and for the CSV alike.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from gateway.api.app_state import store_of, today_of
from gateway.console import auth
from gateway.console.monitor import NORM_PROCESSED, NORM_STARTED
from gateway.console.pages.common import SessionDep, base_context, page, page_router
from gateway.console.report import FIRST_YEAR, LAST_YEAR, InvalidMonth, Month, MonthReport, month_report
from gateway.console.report_csv import filename, report_csv
from gateway.console.spreadsheet import csv_download

TEMPLATE = "rapportage.html"


def _report(request: Request, session: auth.Session, maand: str | None) -> MonthReport:
    today = today_of(request)
    month = Month.parse(maand) if maand and maand.strip() else Month.of(today)
    return month_report(store_of(request), session.user.school_id, month, today)


def _refused(request: Request, session: auth.Session, typed: str, exc: InvalidMonth) -> Response:
    context = base_context(session, request, report=None, typed=typed, field_errors={"maand": exc.reason},
                           first_year=FIRST_YEAR, last_year=LAST_YEAR)
    return page(request, TEMPLATE, context, status.HTTP_422_UNPROCESSABLE_CONTENT)


def report_router() -> APIRouter:
    """``/console/rapportage`` and ``/console/rapportage.csv``."""
    router = page_router()

    @router.get("/rapportage")
    def report_page(request: Request, session: SessionDep, maand: str | None = None) -> Response:
        try:
            report = _report(request, session, maand)
        except InvalidMonth as exc:
            return _refused(request, session, maand or "", exc)
        return page(request, TEMPLATE, base_context(
            session, request, report=report, typed=report.month.key, field_errors={},
            previous=report.month.shift(-1), next=report.month.shift(1), first_year=FIRST_YEAR,
            last_year=LAST_YEAR, norm_processed=NORM_PROCESSED, norm_started=NORM_STARTED))

    @router.get("/rapportage.csv")
    def report_download(request: Request, session: SessionDep, maand: str | None = None) -> Response:
        try:
            report = _report(request, session, maand)
        except InvalidMonth as exc:
            return _refused(request, session, maand or "", exc)
        return csv_download(report_csv(report), filename(report))

    return router
