"""Errors as RFC 9457 problem details (``application/problem+json``), naming the field at fault.

Another face of the app (the console's HTML pages) may answer an error its own way: ``install`` takes an
``ErrorPages`` hook that gets every failure first and returns ``None`` for a request it does not serve.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.domain.errors import ConfigurationError
from gateway.intake import validation

log = structlog.get_logger(__name__)
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
    status.HTTP_500_INTERNAL_SERVER_ERROR: "Interne fout",
}
UNEXPECTED_DETAIL = "er ging iets mis in de gateway; probeer het later opnieuw of meld het aan de beheerder"


class FieldError(BaseModel):
    """One problem with one field of the request."""

    field: str = Field(description="Pad van het veld, bijvoorbeeld records[3].date",
                       examples=["records[3].date"])
    message: str = Field(description="Wat er mis is met het veld", examples=["geen geldige datum"])


class Problem(BaseModel):
    """Problem details (RFC 9457)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": TYPE_BASE + VALIDATION_SLUG, "title": VALIDATION_TITLE, "status": 422,
        "detail": "1 fout(en), eerst in 'records[3].date'", "instance": "/api/v1/schools/25AB00/attendance",
        "errors": [{"field": "records[3].date", "message": "geen geldige datum"}]}]})

    type: str = Field(examples=[TYPE_BASE + "ongeldige-invoer"], description="Soort probleem (een URI)")
    title: str = Field(description="Korte omschrijving van de soort probleem")
    status: int = Field(description="De HTTP-status van het antwoord")
    detail: str | None = Field(None, description="Uitleg bij dit geval")
    instance: str | None = Field(None, description="Pad van het verzoek")
    errors: list[FieldError] = Field(default_factory=list, description="De velden die niet in orde zijn")


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


@dataclass(frozen=True)
class Failure:
    """An error as another face sees it: the status, the Dutch detail for people (if any), the fields at
    fault and the headers the answer must carry (``Location`` of a redirect, ``Allow`` of a 405)."""

    status: int
    detail: str | None = None
    errors: Sequence[FieldError] = ()
    headers: Mapping[str, str] | None = None


# Another face's own answer to a failure (the console's HTML pages); ``None``: answer problem+json.
ErrorPages = Callable[[Request, Failure], Response | None]


def _unreadable(exc: RequestValidationError) -> ApiProblem:
    message = _syntax_message(exc.body)
    return ApiProblem(status.HTTP_400_BAD_REQUEST, "onleesbaar-verzoek", TITLES[status.HTTP_400_BAD_REQUEST],
                      f"de body is {message}", [FieldError(field="(body)", message=message)])


def validation_problem(exc: RequestValidationError) -> ApiProblem:
    """The problem of a request the framework could not validate: each field at fault, in Dutch."""
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return _unreadable(exc)
    errors = [FieldError(field=field_path(e.get("loc", ())), message=validation.dutch_message(e))
              for e in exc.errors()]
    first = errors[0].field if errors else "verzoek"
    detail = f"{len(errors)} fout(en), eerst in '{first}'"
    return ApiProblem(status.HTTP_422_UNPROCESSABLE_CONTENT, VALIDATION_SLUG, VALIDATION_TITLE, detail,
                      errors[:MAX_FIELD_ERRORS])


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


def _configuration_problem() -> ApiProblem:
    return ApiProblem(status.HTTP_503_SERVICE_UNAVAILABLE, "configuratie", "Gateway niet goed ingesteld",
                      "de gateway kan dit verzoek nu niet verwerken; meld het aan de beheerder")


