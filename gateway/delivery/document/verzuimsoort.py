"""The one table of how each rule is reported in a melding document: DUO's verzuimsoort and aanleiding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gateway.domain.age import ADULT_AGE, age_on


@dataclass(frozen=True)
class Soort:
    """How one rule is reported to DUO: verzuimsoort under ``ADULT_AGE``, from it on, and the
    aanleiding."""

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


def verzuimsoort(rule: str, birth_date: date, on: date) -> tuple[str, str]:
    """The (verzuimsoort, aanleiding) for a rule, given the student's age on the trigger date."""
    soort = VERZUIMSOORT[rule]
    adult = age_on(birth_date, on) >= ADULT_AGE
    return (soort.from_18 if adult else soort.under_18), soort.aanleiding
