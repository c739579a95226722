"""The gateway's HTTP app: the vendors' push API now, the console (issue 7) mounted later.

``create_app(settings, store, ...)`` builds a FastAPI app from routers; ``verzuim-gateway serve``
serves it with uvicorn. Nothing here reads the environment: configuration is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from gateway.api import problems
from gateway.api.docs import docs_router
from gateway.api.limits import BodySizeLimit
from gateway.api.routes import meldingen_router, push_router
from gateway.api.schemas import Health
from gateway.intake.batch_checks import amsterdam_today
from gateway.store import Store

DESCRIPTION = """\
Aanlever-API voor leveranciers van schooladministratiesystemen.

Lever studenten, de schoolkalender en aanwezigheid aan in het canonieke model van de gateway; de
gateway past de verzuimregels toe en maakt meldingen. Een levering via deze API wordt precies zo
verwerkt als wat een bronadapter ophaalt. Elke school heeft eigen API-sleutels; een sleutel ziet
alleen de eigen school. Fouten komen terug als `application/problem+json` en noemen het veld.
"""


class ApiSettings(BaseModel):
    """Limits and behaviour of the push API."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    evaluate_on_push: bool = True
    title: str = "Verzuim gateway"


def create_app(settings: ApiSettings, store: Store, *,
               clock: Callable[[], date] = amsterdam_today,
               extra_routers: Sequence[APIRouter] = (),
               error_pages: problems.ErrorPages | None = None) -> FastAPI:
    """Build the app: push and meldingen routers, problem+json errors, a request size limit.

    The schools' API keys live in ``store`` (``gateway.api.keys``). ``clock`` gives the as-of day
    of a push (today in Europe/Amsterdam; tests pass a fixed day): the evaluation after it runs on
    that day, and a lesson dated after the next day is refused. ``extra_routers`` lets the console
    (issue 7) join the same app; ``error_pages`` lets it answer errors on its own pages (HTML).
    """
    # /docs and /redoc come from gateway.api.docs (packaged assets), not FastAPI's CDN pages.
    app = FastAPI(title=settings.title, version="1.0.0", description=DESCRIPTION,
                  docs_url=None, redoc_url=None,
                  openapi_tags=[{"name": "aanlevering", "description": "Gegevens aanleveren"},
                                {"name": "meldingen", "description": "Meldingen en hun status lezen"},
                                {"name": "terugkoppeling",
                                 "description": "Ontvangers (Leerplicht, RMC, DSP, DUO) melden de uitkomst"},
                                {"name": "beheer", "description": "De gateway zelf"}])
    app.state.store = store
    app.state.clock = clock
    app.state.evaluate_on_push = settings.evaluate_on_push
    problems.install(app, error_pages)

    @app.get("/api/v1/health", response_model=Health, tags=["beheer"], summary="Leeft de gateway?",
             description="Antwoordt zolang de gateway draait; zonder sleutel.")
    def health() -> Health:
        """Liveness check (no authentication)."""
        return Health()

    app.include_router(docs_router())
    app.include_router(push_router())
    app.include_router(meldingen_router())
    for router in extra_routers:
        app.include_router(router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
