"""Errors as RFC 9457 problem details (``application/problem+json``), naming the field at fault."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.domain.errors import ConfigurationError
from gateway.intake import validation

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://verzuim-gateway.nl/problemen/"
VALIDATION_SLUG, VALIDATION_TITLE = "ongeldige-invoer", "Ongeldige invoer"
FALLBACK_TITLE = "Fout"
FASTAPI_PARSE_ERROR = "There was an error parsing the body"  # fastapi.routing's text for any other failure
MAX_FIELD_ERRORS = 200  # a problem lists at most this many fields; its detail counts them all
# Dutch titles of the HTTP errors the framework raises itself (the slug is the title, hyphenated).
TITLES = {
    status.HTTP_400_BAD_REQUEST: "Onleesbaar verzoek",
    status.HTTP_401_UNAUTHORIZED: "Niet aangemeld",
    status.HTTP_403_FORBIDDEN: "Geen toegang",
    status.HTTP_404_NOT_FOUND: "Niet gevonden",
    status.HTTP_405_METHOD_NOT_ALLOWED: "Methode niet toegestaan",
    status.HTTP_406_NOT_ACCEPTABLE: "Niet aanvaardbaar",
    status.HTTP_409_CONFLICT: "Kan niet in deze status",
    status.HTTP_413_CONTENT_TOO_LARGE: "Verzoek te groot",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "Mediatype niet ondersteund",
}


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


def http_problem(status_code: int, detail: str | None = None) -> ApiProblem:
    """The problem for a plain HTTP error status: its Dutch title, hyphenated as the slug."""
    title = TITLES.get(status_code, FALLBACK_TITLE)
    return ApiProblem(status_code, title.lower().replace(" ", "-"), title, detail)


def problem_document(problem: ApiProblem, instance: str | None) -> dict[str, Any]:
    """The problem+json body of ``problem``, about the request path ``instance``."""
    return Problem(type=TYPE_BASE + problem.slug, title=problem.title, status=problem.status,
                   detail=problem.detail, instance=instance, errors=problem.errors).model_dump()


def problem_response(request: Request, problem: ApiProblem,
                     headers: Mapping[str, str] | None = None) -> JSONResponse:
    """A problem+json response to ``request``."""
    return JSONResponse(problem_document(problem, request.url.path), status_code=problem.status,
                        media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def field_path(loc: Sequence[int | str]) -> str:
    """``("body", "records", 3, "date")`` -> ``records[3].date``."""
    rest = list(loc)
    while rest and rest[0] in ("body", "query", "path", "header"):
        rest.pop(0)
    return validation.field_path(rest) if rest else "(verzoek)"


def _syntax_message(body: Any) -> str:
    """Where a body that is not JSON broke (line and column), in Dutch."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if isinstance(text, str):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            return validation.json_error_message(exc)
    return "geen geldige JSON (regel 1, kolom 1)"


def _unreadable(request: Request, exc: RequestValidationError) -> JSONResponse:
    message = _syntax_message(exc.body)
    return problem_response(request, ApiProblem(
        status.HTTP_400_BAD_REQUEST, "onleesbaar-verzoek", TITLES[status.HTTP_400_BAD_REQUEST],
        f"de body is {message}", [FieldError(field="(body)", message=message)]))


def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return _unreadable(request, exc)
    errors = [FieldError(field=field_path(e.get("loc", ())), message=validation.dutch_message(e))
              for e in exc.errors()]
    first = errors[0].field if errors else "verzoek"
    detail = f"{len(errors)} fout(en), eerst in '{first}'"
    return problem_response(request, ApiProblem(status.HTTP_422_UNPROCESSABLE_CONTENT, VALIDATION_SLUG,
                                                VALIDATION_TITLE, detail, errors[:MAX_FIELD_ERRORS]))


def _framework_detail(status_code: int, detail: object) -> str | None:
    """The detail of an error the framework raised, in Dutch: its English default phrase ("Not Found")
    says no more than the Dutch title, and a body it could not parse gets a Dutch reason."""
    text = str(detail) if detail else ""
    if text == FASTAPI_PARSE_ERROR:  # json.loads gave up on the body, e.g. nested too deep to parse
        return "de body is geen leesbare JSON (bijvoorbeeld te diep genest)"
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        phrase = ""
    return None if text in ("", phrase) else text


def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = _framework_detail(exc.status_code, exc.detail)
    return problem_response(request, http_problem(exc.status_code, detail), headers=exc.headers)


def _api(request: Request, exc: ApiProblem) -> JSONResponse:
    return problem_response(request, exc)


def _configuration(request: Request, exc: ConfigurationError) -> JSONResponse:
    return problem_response(request, ApiProblem(
        status.HTTP_503_SERVICE_UNAVAILABLE, "configuratie", "Gateway niet goed ingesteld",
        "de gateway kan dit verzoek nu niet verwerken; meld het aan de beheerder"))


def install(app: FastAPI) -> None:
    """Register the problem handlers on ``app``."""
    # The decorator form takes handlers typed for their own exception; the app calls each only with it.
    app.exception_handler(ConfigurationError)(_configuration)
    app.exception_handler(RequestValidationError)(_validation)
    app.exception_handler(StarletteHTTPException)(_http)
    app.exception_handler(ApiProblem)(_api)


_DESCRIPTIONS = {**TITLES, status.HTTP_422_UNPROCESSABLE_CONTENT: VALIDATION_TITLE}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem statuses."""
    return {s: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}},
                "description": _DESCRIPTIONS.get(s, FALLBACK_TITLE)} for s in statuses}
