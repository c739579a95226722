"""The one table of how each melding kind is reported in a melding document: DUO's verzuimsoort and
aanleiding.

This table owns DUO's codes; the Besluit's vermoedelijke soort of each kind is owned by
``gateway.domain.soort_verzuim`` and looked up from there (``vermoedelijke_soort_code``), so
neither table repeats the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gateway.domain import soort_verzuim
from gateway.domain.age import ADULT_AGE, age_on


@dataclass(frozen=True)
class Soort:
    """How one melding kind is reported to DUO: verzuimsoort under ``ADULT_AGE``, from it on, and
    the aanleiding."""

    under_18: str
    from_18: str
    aanleiding: str


# The one table: melding kind (rule id, manual kind, uitschrijving) -> DUO verzuimsoort (V3 16 uur
# < 18, V4 16 uur 18+, LRV, RMC, L luxe verzuim, O overig; since schema version 2 B beginnend
# verzuim, S signaalverzuim, U uitschrijving). sf-4w-contact is a school task and never goes to DUO.
VERZUIMSOORT: dict[str, Soort] = {
    "verzuim-16u": Soort("V3", "V4", "ZESTIEN_UUR"),
    "herhaalmelding": Soort("V3", "V4", "HERHAALMELDING"),
    "lrv": Soort("LRV", "LRV", "LANGDURIG_RELATIEF_VERZUIM"),
    "rmc-4w": Soort("RMC", "RMC", "RMC_VIER_WEKEN"),
    "luxe-verzuim": Soort("L", "L", "LUXE_VERZUIM"),
    "no-show": Soort("O", "O", "NO_SHOW"),
    "no-show-2": Soort("O", "O", "NO_SHOW"),  # the second determination of the same no-show
    "te-laat": Soort("O", "O", "TE_LAAT"),
    "ziek-zonder-verklaring": Soort("O", "O", "ZIEK_ZONDER_VERKLARING"),
    "sf-8w-ma": Soort("O", "O", "MA_STUDIEFINANCIERING"),
    "beginnend-verzuim": Soort("B", "B", "BEGINNEND_VERZUIM"),
    "signaalverzuim": Soort("S", "S", "SIGNAALVERZUIM"),
    "zorgmelding": Soort("S", "S", "ZORGMELDING"),
    soort_verzuim.UITSCHRIJVING: Soort("U", "U", "UITSCHRIJVING"),
}


def verzuimsoort(rule: str, birth_date: date, on: date) -> tuple[str, str]:
    """The (verzuimsoort, aanleiding) for a melding kind, given the student's age on the trigger date."""
    soort = VERZUIMSOORT[rule]
    adult = age_on(birth_date, on) >= ADULT_AGE
    return (soort.from_18 if adult else soort.under_18), soort.aanleiding


def vermoedelijke_soort_code(kind: str) -> str | None:
    """The Besluit's vermoedelijke soort verzuim of a melding kind, as the schema's code
    (``gateway.domain.soort_verzuim``); None for an uitschrijving."""
    soort = soort_verzuim.vermoedelijke_soort(kind)
    return soort.code if soort is not None else None
