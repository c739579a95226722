"""The rule catalogue (pinned ids, DESIGN.md section 3) and what each firing becomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Final

from gateway.domain.age import ADULT_AGE

if TYPE_CHECKING:
    from gateway.rules.frame import EvidenceSpec

RULE_IDS: Final = (
    "verzuim-16u", "herhaalmelding", "lrv", "rmc-4w", "luxe-verzuim", "no-show",
    "sf-4w-contact", "sf-8w-ma", "te-laat", "ziek-zonder-verklaring",
    "zorg-langdurig-ziek", "zorg-vaak-ziek", "intern-10u",
)

LEGAL_BASIS: Final = {
    "verzuim-16u": "Leerplichtwet 1969 art. 21a",
    "herhaalmelding": "Leerplichtwet 1969 art. 21a",
    "lrv": "Leerplichtwet 1969 art. 21a (langdurig relatief verzuim)",
    "rmc-4w": "WEB art. 8.1.8a lid 1",
    "luxe-verzuim": "Leerplichtwet 1969 art. 21a jo. art. 13a",
    "no-show": "Leerplichtwet 1969 art. 21a; WEB art. 8.1.8a; regionale no-show-afspraken",
    "sf-4w-contact": "WEB art. 8.1.7 lid 2",
    "sf-8w-ma": "WEB art. 8.1.7; Wet studiefinanciering 2000",
    "te-laat": "Leerplichtwet 1969 art. 21a; regionale afspraak te laat komen",
    "ziek-zonder-verklaring": "Leerplichtwet 1969 art. 21a; WEB art. 8.1.7 lid 1",
    "zorg-langdurig-ziek": "Verzuimprotocol van de school (zorgsignaal langdurig ziek)",
    "zorg-vaak-ziek": "Verzuimprotocol van de school (zorgsignaal vaak ziek)",
    "intern-10u": "Verzuimprotocol van de school (intern signaal 10 uur)",
}

# The 18+ legal basis where the same rule reaches RMC instead of Leerplicht.
LEGAL_BASIS_18_PLUS: Final = {
    "verzuim-16u": "WEB art. 8.1.8a; regionale afspraak 16 uur (18-23 jaar)",
    "herhaalmelding": "WEB art. 8.1.8a; regionale afspraak 16 uur (18-23 jaar)",
    "te-laat": "WEB art. 8.1.8a; regionale afspraak te laat komen",
    "ziek-zonder-verklaring": "WEB art. 8.1.7 lid 1; WEB art. 8.1.8a",
    "no-show": "WEB art. 8.1.8a; regionale no-show-afspraken",
}

# The recipients outside the school that the recipient directory can reach by mail.
MAIL_RECIPIENTS: Final = ("leerplicht", "rmc", "dsp")
OUTSIDE_RECIPIENTS: Final = frozenset({*MAIL_RECIPIENTS, "duo-ib"})

# Each rule's short name for people (console lists, reports), as the seeds name it.
RULE_NAMES: Final = {
    "verzuim-16u": "16 uur in 4 lesweken",
    "herhaalmelding": "Herhaalmelding 16 uur in 4 lesweken",
    "lrv": "Langdurig relatief verzuim",
    "rmc-4w": "4 weken aaneengesloten verzuim (RMC, 18-23 jaar)",
    "luxe-verzuim": "Luxe verzuim",
    "no-show": "No-show",
    "sf-4w-contact": "Studiefinanciering: 4 weken afwezig",
    "sf-8w-ma": "Studiefinanciering: 8 weken afwezig (MA-formulier)",
    "te-laat": "Vaak te laat",
    "ziek-zonder-verklaring": "Langdurig ziek zonder verklaring",
    "zorg-langdurig-ziek": "Zorgsignaal langdurig ziek",
    "zorg-vaak-ziek": "Zorgsignaal vaak ziek",
    "intern-10u": "Intern signaal 10 uur",
}

# Every recipient a melding can have, by its name for people (lists, filters, reports).
RECIPIENT_NAMES: Final = {
    "leerplicht": "Leerplicht", "rmc": "RMC", "dsp": "Doorstroompunt",
    "duo-ib": "DUO (IB-groep)", "school": "School zelf",
}

RULE_TITLES: Final = {
    "verzuim-16u": "16 uur ongeoorloofd verzuim in 4 lesweken",
    "herhaalmelding": "herhaalmelding 16 uur in 4 lesweken",
    "lrv": "langdurig relatief verzuim",
    "rmc-4w": "4 lesweken aaneengesloten verzuim (18-23 jaar)",
    "luxe-verzuim": "luxe verzuim",
    "no-show": "no-show bij de start van het schooljaar",
    "sf-4w-contact": "studiefinanciering: 4 weken afwezig, contact opnemen",
    "sf-8w-ma": "studiefinanciering: 8 weken afwezig, MA-formulier",
    "te-laat": "vaak te laat",
    "ziek-zonder-verklaring": "langdurig ziek zonder doktersverklaring",
    "zorg-langdurig-ziek": "zorgsignaal langdurig ziek",
    "zorg-vaak-ziek": "zorgsignaal vaak ziek",
    "intern-10u": "intern signaal 10 uur ongeoorloofd verzuim",
}


@dataclass(frozen=True)
class Firing:
    """One rule firing as a rule module reports it, before it becomes a ``Signal``.

    Days are school-day indices of the evaluation frame. ``recipient`` is the rule's own
    recipient; the engine turns it into a ``signaal`` to the school when the rule asks for
    reportability and the student is not reportable.
    """

    rule: str
    student: int
    trigger_day: int
    start_day: int
    recipient: str
    evidence: EvidenceSpec
    needs_reportable: bool
    hours_minutes: int | None = None
    open_end: bool = False
    due_date: date | None = None
    facts: dict[str, object] = field(default_factory=dict)


def recipient_by_age(age: int) -> str:
    """Leerplicht below 18, RMC from 18 on."""
    return "leerplicht" if age < ADULT_AGE else "rmc"
