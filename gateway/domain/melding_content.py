"""What a melding holds beyond the rule's signal: the Besluit Verzuimmelding annex, seeds 000 and 002.

``MeldingContent`` is one shape for three sources of the same fields: what a person filled in (the
console or the API), what the SIS knows (phone, leslocatie) and what a profile decided as a
default. ``None`` (or an empty tuple) means *nobody decided*: the completeness gate
(``gateway.domain.completeness``) names such a field, and it is never sent as a made-up value.
``Verzuimspecificatie`` is what the gateway computes from the evidence. The Dutch labels of every
field are here too: the gate, the console, the API and the mail all name a field the same way.

Personal data among the fields (phone numbers, addresses, the melder's contact details, free text
that may name people) is stored encrypted with the rest of the content (``gateway.store.content``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any, Final

# The three concerns of seed 002, in the order the guideline lists them.
CONCERNS: Final = ("problemen_buiten_school", "startkwalificatie_in_gevaar", "dreigende_uitval")
CONCERN_LABELS: Final = {
    "problemen_buiten_school": "problemen buiten school",
    "startkwalificatie_in_gevaar": "startkwalificatie in gevaar",
    "dreigende_uitval": "dreigende uitval",
}
# How a contact attempt with a no-show was made (seed 000 step 4: date, how, outcome).
CONTACT_WAYS: Final = ("telefoon", "e-mail", "sms", "brief", "huisbezoek", "gesprek")

# Limits on free text and lists, shared by every intake of content (console form, API, profile).
MAX_TEXT = 2000
MAX_ITEMS = 20
MAX_ITEM_TEXT = 200


@dataclass(frozen=True)
class Melder:
    """Who at the school makes the melding (Besluit: naam, functie, telefoonnummer, e-mail)."""

    naam: str
    functie: str
    telefoon: str
    email: str


@dataclass(frozen=True)
class Address:
    """An afwijkend verblijfadres (Besluit: only when it differs from the BRP)."""

    straat: str
    huisnummer: str
    postcode: str
    plaatsnaam: str
    huisletter: str | None = None
    toevoeging: str | None = None
    locatieaanduiding: str | None = None


@dataclass(frozen=True)
class ContactAttempt:
    """One attempt to reach a no-show (seed 000 step 4): when, how (``CONTACT_WAYS``), what came of it."""

    on: date
    how: str
    outcome: str


@dataclass(frozen=True)
class MeldingContent:
    """The fields of a melding that a person, the SIS or a profile decides; None: not decided."""

    vermoedelijke_reden: str | None = None
    actions_taken: tuple[str, ...] = ()  # door school ondernomen actie (one item per action)
    actie_gewenst: bool | None = None  # actie door gemeente gewenst
    toelichting: str | None = None  # toelichting bij actie gewenst
    leslocatie: str | None = None  # naam leslocatie, from the school's list
    melder: Melder | None = None
    phone: str | None = None  # telefoonnummer ouder of leerling
    different_address: Address | None = None  # afwijkend verblijfadres
    concerns: frozenset[str] | None = None  # 18+/RMC: which of CONCERNS apply; frozenset(): none
    agreements: str | None = None  # 18+/RMC: afspraken met de student
    asked_of_rmc: str | None = None  # 18+/RMC: wat de school van het RMC vraagt
    contact_attempts: tuple[ContactAttempt, ...] = ()  # no-show
    deregistration_agreed: str | None = None  # uitschrijving of a no-show: with whom it was agreed

    def over(self, base: MeldingContent) -> MeldingContent:
        """This content with every field it leaves undecided taken from ``base``."""
        taken = {f.name: getattr(base, f.name) for f in fields(self) if not decided(getattr(self, f.name))}
        return replace(self, **taken)

    def decided_fields(self) -> tuple[str, ...]:
        """The names of the fields that hold a decision, in declaration order."""
        return tuple(f.name for f in fields(self) if decided(getattr(self, f.name)))


def decided(value: Any) -> bool:
    """Whether a content value holds a decision: not None, not an empty text, list or tuple.

    An empty ``concerns`` set is a decision (none of the three applies); an empty tuple of actions
    or contact attempts is not.
    """
    if value is None:
        return False
    if isinstance(value, str | tuple | list):
        return bool(value.strip() if isinstance(value, str) else value)
    return True


@dataclass(frozen=True)
class Verzuimspecificatie:
    """What the gateway computes from the evidence (Besluit: verzuimdagen, verzuimuren; alle lessen
    gemist): days and hours of unauthorised absence, and whether every lesson of those days was missed."""

    verzuimdagen: int
    verzuimuren: float
    alle_lessen_gemist: bool


# Dutch labels of every field a melding can miss: content fields, and the student facts the gate
# also asks for. The order is the order the console and the gate's messages list them in.
FIELD_LABELS: Final = {
    "vermoedelijke_reden": "vermoedelijke reden van het verzuim",
    "actions_taken": "door school ondernomen actie",
    "actie_gewenst": "actie door gemeente gewenst (ja/nee)",
    "toelichting": "toelichting bij actie gewenst",
    "leslocatie": "naam leslocatie",
    "melder": "melder (naam, functie, telefoon, e-mail)",
    "phone": "telefoonnummer ouder of leerling",
    "different_address": "afwijkend verblijfadres",
    "concerns": "zorgen (problemen buiten school, startkwalificatie in gevaar, dreigende uitval)",
    "agreements": "gemaakte afspraken",
    "asked_of_rmc": "wat de school van het RMC vraagt",
    "contact_attempts": "contactpogingen (datum, hoe, uitkomst)",
    "deregistration_agreed": "afstemming met Leerplicht/DSP over de uitschrijving",
    "enrolled_on": "datum aanmelding",
}
CONTENT_FIELDS: Final = tuple(f.name for f in fields(MeldingContent))
# Student facts the gate may ask for (from the SIS; a person corrects them there).
STUDENT_FACT_FIELDS: Final = ("enrolled_on",)
REQUIRABLE_FIELDS: Final = frozenset(CONTENT_FIELDS) | frozenset(STUDENT_FACT_FIELDS)


def field_label(name: str) -> str:
    """The Dutch label of a melding field (its name when it has none)."""
    return FIELD_LABELS.get(name, name)


# --- JSON, both ways (the store's encrypted column, melding.json, the API) -----------------------


def content_to_json(content: MeldingContent) -> dict[str, Any]:
    """The content as JSON-ready data; undecided fields are left out."""
    out: dict[str, Any] = {}
    for name in content.decided_fields():
        value = getattr(content, name)
        if name == "concerns":
            out[name] = sorted(value)
        elif name == "actions_taken":
            out[name] = list(value)
        elif name == "contact_attempts":
            out[name] = [{"on": a.on.isoformat(), "how": a.how, "outcome": a.outcome} for a in value]
        elif isinstance(value, Melder | Address):
            out[name] = {f.name: getattr(value, f.name) for f in fields(value)
                         if getattr(value, f.name) is not None}
        else:
            out[name] = value
    return out


def content_from_json(data: dict[str, Any]) -> MeldingContent:
    """The content ``content_to_json`` wrote (a missing key is undecided); trusted data only, as
    read back from the store: input from people goes through the validating intake."""
    concerns = data.get("concerns")
    melder, address = data.get("melder"), data.get("different_address")
    return MeldingContent(
        vermoedelijke_reden=data.get("vermoedelijke_reden"),
        actions_taken=tuple(data.get("actions_taken", ())),
        actie_gewenst=data.get("actie_gewenst"),
        toelichting=data.get("toelichting"),
        leslocatie=data.get("leslocatie"),
        melder=Melder(**melder) if melder else None,
        phone=data.get("phone"),
        different_address=Address(**address) if address else None,
        concerns=None if concerns is None else frozenset(concerns),
        agreements=data.get("agreements"),
        asked_of_rmc=data.get("asked_of_rmc"),
        contact_attempts=tuple(
            ContactAttempt(on=date.fromisoformat(a["on"]), how=a["how"], outcome=a["outcome"])
            for a in data.get("contact_attempts", ())),
        deregistration_agreed=data.get("deregistration_agreed"),
    )


def specification_to_json(spec: Verzuimspecificatie) -> dict[str, Any]:
    """The computed specification as JSON-ready data."""
    return {"verzuimdagen": spec.verzuimdagen, "verzuimuren": spec.verzuimuren,
            "alle_lessen_gemist": spec.alle_lessen_gemist}


def specification_from_json(data: dict[str, Any] | None) -> Verzuimspecificatie | None:
    """The specification ``specification_to_json`` wrote; None when there is none."""
    if not data:
        return None
    return Verzuimspecificatie(verzuimdagen=int(data["verzuimdagen"]), verzuimuren=float(data["verzuimuren"]),
                               alle_lessen_gemist=bool(data["alle_lessen_gemist"]))
