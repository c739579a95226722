"""The receivers' check of what they got: no field the law asks for is empty.

Read from the delivered documents themselves (the SOAP body DUO received, the ``melding.json`` a
mail carried), not from the gateway's store: vermoedelijke soort, reden, ondernomen acties, actie
gewenst (with its toelichting), leslocatie, melder, phone, verzuimdagen and -uren; for 18+ and RMC
meldingen the three concerns, the agreements and what is asked of the RMC; for a no-show the
datum aanmelding and at least one contact attempt, none after the day it was delivered.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from lxml import etree

from gateway.delivery.document.schema import VZ_V2
from gateway.domain.age import ADULT_AGE, age_on
from gateway.domain.soort_verzuim import NO_SHOW_MELDINGEN, UITSCHRIJVING
from gateway.rules.profiles import REQUIRED_FILE

RMC_RULE = "rmc-4w"
MELDER_FIELDS = ("naam", "functie", "telefoon", "email")
CONCERN_ELEMENTS = ("problemenBuitenSchool", "startkwalificatieInGevaar", "dreigendeUitval")


@dataclass(frozen=True)
class Sent:
    """What the gateway knows of a delivered melding that its document does not say: the kind and
    the trigger date (the age that counts for 18+), and the day it was delivered at the latest."""

    rule: str
    trigger_date: date
    latest: date


@cache
def toelichting_when() -> frozenset[bool]:
    """The answers to actie gewenst that need a toelichting (``mappings/melding/required.toml``;
    the Besluit asks it with nee in any case)."""
    data = tomllib.loads(REQUIRED_FILE.read_text(encoding="utf-8"))
    return frozenset({False} | {bool(w) for w in data.get("toelichting", {}).get("when_actie_gewenst", [])})


def _adult_or_rmc(sent: Sent, birth: str | None) -> bool:
    if sent.rule == RMC_RULE:
        return True
    return birth is not None and age_on(date.fromisoformat(birth), sent.trigger_date) >= ADULT_AGE


def _text(root: etree._Element, path: str) -> str:
    parts = "/".join(f"{{{VZ_V2}}}{p}" for p in path.split("/"))
    return (root.findtext(parts) or "").strip()


def _late(dates: list[str], sent: Sent) -> list[str]:
    return [d for d in dates if d and date.fromisoformat(d) > sent.latest]


def xml_gaps(root: etree._Element, sent: Sent) -> list[str]:
    """The Besluit's fields a MeldenVerzuim document (schema version 2) leaves empty (Dutch)."""
    wanted = {"vermoedelijke reden": "verzuim/vermoedelijkeReden",
              "ondernomen actie": "verzuim/ondernomenActies/actie",
              "actie gewenst": "verzuim/actieGewenst",
              "naam leslocatie": "verzuim/naamLeslocatie",
              "telefoonnummer ouder/leerling": "deelnemer/telefoon",
              "verzuimdagen": "verzuim/verzuimspecificatie/verzuimdagen",
              "verzuimuren": "verzuim/verzuimspecificatie/verzuimuren",
              **{f"melder ({name})": f"melder/{name}" for name in MELDER_FIELDS}}
    if sent.rule != UITSCHRIJVING:
        wanted["vermoedelijke soort verzuim"] = "verzuim/vermoedelijkeSoortVerzuim"
    if _adult_or_rmc(sent, _text(root, "deelnemer/geboortedatum") or None):
        wanted |= {f"zorgen ({name})": f"verzuim/zorgen/{name}" for name in CONCERN_ELEMENTS}
        wanted |= {"gemaakte afspraken": "verzuim/afspraken",
                   "gevraagd van het RMC": "verzuim/gevraagdVanRmc"}
    if sent.rule in NO_SHOW_MELDINGEN:
        wanted |= {"datum aanmelding": "nietVerschenen/datumAanmelding",
                   "contactpoging": "nietVerschenen/contactpogingen/contactpoging/datum"}
    gaps = [label for label, path in wanted.items() if not _text(root, path)]
    answer = _text(root, "verzuim/actieGewenst")
    if answer in ("true", "false") and (answer == "true") in toelichting_when() \
            and not _text(root, "verzuim/toelichtingActieGewenst"):
        gaps.append("toelichting bij actie gewenst")
    attempts = root.iterfind(f"{{{VZ_V2}}}nietVerschenen/{{{VZ_V2}}}contactpogingen/{{{VZ_V2}}}contactpoging")
    gaps += [f"contactpoging na de verzenddatum ({d})"
             for d in _late([a.findtext(f"{{{VZ_V2}}}datum") or "" for a in attempts], sent)]
    return gaps


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def json_gaps(data: Mapping[str, Any], latest: date) -> list[str]:
    """The Besluit's fields a ``melding.json`` (format 2) leaves empty (Dutch)."""
    signal, student = data.get("signal") or {}, data.get("student") or {}
    content, spec = data.get("content") or {}, data.get("specification") or {}
    sent = Sent(str(signal.get("rule")), date.fromisoformat(signal["trigger_date"]), latest)
    wanted = ["vermoedelijke_reden", "actions_taken", "actie_gewenst", "leslocatie", "melder", "phone"]
    if _adult_or_rmc(sent, student.get("birth_date")):
        wanted += ["concerns", "agreements", "asked_of_rmc"]
    if sent.rule in NO_SHOW_MELDINGEN:
        wanted += ["contact_attempts"]
    # An empty list of concerns is an answer (none of the three applies); only its absence is a gap.
    gaps = [name for name in wanted
            if (content.get(name) is None if name == "concerns" else _empty(content.get(name)))]
    if content.get("actie_gewenst") in toelichting_when() and _empty(content.get("toelichting")):
        gaps.append("toelichting")
    melder = content.get("melder") or {}
    gaps += [f"melder.{name}" for name in MELDER_FIELDS if melder and _empty(melder.get(name))]
    gaps += [name for name in ("verzuimdagen", "verzuimuren") if spec.get(name) is None]
    if sent.rule != UITSCHRIJVING and _empty(data.get("vermoedelijke_soort")):
        gaps.append("vermoedelijke_soort")
    if sent.rule in NO_SHOW_MELDINGEN and _empty(student.get("enrolled_on")):
        gaps.append("student.enrolled_on")
    gaps += [f"contact_attempts na de verzenddatum ({d})"
             for d in _late([str(a.get("on") or "") for a in content.get("contact_attempts") or []], sent)]
    return gaps
