"""DUO code tables: DUO status values to canonical ones, and which verzuimsoorten may stay open.

The table of rule id to verzuimsoort belongs to the melding document both channels send: it lives
in ``gateway.delivery.document.verzuimsoort``.
"""

from __future__ import annotations

# Verzuimsoorten whose melding may have an open end date: continuing absence (LRV, RMC), beginnend
# verzuim and signaalverzuim reported while it goes on, and an uitschrijving (no verzuim period).
OPEN_END_ALLOWED = frozenset({"LRV", "RMC", "B", "S", "U"})

# DUO status values (and the old one-letter codes) -> canonical lowercase statuses.
STATUS: dict[str, str] = {
    "Geregistreerd": "geregistreerd",
    "In behandeling": "in_behandeling",
    "Afgesloten": "afgesloten",
    "Ter kennisgeving aangenomen": "ter_kennisgeving",
    "Ingetrokken": "ingetrokken",
    # Legacy, abolished in 2020 but still on old meldingen: handed on, so still being handled.
    "Overgedragen aan derden": "in_behandeling",
    "R": "geregistreerd",
    "B": "in_behandeling",
    "G": "afgesloten",
    "K": "ter_kennisgeving",
    "I": "ingetrokken",
    "D": "in_behandeling",
}


def canonical_status(value: str | None) -> str | None:
    """The canonical status for a DUO status value; unknown values pass through lowercased."""
    if value is None:
        return None
    text = value.strip()
    return STATUS.get(text, text.lower().replace(" ", "_"))
