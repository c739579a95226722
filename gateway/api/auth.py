"""API key authentication: a key (``Authorization: Bearer`` or ``X-API-Key``) sees only its school."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from gateway.api.app_state import store_of
from gateway.api.keys import school_of
from gateway.api.problems import ApiProblem

bearer = HTTPBearer(auto_error=False, description="API-sleutel van de school: vg_<id>_<geheim>")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Alternatief voor Bearer")

SchoolId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$",
                               description="Id van de school", examples=["25AB00"])]


def authorised_school(
    school_id: SchoolId,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    header_key: Annotated[str | None, Depends(api_key_header)],
) -> str:
    """The school of the path, once the presented key is known to belong to it."""
    key = credentials.credentials if credentials is not None else header_key
    if not key:
        raise ApiProblem(status.HTTP_401_UNAUTHORIZED, "niet-aangemeld", "Niet aangemeld",
                         "geef de API-sleutel van de school mee (Authorization: Bearer ...)")
    owner = school_of(store_of(request), key)
    if owner is None:
        raise ApiProblem(status.HTTP_401_UNAUTHORIZED, "niet-aangemeld", "Niet aangemeld",
                         "onbekende of ingetrokken API-sleutel")
    if owner != school_id:
        raise ApiProblem(status.HTTP_403_FORBIDDEN, "geen-toegang", "Geen toegang",
                         "deze sleutel hoort bij een andere school")
    return school_id
