"""What every console list shares: its filter state read strictly from the URL, the links that keep
that state (sort, paging, bookmark), and the paging figures.

A list's whole view lives in its query string, so a view can be bookmarked and sent on. A value that
is not valid is not dropped: the page shows the filter form again with a Dutch message beside the
field and lists nothing, rather than a list that silently ignores part of what was asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Final
from urllib.parse import urlencode

# Every filter a list can offer, by its query parameter; a list names the ones it offers.
ZOEK, REGEL, STATUS, AAN, LOCATIE = "zoek", "regel", "status", "aan", "locatie"
VAN, TOT, ACTIE = "van", "tot", "actie"
SORTEER, PAGINA, PER = "sorteer", "pagina", "per"
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


def _date(text: str) -> date:
    return date.fromisoformat(text)


def parse_filters(params: Mapping[str, str], spec: ListSpec) -> Parsed:  # noqa: C901, PLR0912  one branch per parameter, in the order of the form
    """Read a list's view from its query parameters; every parameter it does not know, or value it
    cannot use, is an error named by the parameter."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {"sorteer": spec.default_sort}
    known = spec.filters | {SORTEER, PAGINA, PER}
    for name in sorted(set(params) - known):
        errors[name] = f"onbekende filter '{name}' in het adres"
    for name in sorted(spec.filters & set(params)):
        raw = params[name].strip()
        if raw == "":
            continue
        if name in (VAN, TOT):
            try:
                values[name] = _date(raw)
            except ValueError:
                errors[name] = "geen geldige datum (jjjj-mm-dd)"
        elif name == ACTIE:
            if raw not in ("1", "ja"):
                errors[name] = "kies 'ja' of laat leeg"
            values[name] = True
        elif name == ZOEK:
            if len(raw) > MAX_SEARCH:
                errors[name] = f"zoekterm is langer dan {MAX_SEARCH} tekens"
            values[name] = raw
        else:
            allowed = spec.choices.get(name, frozenset())
            if raw not in allowed:
                errors[name] = f"onbekende waarde '{raw}'"
            values[name] = raw
    van, tot = values.get(VAN), values.get(TOT)
    if isinstance(van, date) and isinstance(tot, date) and tot < van:
        errors[TOT] = "de einddatum ligt voor de begindatum"
    sort = params.get(SORTEER, "").strip()
    if sort:
        if sort.removeprefix("-") not in spec.sort_keys:
            errors[SORTEER] = f"kan niet sorteren op '{sort}'"
        values[SORTEER] = sort
    page = params.get(PAGINA, "").strip()
    if page:
        if not page.isdigit() or int(page) < 1:
            errors[PAGINA] = "paginanummer moet 1 of hoger zijn"
        else:
            values[PAGINA] = int(page)
    size = params.get(PER, "").strip()
    if size:
        if not size.isdigit() or int(size) not in PAGE_SIZES:
            errors[PER] = "kies " + ", ".join(str(s) for s in PAGE_SIZES) + " per pagina"
        else:
            values[PER] = int(size)
    filters = ListFilters(**values)  # type: ignore[arg-type]  # keys are the dataclass's own fields
    return Parsed(filters, errors)


def query_string(filters: ListFilters, spec: ListSpec, **changes: object) -> str:
    """The query string of ``filters`` with ``changes`` applied, leaving out default values (so a
    bookmark stays short); ``?`` included, or empty."""
    view = replace(filters, **changes)  # type: ignore[arg-type]  # field names of ListFilters
    default = ListFilters(sorteer=spec.default_sort)
    pairs: list[tuple[str, str]] = []
    for f in fields(ListFilters):
        value = getattr(view, f.name)
        if value == getattr(default, f.name):
            continue
        if f.name not in spec.filters and f.name not in (SORTEER, PAGINA, PER):
            continue
        text = "1" if value is True else value.isoformat() if isinstance(value, date) else str(value)
        pairs.append((f.name, text))
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
