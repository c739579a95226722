"""The school's work on its meldingen through the API: read and fill in the content, approve, and
file a melding no rule produced. The same use cases as the console (``gateway.pipeline``), the same
gate; the audit names the API key (its id, never the secret), not a person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Request, status
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from gateway import pipeline
from gateway.access_keys import key_id_of
from gateway.api.app_state import store_of, today_of
from gateway.api.auth import api_key_header, authorised_school, bearer
from gateway.api.melding_schemas import (
    ContentOut,
    ManualIn,
    MeldingOut,
    StatusOut,
    missing_out,
    soort_out,
)
from gateway.api.problems import TITLES, VALIDATION_SLUG, VALIDATION_TITLE, ApiProblem, FieldError, responses
from gateway.domain.errors import GatewayError, IncompleteMelding, InvalidInput
from gateway.domain.lifecycle import State
from gateway.domain.melding_content import MeldingContent, content_to_json, field_label, specification_to_json
from gateway.intake.melding_content import ContentIn, parse_content
from gateway.store import MeldingView, get_melding

School = Annotated[str, Depends(authorised_school)]
MeldingId = Annotated[str, Path(min_length=1, max_length=100, description="Id van de melding")]
READ_ERRORS = responses(status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN, status.HTTP_404_NOT_FOUND,
                        status.HTTP_422_UNPROCESSABLE_CONTENT)
WRITE_ERRORS = responses(status.HTTP_400_BAD_REQUEST, status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN,
                         status.HTTP_404_NOT_FOUND, status.HTTP_409_CONFLICT,
                         status.HTTP_413_CONTENT_TOO_LARGE, status.HTTP_422_UNPROCESSABLE_CONTENT)
INCOMPLETE_SLUG, INCOMPLETE_TITLE = "melding-onvolledig", "Melding nog niet volledig"
CONFLICT_SLUG, CONFLICT_TITLE = "status-staat-het-niet-toe", TITLES[status.HTTP_409_CONFLICT]


def api_actor(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
              header_key: Annotated[str | None, Depends(api_key_header)]) -> str:
    """Who acts, for the audit: the id of the presented API key (checked by ``authorised_school``)."""
    key = credentials.credentials if credentials is not None else header_key
    return f"api-sleutel:{key_id_of(key or '', 'vg') or 'onbekend'}"


Actor = Annotated[str, Depends(api_actor)]


def melding_or_404(request: Request, school_id: str, melding_id: str) -> MeldingView:
    """The school's melding, or a 404 problem (another school's melding is not there)."""
    view = get_melding(store_of(request), melding_id, school_id=school_id)
    if view is None:
        raise ApiProblem(status.HTTP_404_NOT_FOUND, "onbekende-melding", "Niet gevonden",
                         f"melding {melding_id} bestaat niet")
    return view


def _message(exc: InvalidInput) -> str:
    return str(exc).removeprefix(f"{exc.where}: ") if exc.where else str(exc)


def incomplete(exc: IncompleteMelding) -> ApiProblem:
    """The 409 problem of a melding that misses fields, naming each one in Dutch."""
    errors = [FieldError(field=name, message=f"nog in te vullen: {field_label(name)}")
              for name in exc.missing]
    return ApiProblem(status.HTTP_409_CONFLICT, INCOMPLETE_SLUG, INCOMPLETE_TITLE, _message(exc), errors)


def invalid(exc: InvalidInput) -> ApiProblem:
    """The 422 problem of input the use case refused, naming the field."""
    field = exc.where or "(verzoek)"
    return ApiProblem(status.HTTP_422_UNPROCESSABLE_CONTENT, VALIDATION_SLUG, VALIDATION_TITLE,
                      f"1 fout, in '{field}'", [FieldError(field=field, message=_message(exc))])


def conflict(detail: str) -> ApiProblem:
    """The 409 problem of a melding whose status does not allow the request."""
    return ApiProblem(status.HTTP_409_CONFLICT, CONFLICT_SLUG, CONFLICT_TITLE, detail)


def _content(request: Request, body: ContentIn) -> MeldingContent:
    """The body as content, with the intake's own checks (a contact attempt after today)."""
    try:
        return parse_content(body.model_dump(mode="json"), today=today_of(request))
    except InvalidInput as exc:
        raise invalid(exc) from exc


def _status_out(request: Request, school_id: str, melding_id: str,
                missing: tuple[str, ...] = ()) -> StatusOut:
    view = melding_or_404(request, school_id, melding_id)
    return StatusOut(melding_id=view.id, status=view.status, missing=missing_out(missing) or [])


def _save(request: Request, school_id: str, melding_id: str, content: MeldingContent,
          actor: str) -> StatusOut:
    view = melding_or_404(request, school_id, melding_id)
    if State(view.status) not in pipeline.EDITABLE:
        raise conflict(f"melding met status '{view.status}' kan niet meer worden aangepast")
    try:
        missing = pipeline.save_content(store_of(request), school_id, melding_id, content, actor)
    except IncompleteMelding as exc:
        raise incomplete(exc) from exc
    except InvalidInput as exc:
        raise (conflict(_message(exc)) if exc.where == "status" else invalid(exc)) from exc
    return _status_out(request, school_id, melding_id, missing)


