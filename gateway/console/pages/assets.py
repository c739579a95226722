"""The console's own stylesheet and script (no third-party assets: the CSP allows only 'self')."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse, Response

from gateway.console.pages.common import CONSOLE_DIR, page_router

STATIC_FILES = {"console.css": "text/css", "console.js": "text/javascript"}
STATIC_MAX_AGE = 3600  # seconds a browser may keep them


def assets_router() -> APIRouter:
    """``GET /console/static/{name}`` for the files in ``STATIC_FILES``."""
    router = page_router()

    @router.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC_FILES:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "onbekend bestand")
        return FileResponse(CONSOLE_DIR / "static" / name, media_type=STATIC_FILES[name],
                            headers={"X-Content-Type-Options": "nosniff",
                                     "Cache-Control": f"max-age={STATIC_MAX_AGE}"})

    return router
