"""DUO code tables: rule ids to verzuimsoort codes, and DUO status values to canonical ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Soort:
    """How one rule is reported to DUO: verzuimsoort under 18, from 18 on, and the aanleiding."""

    under_18: str
    from_18: str
    aanleiding: str


# The one table: rule id -> DUO verzuimsoort (V3 16 uur < 18, V4 16 uur 18+, LRV, RMC,
# L luxe verzuim, O overig). sf-4w-contact is a school task and never goes to DUO.
VERZUIMSOORT: dict[str, Soort] = {
    "verzuim-16u": Soort("V3", "V4", "ZESTIEN_UUR"),
    "herhaalmelding": Soort("V3", "V4", "HERHAALMELDING"),
    "lrv": Soort("LRV", "LRV", "LANGDURIG_RELATIEF_VERZUIM"),
    "rmc-4w": Soort("RMC", "RMC", "RMC_VIER_WEKEN"),
    "luxe-verzuim": Soort("L", "L", "LUXE_VERZUIM"),
    "no-show": Soort("O", "O", "NO_SHOW"),
    "te-laat": Soort("O", "O", "TE_LAAT"),
    "ziek-zonder-verklaring": Soort("O", "O", "ZIEK_ZONDER_VERKLARING"),
    "sf-8w-ma": Soort("O", "O", "MA_STUDIEFINANCIERING"),
}

# Verzuimsoorten whose melding may have an open end date (continuing absence).
OPEN_END_ALLOWED = frozenset({"LRV", "RMC"})

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


def verzuimsoort(rule: str, birth_date: date, on: date) -> tuple[str, str]:
    """The (verzuimsoort, aanleiding) for a rule, given the student's age on the trigger date."""
    soort = VERZUIMSOORT[rule]
    return (soort.from_18 if age_on(birth_date, on) >= 18 else soort.under_18), soort.aanleiding


def age_on(birth_date: date, on: date) -> int:
    """Age in whole years on a date."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def canonical_status(value: str | None) -> str | None:
    """The canonical status for a DUO status value; unknown values pass through lowercased."""
    if value is None:
        return None
    text = value.strip()
    return STATUS.get(text, text.lower().replace(" ", "_"))