def _where(exc: BaseException) -> str:
    """File and line where ``exc`` was raised: enough to find it, and no data of the request."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"


def log_unexpected(request: Request, exc: BaseException) -> None:
    """Log an unexpected error: its type, where it was raised and the route's pattern. Never its text
    or the path itself, which may hold personal data (a student number, a name)."""
    route = request.scope.get("route")
    log.error("onverwachte fout bij een verzoek", error=type(exc).__name__, where=_where(exc),
              method=request.method, route=getattr(route, "path", None))


@dataclass(frozen=True)
class _Handlers:
    """The app's error handlers: each asks ``pages`` first, then answers problem+json."""

    pages: ErrorPages | None

    def answer(self, request: Request, problem: ApiProblem,
               headers: Mapping[str, str] | None = None) -> Response:
        if self.pages is not None:
            shown = self.pages(request, Failure(problem.status, problem.detail, problem.errors, headers))
            if shown is not None:
                return shown
        return problem_response(request, problem, headers=headers)

    def validation(self, request: Request, exc: RequestValidationError) -> Response:
        return self.answer(request, validation_problem(exc))

    def http(self, request: Request, exc: StarletteHTTPException) -> Response:
        detail = _framework_detail(exc.status_code, exc.detail)
        return self.answer(request, http_problem(exc.status_code, detail), exc.headers)

    def api(self, request: Request, exc: ApiProblem) -> Response:
        return self.answer(request, exc)

    def configuration(self, request: Request, exc: ConfigurationError) -> Response:
        return self.answer(request, _configuration_problem())

    def unexpected(self, request: Request, exc: Exception) -> Response:
        log_unexpected(request, exc)
        return self.answer(request, http_problem(status.HTTP_500_INTERNAL_SERVER_ERROR, UNEXPECTED_DETAIL))


def install(app: FastAPI, pages: ErrorPages | None = None) -> None:
    """Register the problem handlers on ``app``; ``pages`` answers first for the requests it serves.

    An unexpected exception answers 500 too (Starlette still re-raises it after the answer went out).
    """
    handlers = _Handlers(pages)
    # The decorator form takes handlers typed for their own exception; the app calls each only with it.
    app.exception_handler(ConfigurationError)(handlers.configuration)
    app.exception_handler(RequestValidationError)(handlers.validation)
    app.exception_handler(StarletteHTTPException)(handlers.http)
    app.exception_handler(ApiProblem)(handlers.api)
    app.exception_handler(Exception)(handlers.unexpected)


class AnsweredErrors:
    """The app as the server runs it, without the second report of an unexpected exception.

    Starlette re-raises an exception after its 500 answer went out, and the server would then log it
    with its text and traceback; the text may hold personal data. ``unexpected`` logged it already
    (type and place, no text), so here it ends.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Run the app; an exception that reaches here was answered and logged."""
        with contextlib.suppress(Exception):  # answered with 500 and logged by the handler
            await self.app(scope, receive, send)


_DESCRIPTIONS = {**TITLES, status.HTTP_422_UNPROCESSABLE_CONTENT: VALIDATION_TITLE}


# What each documented problem looks like: its detail and the fields it names (the OpenAPI's example).
EXAMPLE_INSTANCE = "/api/v1/schools/25AB00/attendance"
_UNREADABLE = "geen geldige JSON (regel 1, kolom 12)"
_EXAMPLE_DETAILS: dict[int, tuple[str, list[FieldError]]] = {
    status.HTTP_400_BAD_REQUEST: (f"de body is {_UNREADABLE}",
                                  [FieldError(field="(body)", message=_UNREADABLE)]),
    status.HTTP_401_UNAUTHORIZED: ("geef de API-sleutel mee (Authorization: Bearer ...)", []),
    status.HTTP_403_FORBIDDEN: ("deze sleutel hoort bij een andere school", []),
    status.HTTP_404_NOT_FOUND: ("melding 0b8f2a9e-6d55-5c1e-9a31-4c3d0f0e9d11 bestaat niet", []),
    status.HTTP_409_CONFLICT: ("melding met status 'verzonden' kan niet meer worden aangepast", []),
    status.HTTP_413_CONTENT_TOO_LARGE: ("het verzoek is groter dan 16777216 bytes; lever in kleinere "
                                        "batches", []),
    status.HTTP_422_UNPROCESSABLE_CONTENT: (
        "1 fout(en), eerst in 'records[3].date'",
        [FieldError(field="records[3].date", message="geen geldige datum")]),
}


def problem_example(status_code: int) -> dict[str, Any]:
    """An example problem document for ``status_code``, as the OpenAPI shows it."""
    detail, errors = _EXAMPLE_DETAILS.get(status_code, (None, []))
    generic = http_problem(status_code)
    slug, title = ((VALIDATION_SLUG, VALIDATION_TITLE) if status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
                   else (generic.slug, generic.title))
    return problem_document(ApiProblem(status_code, slug, title, detail, errors), EXAMPLE_INSTANCE)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem statuses, each with an example."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {s: {"model": Problem, "description": _DESCRIPTIONS.get(s, FALLBACK_TITLE),
                "content": {PROBLEM_MEDIA_TYPE: {"schema": schema, "example": problem_example(s)}}}
            for s in statuses}
