"""The console's routers: server-rendered Dutch pages for the verzuimcoördinator, under /console.

Each page group has its own router in ``gateway.console.pages``; this module composes them, with the
receivers' feedback API, into what ``gateway.api.app.create_app`` mounts.
"""

from __future__ import annotations

from fastapi import APIRouter

from gateway.console.feedback import feedback_router
from gateway.console.pages.assets import assets_router
from gateway.console.pages.audit import audit_router
from gateway.console.pages.common import ConsoleSettings
from gateway.console.pages.dead_letters import dead_letters_router
from gateway.console.pages.deadlines import deadlines_router
from gateway.console.pages.manual import manual_router
from gateway.console.pages.melding_list import melding_list_router
from gateway.console.pages.meldingen import meldingen_router
from gateway.console.pages.monitor import monitor_router
from gateway.console.pages.no_show import no_show_router
from gateway.console.pages.report import report_router
from gateway.console.pages.signin import signin_router
from gateway.console.pages.students import students_router
from gateway.delivery.routing import DirectoryData

__all__ = ["ConsoleSettings", "console_router", "console_routers"]


def console_router(settings: ConsoleSettings) -> APIRouter:
    """The console pages: every page group's router in one."""
    router = APIRouter()
    # The manual filing's page comes before the meldingen group: /meldingen/nieuw is no melding id.
    for pages in (assets_router(), signin_router(settings), manual_router(), melding_list_router(),
                  meldingen_router(), deadlines_router(), no_show_router(), dead_letters_router(),
                  students_router(), monitor_router(), report_router(), audit_router()):
        router.include_router(pages)
    return router


def console_routers(settings: ConsoleSettings | None = None, *, directory: DirectoryData) -> list[APIRouter]:
    """The console pages and the feedback API, to pass as ``extra_routers`` to ``create_app``.

    ``directory`` (the recipient directory's data, no certificates needed) scopes receiver keys to their area.
    """
    return [feedback_router(directory), console_router(settings or ConsoleSettings())]
