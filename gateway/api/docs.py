"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) from the assets the ``fastapi-offline`` package ships.

FastAPI's own pages load their JavaScript, CSS and favicon from a CDN, so they stay blank on a
machine without internet. These pages reference only ``/docs/static/...``, served here from the
installed package (located with ``importlib.resources``, never copied into this repository).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
STATIC_URL = "/docs/static"
ASSET_PACKAGE = "fastapi_offline"
# The only files served, with their media types: a name outside this table is a 404.
MEDIA_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",  # Starlette adds "; charset=utf-8" to text types
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
# The pages name each asset with the package's version (``?v=``), so an upgrade changes the URL and
# the browser may keep an asset for a year without asking again.
CACHE_CONTROL = "public, max-age=31536000, immutable"
# Swagger UI would otherwise send the whole OpenAPI document to validator.swagger.io for a badge.
SWAGGER_PARAMETERS: dict[str, Any] = {"validatorUrl": None}
# The pages may load nothing from another host. ReDoc's footer shows a Redocly logo from its CDN;
# with img-src limited to this origin the browser never asks for it and the footer drops the image.
# The bundles start from an inline script and ReDoc runs a web worker from a blob.
DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; "
            "font-src 'self' data:; frame-ancestors 'none'")
REDOC_NOSCRIPT = "ReDoc requires Javascript to function. Please enable it to browse the documentation."
REDOC_NOSCRIPT_NL = "Deze documentatie heeft JavaScript nodig; zet JavaScript aan om haar te lezen."


@dataclass(frozen=True)
class Asset:
    """One packaged file: its bytes, media type and entity tag."""

    content: bytes
    media_type: str
    etag: str


def asset(name: str) -> Asset | None:
    """The packaged asset ``name``, or None when it is not one of ``MEDIA_TYPES``."""
    # Checked before the cache, so unknown names asked for cannot grow it.
    return _read(name) if name in MEDIA_TYPES else None


@cache
def _read(name: str) -> Asset:
    content = (files(ASSET_PACKAGE) / "static" / name).read_bytes()
    return Asset(content, MEDIA_TYPES[name], f'"{hashlib.sha256(content).hexdigest()[:32]}"')


@cache
def assets_version() -> str:
    """The installed ``fastapi-offline`` version, which the asset URLs carry."""
    return version(ASSET_PACKAGE.replace("_", "-"))


def asset_url(request: Request, name: str) -> str:
    """The path of a packaged asset as the pages reference it (behind a proxy's root path too)."""
    return f"{request.scope.get('root_path', '')}{STATIC_URL}/{name}?v={assets_version()}"


def _openapi_url(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{request.app.openapi_url}"


def docs_router() -> APIRouter:
    """The documentation pages and their assets; none of them appears in the OpenAPI document."""
    router = APIRouter(include_in_schema=False)

    @router.get(DOCS_URL)
    def swagger_ui(request: Request) -> HTMLResponse:
        """Swagger UI over the app's OpenAPI document."""
        page = get_swagger_ui_html(
            openapi_url=_openapi_url(request), title=f"{request.app.title} – API-documentatie",
            swagger_js_url=asset_url(request, "swagger-ui-bundle.js"),
            swagger_css_url=asset_url(request, "swagger-ui.css"),
            swagger_favicon_url=asset_url(request, "favicon.png"),
            oauth2_redirect_url=OAUTH2_REDIRECT_URL, swagger_ui_parameters=SWAGGER_PARAMETERS)
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    @router.get(OAUTH2_REDIRECT_URL)
    def swagger_ui_redirect() -> HTMLResponse:
        """Swagger UI's OAuth2 redirect page (self-contained, no assets)."""
        return get_swagger_ui_oauth2_redirect_html()

    @router.get(REDOC_URL)
    def redoc(request: Request) -> HTMLResponse:
        """ReDoc over the app's OpenAPI document, without Google Fonts."""
        page = get_redoc_html(
            openapi_url=_openapi_url(request), title=f"{request.app.title} – API-referentie",
            redoc_js_url=asset_url(request, "redoc.standalone.js"),
            redoc_favicon_url=asset_url(request, "favicon.png"), with_google_fonts=False)
        return HTMLResponse(bytes(page.body).decode().replace(REDOC_NOSCRIPT, REDOC_NOSCRIPT_NL),
                            headers={"Content-Security-Policy": DOCS_CSP})

    @router.get(STATIC_URL + "/{name}")
    def static_asset(name: str, request: Request) -> Response:
        """A packaged asset, cached by the browser for a year; 304 when it still holds this one."""
        found = asset(name)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"geen bestand '{name}' bij de documentatie")
        headers = {"Cache-Control": CACHE_CONTROL, "ETag": found.etag}
        if request.headers.get("if-none-match") == found.etag:
            return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(found.content, media_type=found.media_type, headers=headers)

    return router
