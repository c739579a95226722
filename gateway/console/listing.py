"""What every console list shares: its filter state read strictly from the URL, the links that keep
that state (sort, paging, bookmark), and the paging figures.

A list's whole view lives in its query string, so a view can be bookmarked and sent on. A value that
is not valid is not dropped: the page shows the filter form again with a Dutch message beside the
field and lists nothing, rather than a list that silently ignores part of what was asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Final
from urllib.parse import parse_qsl, urlencode

from gateway.store.melding_search import MeldingQuery

# Every filter a list can offer, by its query parameter; a list names the ones it offers.
ZOEK, REGEL, STATUS, AAN, LOCATIE = "zoek", "regel", "status", "aan", "locatie"
VAN, TOT, ACTIE, GEMELD = "van", "tot", "actie", "gemeld"
SORTEER, PAGINA, PER = "sorteer", "pagina", "per"
# Parameters a page reads itself (a confirmation after a form): allowed beside every list's filters.
PAGE_PARAMS: Final = frozenset({"bericht", "vastgelegd"})
# The yes/no filters: "needs my action" and "only students with meldingen".
SWITCHES: Final = (ACTIE, GEMELD)
PAGE_SIZES: Final = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE: Final = 50
MAX_SEARCH: Final = 100


@dataclass(frozen=True)
class ListFilters:
    """One list's view: filters, sort (a key; ``-`` first for descending) and page."""

    zoek: str = ""
    regel: str = ""
    status: str = ""
    aan: str = ""
    locatie: str = ""
    van: date | None = None
    tot: date | None = None
    actie: bool = False
    gemeld: bool = False
    sorteer: str = ""
    pagina: int = 1
    per: int = DEFAULT_PAGE_SIZE

    @property
    def sort_key(self) -> str:
        """The sort column's key, without the direction."""
        return self.sorteer.removeprefix("-")

    @property
    def descending(self) -> bool:
        """True when sorted from high to low."""
        return self.sorteer.startswith("-")

    @property
    def offset(self) -> int:
        """The first row of this page, counted from 0."""
        return (self.pagina - 1) * self.per


@dataclass(frozen=True)
class ListSpec:
    """What one list offers: its filters, its sort keys (the first is the default) and the values a
    choice filter accepts (``regel``, ``status``, ``aan``, ``locatie``)."""

    filters: frozenset[str]
    sort_keys: tuple[str, ...]
    default_sort: str
    choices: Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Parsed:
    """The filters read from a URL, and the Dutch message per query parameter that was not valid."""

    filters: ListFilters
    errors: dict[str, str]


def read_dates(params: Mapping[str, str], errors: dict[str, str]) -> dict[str, date]:
    """The period (``van``, ``tot``) from the query parameters; a message in ``errors`` per date that
    is not one, and for an end before the start."""
    period: dict[str, date] = {}
    for name in (VAN, TOT):
        raw = params.get(name, "").strip()
        if raw:
            try:
                period[name] = date.fromisoformat(raw)
            except ValueError:
                errors[name] = "geen geldige datum (jjjj-mm-dd)"
    if VAN in period and TOT in period and period[TOT] < period[VAN]:
        errors[TOT] = "de einddatum ligt voor de begindatum"
    return period


def read_paging(params: Mapping[str, str], errors: dict[str, str]) -> dict[str, int]:
    """The page and page size from the query parameters; a message in ``errors`` per one unusable."""
    paging: dict[str, int] = {}
    page = params.get(PAGINA, "").strip()
    if page:
        if not page.isdigit() or int(page) < 1:
            errors[PAGINA] = "paginanummer moet 1 of hoger zijn"
        else:
            paging[PAGINA] = int(page)
    size = params.get(PER, "").strip()
    if size:
        if not size.isdigit() or int(size) not in PAGE_SIZES:
            errors[PER] = "kies " + ", ".join(str(s) for s in PAGE_SIZES) + " per pagina"
        else:
            paging[PER] = int(size)
    return paging


def _read_value(name: str, raw: str, spec: ListSpec) -> tuple[object, str | None]:
    """One filter's value as sent, and what is wrong with it (None: nothing)."""
    if name in SWITCHES:
        return True, None if raw in ("1", "ja") else "kies 'ja' of laat leeg"
    if name == ZOEK:
        return raw, None if len(raw) <= MAX_SEARCH else f"zoekterm is langer dan {MAX_SEARCH} tekens"
    return raw, None if raw in spec.choices.get(name, frozenset()) else f"onbekende waarde '{raw}'"


