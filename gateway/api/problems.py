"""Errors as RFC 9457 problem details (``application/problem+json``), naming the field at fault."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.domain.errors import ConfigurationError
from gateway.intake import validation

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://verzuim-gateway.nl/problemen/"


class FieldError(BaseModel):
    """One problem with one field of the request."""

    field: str = Field(description="Path of the field, e.g. records[3].date", examples=["records[3].date"])
    message: str


class Problem(BaseModel):
    """Problem details (RFC 9457)."""

    type: str = Field(examples=[TYPE_BASE + "ongeldige-invoer"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


class ApiProblem(Exception):
    """Raise to answer with a problem document."""

    def __init__(self, status: int, slug: str, title: str, detail: str | None = None,
                 errors: Sequence[FieldError] = ()) -> None:
        super().__init__(detail or title)
        self.status, self.slug, self.title = status, slug, title
        self.detail, self.errors = detail, list(errors)


def problem_response(request: Request | None, status: int, slug: str, title: str,
                     detail: str | None = None, errors: Sequence[FieldError] = (),
                     headers: dict[str, str] | None = None) -> JSONResponse:
    """A problem+json response."""
    body = Problem(type=TYPE_BASE + slug, title=title, status=status, detail=detail,
                   instance=request.url.path if request is not None else None, errors=list(errors))
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM_MEDIA_TYPE,
                        headers=headers)


def field_path(loc: Sequence[int | str]) -> str:
    """``("body", "records", 3, "date")`` -> ``records[3].date``."""
    rest = list(loc)
    while rest and rest[0] in ("body", "query", "path", "header"):
        rest.pop(0)
    return validation.field_path(rest) if rest else "(verzoek)"


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldError(field=field_path(e.get("loc", ())), message=str(e.get("msg", "ongeldig")))
              for e in exc.errors()]
    first = errors[0].field if errors else "verzoek"
    return problem_response(request, 422, "ongeldige-invoer", "Ongeldige invoer",
                            f"{len(errors)} fout(en), eerst in '{first}'", errors)


_TITLES = {400: "Onleesbaar verzoek", 401: "Niet aangemeld", 403: "Geen toegang", 404: "Niet gevonden",
           405: "Methode niet toegestaan", 406: "Niet aanvaardbaar", 413: "Verzoek te groot",
           415: "Mediatype niet ondersteund"}


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _TITLES.get(exc.status_code, "Fout")
    return problem_response(request, exc.status_code, title.lower().replace(" ", "-"), title,
                            str(exc.detail) if exc.detail else None, headers=getattr(exc, "headers", None))


def _api(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, exc.errors)


def _configuration(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 503, "configuratie", "Gateway niet goed ingesteld",
                            "de gateway kan dit verzoek nu niet verwerken; meld het aan de beheerder")


def install(app: FastAPI) -> None:
    """Register the problem handlers on ``app``."""
    app.add_exception_handler(ConfigurationError, _configuration)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(ApiProblem, _api)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem statuses."""
    return {s: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}},
                "description": _TITLES.get(s, "Ongeldige invoer" if s == 422 else "Fout")} for s in statuses}
