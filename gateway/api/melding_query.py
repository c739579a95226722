"""The query of the meldingen list: its filters (only values that exist), the total, the next page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import Query, Request, status

from gateway.api.problems import VALIDATION_SLUG, VALIDATION_TITLE, ApiProblem, FieldError
from gateway.domain.lifecycle import State
from gateway.rules.catalogue import RULE_IDS
from gateway.store import Store
from gateway.store.schema import meldingen

STATUSES = tuple(s.value for s in State)


@dataclass
class MeldingFilter:
    """Which meldingen, and which page of them."""

    status: Annotated[str | None, Query(max_length=40, json_schema_extra={"enum": list(STATUSES)},
                                        description="Status van de melding")] = None
    student_id: Annotated[str | None, Query(max_length=200, description="Studentnummer")] = None
    rule: Annotated[str | None, Query(max_length=40, json_schema_extra={"enum": list(RULE_IDS)},
                                      description="Regel uit de catalogus")] = None
    kind: Annotated[Literal["melding", "taak", "signaal"] | None,
                    Query(description="Soort: melding (naar een ontvanger), taak of signaal (voor de "
                                      "school)")] = None
    limit: Annotated[int, Query(ge=1, le=500, description="Hoogstens zoveel meldingen per pagina")] = 100
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Zoveel meldingen overslaan")] = 0


def check_filter(query: MeldingFilter) -> None:
    """Refuse a status or rule that does not exist (it would silently match nothing), naming it."""
    errors = [FieldError(field=name, message=f"onbekende waarde '{value}'; kies uit {', '.join(allowed)}")
              for name, value, allowed in (("status", query.status, STATUSES), ("rule", query.rule, RULE_IDS))
              if value is not None and value not in allowed]
    if errors:
        raise ApiProblem(status.HTTP_422_UNPROCESSABLE_CONTENT, VALIDATION_SLUG, VALIDATION_TITLE,
                         f"{len(errors)} fout(en), eerst in '{errors[0].field}'", errors)


def count_meldingen(store: Store, school_id: str, query: MeldingFilter) -> int:
    """How many meldingen of the school match the filters (all pages)."""
    conditions = [meldingen.c.school_id == school_id]
    for column, value in ((meldingen.c.status, query.status), (meldingen.c.student_id, query.student_id),
                          (meldingen.c.rule, query.rule), (meldingen.c.kind, query.kind)):
        if value is not None:
            conditions.append(column == value)
    with store.read() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(meldingen).where(*conditions)) or 0)


def next_link(request: Request, query: MeldingFilter, total: int) -> str | None:
    """Path and query of the page after this one, or None when this is the last."""
    following = query.offset + query.limit
    if following >= total:
        return None
    url = request.url.include_query_params(limit=query.limit, offset=following)
    return f"{url.path}?{url.query}"
