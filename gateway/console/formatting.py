"""Dutch for people on the console: dates, times and numbers in ``nl_NL`` (Babel), times in
Europe/Amsterdam, and rule, status, reason and recipient names as words.

Every template reaches these as Jinja filters (``install``); a page never formats a value itself.
The names come from their owners (the rule catalogue, the lifecycle, the reasons); this module only
looks them up, so an unknown code shows as it is rather than failing the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Final

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from gateway.domain.calendar import AMSTERDAM
from gateway.domain.lifecycle import STATE_NAMES
from gateway.domain.reasons import REASON_NAMES
from gateway.domain.soort_verzuim import KIND_NAMES
from gateway.rules.catalogue import RECIPIENT_NAMES, RULE_NAMES

LOCALE: Final = "nl_NL"
# A melding's rule or kind by its name for people: the rules' own and every kind beyond them.
MELDING_NAMES: Final = {**RULE_NAMES, **KIND_NAMES}
STATUS_NAMES: Final = {state.value: name for state, name in STATE_NAMES.items()}
SIGNAL_KIND_NAMES: Final = {"melding": "melding", "taak": "taak voor de school", "signaal": "signaal"}
ATTENDANCE_NAMES: Final = {"absent": "afwezig", "late": "te laat", "present": "aanwezig"}
EMPTY: Final = "–"


def datum(day: date | datetime | None) -> str:
    """``2 sep 2026`` (a datetime is first taken to Amsterdam time)."""
    if day is None:
        return EMPTY
    if isinstance(day, datetime):
        day = local(day).date()
    return format_date(day, "d MMM y", locale=LOCALE)


def datum_kort(day: date | None) -> str:
    """``02-09-2026``: for narrow table columns."""
    return EMPTY if day is None else format_date(day, "dd-MM-y", locale=LOCALE)


def dag(day: date | None) -> str:
    """``wo 2 sep 2026``: a school day with its weekday."""
    return EMPTY if day is None else format_date(day, "EEEEEE d MMM y", locale=LOCALE)


def maand(day: date) -> str:
    """``september 2026``."""
    return format_date(day, "LLLL y", locale=LOCALE)


def local(moment: datetime | str) -> datetime:
    """A stored moment (naive UTC, aware, or ISO text) in Europe/Amsterdam time."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(AMSTERDAM)


def tijdstip(moment: datetime | str | None) -> str:
    """``2 sep 2026 14:03``, Amsterdam time, from a stored UTC moment."""
    if moment is None or moment == "":
        return EMPTY
    return format_datetime(local(moment), "d MMM y HH:mm", locale=LOCALE)


def getal(value: float | None, decimals: int = 0) -> str:
    """``1.234`` or, with ``decimals``, ``19,17``: Dutch grouping and decimal comma."""
    if value is None:
        return EMPTY
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def uren(hours: float | None) -> str:
    """``19,17``: hours with two decimals."""
    return getal(hours, 2)


def procent(fraction: float | None, decimals: int = 1) -> str:
    """``95,0%`` from a fraction (0.95)."""
    if fraction is None:
        return EMPTY
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return format_percent(fraction, format=pattern, locale=LOCALE)


def _named(names: Mapping[str, str]) -> Any:
    def name_of(code: str | None) -> str:
        return EMPTY if code is None else names.get(code, code)
    return name_of


regelnaam = _named(MELDING_NAMES)
statusnaam = _named(STATUS_NAMES)
redennaam = _named(REASON_NAMES)
ontvangernaam = _named(RECIPIENT_NAMES)
soortnaam = _named(SIGNAL_KIND_NAMES)
registratienaam = _named(ATTENDANCE_NAMES)


def ja_nee(value: bool | None) -> str:
    """``ja``, ``nee`` or ``niet gekozen``."""
    return {True: "ja", False: "nee"}.get(value, "niet gekozen") if value is not None else "niet gekozen"


FILTERS: Final = {
    "datum": datum, "datum_kort": datum_kort, "dag": dag, "maand": maand, "tijdstip": tijdstip,
    "getal": getal, "uren": uren, "procent": procent, "regelnaam": regelnaam, "statusnaam": statusnaam,
    "redennaam": redennaam, "ontvangernaam": ontvangernaam, "soortnaam": soortnaam,
    "registratienaam": registratienaam, "ja_nee": ja_nee,
}


def install(env: Any) -> None:
    """Give a Jinja environment these filters."""
    env.filters.update(FILTERS)