def _file(request: Request, school_id: str, body: ManualIn, actor: str) -> Response:
    content = _content(request, body.content) if body.content is not None else MeldingContent()
    today = today_of(request)
    manual = pipeline.ManualRequest(student_id=body.student_id, kind=body.kind,
                                    period_start=body.period_start, period_end=body.period_end,
                                    content=content)
    try:
        filed = pipeline.file_manual(store_of(request), school_id, manual, actor, today)
    except InvalidInput as exc:
        raise invalid(exc) from exc
    out = MeldingOut.of(melding_or_404(request, school_id, filed.melding_id))
    location = f"{request.url.path}/{filed.melding_id}"
    code = status.HTTP_201_CREATED if filed.created else status.HTTP_200_OK
    return JSONResponse(out.model_dump(mode="json"), status_code=code, headers={"Location": location})


def add_melding_work(router: APIRouter) -> None:
    """Add the content, approval and manual-filing endpoints to the meldingen router."""

    @router.get("/{melding_id}/inhoud", response_model=ContentOut, summary="Inhoud van een melding",
                description="Wat de school invulde, de inhoud waarmee de melding verzonden wordt (met de "
                            "gegevens uit het administratiesysteem en de standaarden van het profiel) en wat "
                            "nog ontbreekt.",
                responses=READ_ERRORS)
    def get_content(school_id: School, request: Request, melding_id: MeldingId) -> ContentOut:
        """What the school filled in, what the melding resolves to and what is still missing."""
        view = melding_or_404(request, school_id, melding_id)
        review = pipeline.content_review(store_of(request), school_id, view.id)
        spec = specification_to_json(review.specification) if review.specification else None
        return ContentOut.model_validate({
            "melding_id": view.id, "status": view.status, "stored": content_to_json(review.stored),
            "resolved": content_to_json(review.resolved), "missing": missing_out(review.missing) or [],
            "editable": review.editable, "specification": spec,
            "vermoedelijke_soort": soort_out(review.soort)})

    @router.put("/{melding_id}/inhoud", response_model=StatusOut, summary="Inhoud van een melding invullen",
                description="Sla op wat de school invult (vervangt wat eerder was ingevuld); het antwoord "
                            "noemt de status en de velden die nog ontbreken. 409 zodra de melding verzonden "
                            "is, of als een goedgekeurde melding een veld zou missen.",
                responses=WRITE_ERRORS)
    def put_content(school_id: School, actor: Actor, request: Request, melding_id: MeldingId,
                    body: Annotated[ContentIn, Body()]) -> StatusOut:
        """Store what the school fills in (replacing what it filled in before); answers the status and
        the fields still missing. 409 once the melding went out, or when an approved melding would
        miss a field."""
        return _save(request, school_id, melding_id, _content(request, body), actor)

    @router.post("/{melding_id}/goedkeuren", response_model=StatusOut, summary="Melding goedkeuren",
                 description="Keur een conceptmelding goed: zij gaat daarna uit. 409 met elk ontbrekend veld "
                             "zolang zij onvolledig is, of als zij geen concept is.",
                 responses=WRITE_ERRORS)
    def approve(school_id: School, actor: Actor, request: Request, melding_id: MeldingId) -> StatusOut:
        """Approve a concept melding: it goes out. 409 naming every missing field while it is incomplete,
        or when it is no concept."""
        view = melding_or_404(request, school_id, melding_id)
        try:
            pipeline.approve(store_of(request), school_id, view.id, actor)
        except IncompleteMelding as exc:
            raise incomplete(exc) from exc
        except GatewayError as exc:
            raise conflict(str(exc)) from exc
        return _status_out(request, school_id, view.id)

    @router.post("", response_model=MeldingOut, status_code=status.HTTP_201_CREATED,
                 summary="Melding indienen die geen regel maakte",
                 description="Dien een beginnend verzuim, signaalverzuim of zorgmelding in; zij komt in de "
                             "beoordeling zoals de melding van een regel (201 met Location). Dezelfde "
                             "student, soort en begindatum nog eens: 200 met de eerste melding.",
                 responses={**WRITE_ERRORS, status.HTTP_200_OK: {
                     "model": MeldingOut, "description": "Dezelfde melding was al ingediend: de eerste"}})
    def file(school_id: School, actor: Actor, request: Request,
             body: Annotated[ManualIn, Body()]) -> Response:
        """File a beginnend verzuim, signaalverzuim or zorgmelding; it enters the review queue like a
        rule's melding (201, Location). The same student, kind and start date again: 200 with the first."""
        return _file(request, school_id, body, actor)
