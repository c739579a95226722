"""Writing values in a Dutch mail text: dates, ja/nee, hours, and aligned ``label: value`` rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

# What an undecided field reads as: never a made-up "nee" (the gate holds incomplete meldingen).
NOT_FILLED = "niet ingevuld"
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")

Row = tuple[str, str | None]


def datum(day: date | None) -> str:
    """A date written out in Dutch (``1 september 2026``); ``open`` when there is none."""
    if day is None:
        return "open"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def ja_nee(value: bool | None) -> str:
    """``ja`` or ``nee``; an undecided value reads ``niet ingevuld``, never ``nee``."""
    if value is None:
        return NOT_FILLED
    return "ja" if value else "nee"


def filled(text: str | None) -> str:
    """A free text as given, or ``niet ingevuld`` when nobody gave it."""
    return text.strip() if text and text.strip() else NOT_FILLED


def uren(hours: float) -> str:
    """Hours with a decimal comma and two decimals (``16,50``)."""
    return f"{hours:.2f}".replace(".", ",")


def capital(text: str) -> str:
    """``text`` with its first letter a capital (labels are kept lower case at their owner)."""
    return text[:1].upper() + text[1:]


def rows(pairs: Sequence[Row]) -> list[str]:
    """The aligned ``label: value`` lines of one block; a row without a value is left out, and the
    further lines of a value of several lines continue under its first."""
    shown = [(label, value) for label, value in pairs if value]
    width = max((len(label) for label, _ in shown), default=0) + 1
    out: list[str] = []
    for label, value in shown:
        first, *rest = str(value).splitlines() or [""]
        out.append(f"  {label + ':':<{width}} {first}".rstrip())
        out.extend(f"  {'':<{width}} {line}".rstrip() for line in rest)
    return out
