"""What the console's list pages share: the view read from the URL (or a redirect to its short
address), the choices of the filter fields in Dutch, and rendering with 422 when a filter is refused."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request, status
from fastapi.responses import Response

from gateway.console import auth
from gateway.console.formatting import MELDING_NAMES, STATUS_NAMES
from gateway.console.listing import ListSpec, ListView, list_view
from gateway.console.pages.common import base_context, page, see_other
from gateway.rules.catalogue import RECIPIENT_NAMES
from gateway.store.engine import Store
from gateway.store.melding_search import leslocaties_in_use

Options = list[tuple[str, str]]
# A section beside a list (receivers late, students not on a timetable) shows at most this many rows,
# the most urgent first, and says how many there are in all.
SECTION_LIMIT = 100


def named(codes: Iterable[str], names: Mapping[str, str]) -> Options:
    """Codes with their names for people, in the order given."""
    return [(code, names.get(code, code)) for code in codes]


def rule_options(codes: Iterable[str] = MELDING_NAMES) -> Options:
    """Rules (and kinds beyond them) by name."""
    return named(codes, MELDING_NAMES)


def status_options(codes: Iterable[str] = STATUS_NAMES) -> Options:
    """Statuses by name."""
    return named(codes, STATUS_NAMES)


def recipient_options() -> Options:
    """Recipients by name."""
    return named(RECIPIENT_NAMES, RECIPIENT_NAMES)


def location_options(store: Store, school_id: str) -> Options:
    """The leslocaties of the school's students and meldingen."""
    return [(name, name) for name in leslocaties_in_use(store, school_id)]


def read_view(request: Request, spec: ListSpec, options: Mapping[str, Options]) -> ListView | Response:
    """The list's view from the URL; a redirect (303) to its short address when the URL says the
    same view in more words (a sent form's empty fields, default values)."""
    view = list_view(request.url.path, request.query_params, spec, options)
    target = view.canonical()
    return see_other(target) if target else view


def render_list(request: Request, session: auth.Session, template: str, view: ListView,
                **context: Any) -> Response:
    """A list page; 422 (the form with the messages beside the fields, no rows) when the view was refused."""
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if view.errors else status.HTTP_200_OK
    return page(request, template, base_context(session, request, view=view, field_errors=view.errors,
                                                **context), status_code=code)
