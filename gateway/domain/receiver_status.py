"""What a receiver says back about a melding: the Besluit Verzuimmelding's lists (status, the seven
reasons for afgesloten, the three toelichtingen, the gemeentelijke contactpersoon) and the
Doorstroompunt's no-show outcomes (seed 000), read the same way from the feedback API and from DUO.

Receivers write labels as people do: any case, extra spaces, an en dash or a hyphen. ``normalise``
maps every accepted spelling, old values included, onto one canonical label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

# Status melding (Besluit, given back by the gemeente).
IN_BEHANDELING = "In behandeling"
AFGESLOTEN = "Afgesloten"
TER_KENNISNEMING = "Ter kennisneming aangenomen"
BESLUIT_STATUSES: Final = (IN_BEHANDELING, AFGESLOTEN, TER_KENNISNEMING)

# Reden melding afgesloten (Besluit): code -> Dutch label.
REDENEN_AFGESLOTEN: Final = {
    "terug_naar_school": "terug naar school, opleiding hervat",
    "andere_opleiding": "inschrijving beëindigd, andere opleiding",
    "werk": "inschrijving beëindigd, werk",
    "overige_redenen": "inschrijving beëindigd, overige redenen",
    "overleden": "inschrijving beëindigd, leerling overleden",
    "langdurig_ziek": "geen verzuim, langdurig ziek",
    "legitiem_afwezig": "geen verzuim, legitiem afwezig",
}
# Toelichting afsluiting (Besluit): code -> Dutch label.
TOELICHTINGEN_AFSLUITING: Final = {
    "gezien_door_gemeente": "leerling is gezien door gemeente",
    "actie_richting_leerling": "er wordt actie ondernomen richting leerling door gemeente",
    "geen_actie_meer": "er loopt geen actie meer richting leerling",
}

# The Doorstroompunt's no-show outcomes (seed 000). The two "gestart" outcomes need the start date.
GESTART_BIJ_MBO = "Gestart bij mbo"
GESTART_ELDERS = "Gestart elders"
NIET_GESTART = "Niet gestart – in begeleiding"  # en dash, as the seed writes it
UIT_BEELD = "Uit beeld"
DSP_OUTCOMES: Final = (GESTART_BIJ_MBO, GESTART_ELDERS, NIET_GESTART, UIT_BEELD)
STARTED_OUTCOMES: Final = frozenset({GESTART_BIJ_MBO, GESTART_ELDERS})

# DUO's receipt, and values of earlier versions that must still read.
GEREGISTREERD = "Geregistreerd"
LEGACY: Final = {
    "overgedragen aan derden": IN_BEHANDELING,
    "ter kennisgeving aangenomen": TER_KENNISNEMING,
    "in_behandeling": IN_BEHANDELING,
    "ter_kennisgeving": TER_KENNISNEMING,
}
ALL_STATUSES: Final = (*BESLUIT_STATUSES, *DSP_OUTCOMES, GEREGISTREERD)

_DASHES = re.compile(r"\s*[-–—]\s*")
_SPACES = re.compile(r"\s+")


def _key(text: str) -> str:
    return _DASHES.sub(" - ", _SPACES.sub(" ", text.strip().lower()))


_CANONICAL: Final = {_key(label): label for label in ALL_STATUSES} | {
    _key(old): new for old, new in LEGACY.items()}


def normalise(text: str) -> str | None:
    """The canonical label of a status or outcome as a receiver wrote it; None when unknown."""
    return _CANONICAL.get(_key(text))


@dataclass(frozen=True)
class Contactpersoon:
    """The gemeentelijke contactpersoon (Besluit): naam, functie, telefoonnummer, e-mail."""

    naam: str
    functie: str | None = None
    telefoon: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class ReceiverOutcome:
    """One report of a receiver on a melding, with what the Besluit and seed 000 let it add.

    ``status`` is a canonical label (``normalise``); ``reden`` and ``toelichting_afsluiting`` are
    codes of the tables above and belong to ``Afgesloten``; ``started_on`` to the two "gestart"
    outcomes; ``toelichting`` is free text (personal data may be in it: stored encrypted).
    """

    status: str
    reden: str | None = None
    toelichting_afsluiting: str | None = None
    started_on: date | None = None
    contactpersoon: Contactpersoon | None = None
    toelichting: str | None = None