def parse_filters(params: Mapping[str, str], spec: ListSpec) -> Parsed:
    """Read a list's view from its query parameters; every parameter it does not know, or value it
    cannot use, is an error named by the parameter."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {"sorteer": spec.default_sort}
    known = spec.filters | {SORTEER, PAGINA, PER} | PAGE_PARAMS
    for name in sorted(set(params) - known):
        errors[name] = f"onbekende filter '{name}' in het adres"
    for name in sorted(spec.filters & set(params) - {VAN, TOT}):
        raw = params[name].strip()
        if raw:
            values[name], problem = _read_value(name, raw, spec)
            if problem:
                errors[name] = problem
    values.update(read_dates({k: v for k, v in params.items() if k in spec.filters}, errors))
    sort = params.get(SORTEER, "").strip()
    if sort:
        if sort.removeprefix("-") not in spec.sort_keys:
            errors[SORTEER] = f"kan niet sorteren op '{sort}'"
        values[SORTEER] = sort
    values.update(read_paging(params, errors))
    filters = ListFilters(**values)  # type: ignore[arg-type]  # keys are the dataclass's own fields
    return Parsed(filters, errors)


def changed_pairs(view: object, default: object, names: Iterable[str]) -> list[tuple[str, str]]:
    """The fields ``names`` of a view (a dataclass) that differ from ``default``, as query pairs."""
    pairs: list[tuple[str, str]] = []
    for name in names:
        value = getattr(view, name)
        if value != getattr(default, name):
            text = "1" if value is True else value.isoformat() if isinstance(value, date) else str(value)
            pairs.append((name, text))
    return pairs


def query_string(filters: ListFilters, spec: ListSpec, **changes: object) -> str:
    """The query string of ``filters`` with ``changes`` applied, leaving out default values (so a
    bookmark stays short); ``?`` included, or empty."""
    view = replace(filters, **changes)  # type: ignore[arg-type]  # field names of ListFilters
    names = [f.name for f in fields(ListFilters) if f.name in spec.filters | {SORTEER, PAGINA, PER}]
    pairs = changed_pairs(view, ListFilters(sorteer=spec.default_sort), names)
    return "?" + urlencode(pairs) if pairs else ""


def sort_link(filters: ListFilters, spec: ListSpec, key: str) -> str:
    """The query string that sorts on ``key``: ascending first, descending when already ascending;
    back to page 1."""
    sort = f"-{key}" if filters.sort_key == key and not filters.descending else key
    return query_string(filters, spec, sorteer=sort, pagina=1)


@dataclass(frozen=True)
class Paging:
    """Where a page lies in the whole list: totals for "51–100 van 1.234"."""

    total: int
    page: int
    per: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least 1)."""
        return max(1, -(-self.total // self.per))

    @property
    def first_row(self) -> int:
        """The number of the page's first row (1-based; 0 when the list is empty)."""
        return 0 if self.total == 0 else min(self.total, (self.page - 1) * self.per + 1)

    @property
    def last_row(self) -> int:
        """The number of the page's last row."""
        return min(self.total, self.page * self.per)

    @property
    def has_previous(self) -> bool:
        """True when there is a page before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """True when there is a page after this one."""
        return self.page < self.pages


# What a list's filter form calls each field (a page may name one differently).
LABELS: Final = {
    ZOEK: "Zoek op naam of leerlingnummer", REGEL: "Regel", STATUS: "Status", AAN: "Aan",
    LOCATIE: "Leslocatie", VAN: "Datum vanaf", TOT: "Datum tot en met", ACTIE: "Alleen wat actie nodig heeft",
    GEMELD: "Alleen leerlingen met meldingen", PER: "Per pagina",
}
# The order of the fields in every filter form.
FIELD_ORDER: Final = (ZOEK, REGEL, STATUS, AAN, LOCATIE, VAN, TOT, ACTIE, GEMELD)


@dataclass(frozen=True)
class ListView:
    """What a list page's template needs: the view read from the URL (with what was typed, so a
    refused form is shown as it was sent), the choices per field, the links that keep the view, and
    the paging once the total is known."""

    path: str
    spec: ListSpec
    parsed: Parsed
    typed: Mapping[str, str]
    options: Mapping[str, list[tuple[str, str]]]
    total: int = 0
    labels: Mapping[str, str] = field(default_factory=lambda: LABELS)

    @property
    def filters(self) -> ListFilters:
        """The view's filters, sort and page."""
        return self.parsed.filters

    @property
    def errors(self) -> dict[str, str]:
        """The Dutch message per query parameter that was not valid."""
        return self.parsed.errors

    @property
    def fields(self) -> list[str]:
        """The filter fields this list offers, in the form's order."""
        return [name for name in FIELD_ORDER if name in self.spec.filters]

    @property
    def filtered(self) -> bool:
        """True when any filter narrows the list."""
        return any(getattr(self.filters, name) not in ("", None, False) for name in self.fields)

    @property
    def stray_errors(self) -> dict[str, str]:
        """Errors of parameters without a field of their own (unknown names, sort, page)."""
        own = set(self.fields) | {PER}
        return {name: text for name, text in self.errors.items() if name not in own}

    @property
    def page_sizes(self) -> list[tuple[str, str]]:
        """The page sizes to choose from (value and label)."""
        return [(str(size), str(size)) for size in PAGE_SIZES]

    @property
    def paging(self) -> Paging:
        """Where this page lies in the whole list."""
        return Paging(self.total, self.filters.pagina, self.filters.per)

    @property
    def sorted_off_default(self) -> bool:
        """True when the list is sorted other than by default (the form then carries the sort)."""
        return self.filters.sorteer != self.spec.default_sort

    def value(self, name: str) -> str:
        """What the field shows: what was typed, else the view's value."""
        if name in self.typed:
            return self.typed[name]
        value = getattr(self.filters, name)
        return value.isoformat() if isinstance(value, date) else "" if value in (None, False) else str(value)

    def link(self, **changes: object) -> str:
        """This list's address with ``changes`` to the view (back to page 1 unless a page is given)."""
        changes.setdefault(PAGINA, 1)
        return self.path + query_string(self.filters, self.spec, **changes)

    def page_link(self, page: int) -> str:
        """The address of page ``page`` of this view."""
        return self.link(pagina=page)

    def sort_href(self, key: str) -> str:
        """The address that sorts on ``key`` (ascending first, then descending)."""
        return self.path + sort_link(self.filters, self.spec, key)

    def aria_sort(self, key: str) -> str:
        """``ascending``, ``descending`` or ``none`` for a column's header."""
        if self.filters.sort_key != key:
            return "none"
        return "descending" if self.filters.descending else "ascending"

    def canonical(self) -> str | None:
        """The view's own address when the URL says it in other words (empty fields of a sent form,
        default values), so a bookmark is short; None when the URL is already that address or a
        page parameter (a confirmation) is in it."""
        if self.errors or PAGE_PARAMS & set(self.typed):
            return None
        own = query_string(self.filters, self.spec)
        given = sorted(self.typed.items())
        return None if given == sorted(parse_qsl(own.removeprefix("?"))) else self.path + own


def list_view(path: str, params: Mapping[str, str], spec: ListSpec,
              options: Mapping[str, list[tuple[str, str]]]) -> ListView:
    """A list's view read from its query parameters (``options``: value and label per choice;
    the spec's accepted choices are these values)."""
    choices = {name: frozenset(value for value, _ in pairs) for name, pairs in options.items()}
    spec = replace(spec, choices={**spec.choices, **choices})
    typed = {name: params[name] for name in params}
    return ListView(path, spec, parse_filters(params, spec), typed, options)


def melding_query(filters: ListFilters, *, statuses: tuple[str, ...] = (), rules: tuple[str, ...] = (),
                  due_only: bool = False) -> MeldingQuery:
    """The store's query for a meldingen list's view; ``statuses`` and ``rules`` are the list's own
    scope, narrowed by the view's choice (which the spec only accepts from within that scope)."""
    return MeldingQuery(
        statuses=(filters.status,) if filters.status else statuses,
        rules=(filters.regel,) if filters.regel else rules,
        recipients=(filters.aan,) if filters.aan else (),
        leslocatie=filters.locatie or None, trigger_from=filters.van, trigger_to=filters.tot,
        due_only=due_only, search=filters.zoek, needs_action=filters.actie,
        sort=filters.sort_key, descending=filters.descending, limit=filters.per, offset=filters.offset)
