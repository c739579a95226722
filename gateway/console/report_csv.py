"""The monthly report as one CSV in long format, as a Dutch spreadsheet opens it: ``;`` between
fields, a decimal comma, UTF-8 with a byte order mark, one figure per row.

Columns: ``maand;onderdeel;sleutel;naam;kengetal;waarde``. ``sleutel`` is what a program keys on
(the rule id, recipient code, leslocatie, month ``2026-09`` or figure id); ``naam`` the same for
people, in Dutch. A trend row's ``maand`` is its own month; every other row's is the report's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from gateway.console.formatting import MELDING_NAMES, maand
from gateway.console.report import Count, MonthReport
from gateway.console.spreadsheet import csv_bytes, decimal, text_cell
from gateway.rules.catalogue import RECIPIENT_NAMES

HEADER: Final = ("maand", "onderdeel", "sleutel", "naam", "kengetal", "waarde")
Row = tuple[str, str, str, str, str, str]


def _counts(month: str, part: str, counts: tuple[Count, ...], names: dict[str, str]) -> Iterator[Row]:
    for c in counts:
        name = text_cell(names.get(c.key, c.key))
        yield month, part, text_cell(c.key), name, "meldingen", str(c.meldingen)
        yield month, part, text_cell(c.key), name, "ingetrokken", str(c.withdrawn)


def _rows(r: MonthReport) -> Iterator[Row]:
    m = r.month.key
    yield from _counts(m, "totaal", (r.total,), {"totaal": "Alle meldingen"})
    yield from _counts(m, "regel", r.by_rule, MELDING_NAMES)
    yield from _counts(m, "leslocatie", r.by_location, {})
    yield from _counts(m, "ontvanger", r.by_recipient, RECIPIENT_NAMES)
    for p in r.trend:
        yield p.month.key, "per maand", p.month.key, maand(p.month.first), "meldingen", str(p.meldingen)
        yield p.month.key, "per maand", p.month.key, maand(p.month.first), "ingetrokken", str(p.withdrawn)
    t = r.timeliness
    for key, name, value in (("verschuldigd", "Termijn in deze maand", t.due),
                             ("op-tijd", "Op tijd afgeleverd", t.on_time),
                             ("te-laat", "Te laat afgeleverd", t.late),
                             ("open", "Niet afgeleverd, termijn verstreken", t.overdue),
                             ("binnen-termijn", "Nog niet afgeleverd, binnen de termijn", t.not_yet_due)):
        yield m, "tijdigheid", key, name, "meldingen", str(value)
    share = None if t.share_on_time is None else 100 * t.share_on_time
    yield m, "tijdigheid", "aandeel-op-tijd", "Op tijd, van de besliste", "procent", decimal(share)
    yield m, "tijdigheid", "mediaan-dagen-vroeg", "Mediaan dagen vóór de termijn (op tijd)", "dagen", \
        decimal(t.median_days_early)
    yield m, "tijdigheid", "mediaan-dagen-laat", "Mediaan dagen na de termijn (te laat)", "dagen", \
        decimal(t.median_days_late)
    yield from _no_show(r)


def _no_show(r: MonthReport) -> Iterator[Row]:
    f, m = r.no_show, r.month.key
    year = f"schooljaar {f.year.label}"
    for key, name, unit, value in (
            ("binnen-7-dagen-verwerkt", "No-show-meldingen binnen 7 dagen verwerkt", "procent",
             decimal(f.share_processed)),
            ("gestart-voor-peildatum", "Jongeren alsnog gestart vóór 1 oktober", "procent",
             decimal(f.share_started)),
            ("no-shows", "No-shows (jongeren)", "jongeren", str(f.no_shows)),
            ("no-show-meldingen", "No-show-meldingen", "meldingen", str(f.meldingen)),
            ("verwerkt-op-tijd", "Binnen 7 dagen verwerkt", "meldingen", str(f.processed_in_time)),
            ("verwerkt-te-laat", "Te laat verwerkt", "meldingen", str(f.processed_late)),
            ("verwerking-lopend", "Verwerking lopend", "meldingen", str(f.running)),
            ("niet-afgeleverd", "Niet afgeleverd", "meldingen", str(f.undelivered)),
            ("herstarters", "Herstarters", "jongeren", str(f.herstarters)),
            ("uitvallers", "Uitvallers", "jongeren", str(f.uitvallers)),
            ("doorgeleid", "Doorgeleid", "jongeren", str(f.doorgeleid)),
            ("zonder-uitkomst", "Zonder uitkomst", "jongeren", str(f.without_outcome))):
        yield m, "no-show", key, f"{name}, {year}", unit, value


def report_csv(report: MonthReport) -> bytes:
    """The report as CSV bytes: BOM, header, one figure per row, CRLF line ends."""
    return csv_bytes(HEADER, _rows(report))


def filename(report: MonthReport) -> str:
    """``verzuimrapportage-<school>-<yyyy-mm>``: the download's name without ``.csv``."""
    return f"verzuimrapportage-{report.school_id}-{report.month.key}"
