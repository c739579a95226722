"""The vermoedelijke soort verzuim: the Besluit Verzuimmelding's five kinds, and which melding is which.

One table maps every melding kind the gateway can send (the rules' meldingen, the manual ones, the
no-show follow-up and the uitschrijving) onto the five kinds of the Besluit's annex; the DUO
channel's own codes map from the rules in ``gateway.delivery.document.verzuimsoort``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Soort:
    """One of the Besluit's five kinds: a stable code (schema, JSON) and its Dutch wording."""

    code: str
    label: str


LUXE = Soort("LUXE_VERZUIM", "luxe verzuim")
BEGINNEND = Soort("BEGINNEND_VERZUIM", "beginnend verzuim")
SIGNAAL = Soort("SIGNAALVERZUIM", "signaalverzuim")
ZESTIEN_UUR = Soort("ZESTIEN_UUR_IN_VIER_LESWEKEN",
                    "ongeoorloofd verzuim van in totaal 16 uur in 4 opeenvolgende lesweken")
EEN_MAAND = Soort("EEN_MAAND_OF_LANGER", "ongeoorloofd verzuim van 1 maand of langer")
SOORTEN: Final = (LUXE, BEGINNEND, SIGNAAL, ZESTIEN_UUR, EEN_MAAND)

# The meldingen a verzuimcoördinator files by hand (no rule produces them), and the uitschrijving
# the gateway files when the SIS ends an enrolment under the kwalificatieplicht.
MANUAL_KINDS: Final = ("beginnend-verzuim", "signaalverzuim", "zorgmelding")
MANUAL_TITLES: Final = {
    "beginnend-verzuim": "beginnend verzuim",
    "signaalverzuim": "signaalverzuim",
    "zorgmelding": "zorgmelding vanaf het eerste uur (dreigende uitval)",
}
UITSCHRIJVING: Final = "uitschrijving"
UITSCHRIJVING_TITLE: Final = "uitschrijving van een leerling onder de kwalificatieplicht"
# The no-show follow-up (seeds 000 and 001, gateway.pipeline.no_show_followup): the school's
# contact tasks on the first school days, and the second determination after two weeks. Not rule
# ids (the catalogue is pinned), yet reconciled like the rules' signals.
NO_SHOW_CONTACT: Final = "no-show-contact"
NO_SHOW: Final = "no-show"  # the rule's id (gateway.rules.catalogue)
NO_SHOW_SECOND: Final = "no-show-2"
# Meldingen about a no-show: the rule's, and its second determination. They carry the no-show's
# own part (datum aanmelding, contact attempts) and the DSP reports on them.
NO_SHOW_MELDINGEN: Final = frozenset({NO_SHOW, NO_SHOW_SECOND})
# Kinds that go the way another kind is routed: the second determination follows the no-show's route.
ROUTED_AS: Final = {NO_SHOW_SECOND: NO_SHOW}
# Every melding kind beyond the pinned rule ids: a route, a profile default or a review setting may name them.
KINDS_BEYOND_RULES: Final = (*MANUAL_KINDS, UITSCHRIJVING, NO_SHOW_CONTACT, NO_SHOW_SECOND)
FOLLOW_UP_TITLES: Final = {
    NO_SHOW_CONTACT: "no-show: contact opnemen (eerste schooldagen)",
    NO_SHOW_SECOND: "no-show: tweede vaststelling na 2 weken",
}

# Melding kind (rule id, manual kind) -> vermoedelijke soort. The research note pins the first
# five rows; the others are this project's reading of seed 004: structureel te laat komen is
# beginnend verzuim, absence that signals problems behind it (a no-show, long sickness without a
# declaration, a zorgmelding) is signaalverzuim, and 8 weeks away (studiefinanciering) is a month
# or longer. An uitschrijving is no verzuim: it has no soort.
VERMOEDELIJKE_SOORT: Final = {
    "verzuim-16u": ZESTIEN_UUR,
    "herhaalmelding": ZESTIEN_UUR,
    "lrv": EEN_MAAND,
    "rmc-4w": EEN_MAAND,
    "luxe-verzuim": LUXE,
    "no-show": SIGNAAL,
    "no-show-2": SIGNAAL,  # the same no-show, reported again after two weeks (seed 001)
    "te-laat": BEGINNEND,
    "ziek-zonder-verklaring": SIGNAAL,
    "sf-8w-ma": EEN_MAAND,
    "beginnend-verzuim": BEGINNEND,
    "signaalverzuim": SIGNAAL,
    "zorgmelding": SIGNAAL,
}


def vermoedelijke_soort(kind: str) -> Soort | None:
    """The Besluit's kind of a melding kind (rule id or manual kind); None for an uitschrijving or
    a kind that is never sent."""
    return VERMOEDELIJKE_SOORT.get(kind)

# The short name for people of every kind beyond the rule ids (the rules' own: ``RULE_NAMES``).
KIND_NAMES: Final = {
    "beginnend-verzuim": "Beginnend verzuim",
    "signaalverzuim": "Signaalverzuim",
    "zorgmelding": "Zorgmelding",
    UITSCHRIJVING: "Uitschrijving",
    NO_SHOW_CONTACT: "No-show: contact opnemen",
    NO_SHOW_SECOND: "No-show: tweede vaststelling",
}
