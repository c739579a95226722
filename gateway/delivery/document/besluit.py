"""The fields of the Besluit Verzuimmelding in the melding document (schema version 2).

The absence itself (DUO's verzuimsoort, the Besluit's vermoedelijke soort or, for an
uitschrijving, its date; reason, actions, actie gewenst, leslocatie, the specification and, for
18+ and RMC, the concerns), the melder, the student's phone and afwijkend verblijfadres, and what
a no-show adds (datum aanmelding, contact attempts, contact details). Every value comes from the
released content: nothing is filled in here. ``gaps.refuse_gaps`` has refused a melding that
leaves one of them empty before these run, so an empty required value here is a programming
error, refused the same way.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypedDict, TypeVar

from gateway.delivery.document.errors import DocumentInvalid
from gateway.delivery.document.verzuimsoort import vermoedelijke_soort_code, verzuimsoort
from gateway.domain.melding_content import (
    Address,
    Melder,
    MeldingContent,
    Verzuimspecificatie,
    decided,
    field_label,
)
from gateway.domain.ports import OutgoingMelding
from gateway.domain.soort_verzuim import NO_SHOW_MELDINGEN, UITSCHRIJVING

HOURS_QUANTUM = Decimal("0.01")
T = TypeVar("T")


class Periode(TypedDict):
    """The period of the absence; no end date means an open end (LRV, RMC)."""

    begindatum: date
    einddatum: date | None


class Zorgen(TypedDict):
    """The three concerns of seed 002 (18+ and RMC)."""

    problemenBuitenSchool: bool
    startkwalificatieInGevaar: bool
    dreigendeUitval: bool


class OndernomenActies(TypedDict):
    """What the school already did."""

    actie: list[str]


class Specificatie(TypedDict):
    """Verzuimdagen and verzuimuren, computed from the evidence."""

    verzuimdagen: int
    verzuimuren: Decimal


class Verzuim(TypedDict, total=False):
    """The absence: DUO's verzuimsoort, the Besluit's soort (or the date of an uitschrijving),
    period, hours, and what the school tells about it."""

    verzuimsoort: str
    aanleiding: str
    vermoedelijkeSoortVerzuim: str
    datumUitschrijving: date
    periode: Periode
    aantalUren: Decimal | None
    aantalRegistraties: int
    wettelijkeGrondslag: str | None
    vermoedelijkeReden: str
    alleLessenGemist: bool | None
    verzuimspecificatie: Specificatie | None
    ondernomenActies: OndernomenActies
    actieGewenst: bool
    toelichtingActieGewenst: str | None
    naamLeslocatie: str
    zorgen: Zorgen | None
    afspraken: str | None
    gevraagdVanRmc: str | None


class AfwijkendAdres(TypedDict):
    """The verblijfadres when it differs from the BRP."""

    straat: str
    huisnummer: str
    huisletter: str | None
    huisnummertoevoeging: str | None
    postcode: str
    locatieaanduiding: str | None
    plaatsnaam: str


class MelderDocument(TypedDict):
    """Who at the school makes the melding."""

    naam: str
    functie: str
    telefoon: str
    email: str


class Contactpoging(TypedDict):
    """One attempt to reach a no-show."""

    datum: date
    wijze: str
    uitkomst: str


class NietVerschenen(TypedDict):
    """What a no-show melding adds (seed 000 step 4)."""

    datumAanmelding: date
    contactpogingen: dict[str, list[Contactpoging]]
    contactgegevens: dict[str, str]


def _opt(value: str | None) -> str | None:
    return value if value else None


def required(value: T | None, name: str) -> T:
    """A value the Besluit requires; ``DocumentInvalid`` naming it when it is empty."""
    if value is None or not decided(value):
        raise DocumentInvalid(f"melding zonder {field_label(name)}")
    return value


def hours(value: float) -> Decimal:
    """Hours as the schema's two-decimal ``Uren``."""
    return Decimal(str(value)).quantize(HOURS_QUANTUM)


def verzuim(melding: OutgoingMelding) -> Verzuim:
    """The absence with the Besluit's fields (schema version 2)."""
    signal, content = melding.signal, melding.content
    soort, aanleiding = verzuimsoort(signal.rule, melding.student.birth_date, signal.trigger_date)
    document: Verzuim = {"verzuimsoort": soort, "aanleiding": aanleiding}
    if signal.rule == UITSCHRIJVING:
        document["datumUitschrijving"] = signal.period_start
    else:
        code = vermoedelijke_soort_code(signal.rule)
        if code is None:
            raise DocumentInvalid(f"melding van soort {signal.rule} zonder vermoedelijke soort verzuim")
        document["vermoedelijkeSoortVerzuim"] = code
    document.update({
        "periode": {"begindatum": signal.period_start, "einddatum": signal.period_end},
        "aantalUren": hours(signal.hours) if signal.hours is not None else None,
        "aantalRegistraties": len(signal.evidence),
        "wettelijkeGrondslag": _opt(signal.legal_basis),
        "vermoedelijkeReden": required(content.vermoedelijke_reden, "vermoedelijke_reden"),
        **_specification(melding.specification),
        "ondernomenActies": {"actie": list(required(content.actions_taken, "actions_taken"))},
        "actieGewenst": required(content.actie_gewenst, "actie_gewenst"),
        "toelichtingActieGewenst": _opt(content.toelichting),
        "naamLeslocatie": required(content.leslocatie, "leslocatie"),
        **_rmc(content),
    })
    return document


def _specification(spec: Verzuimspecificatie | None) -> Verzuim:
    """Alle lessen gemist and the specification; left out for a melding stored before version 2."""
    if spec is None:
        return {"alleLessenGemist": None, "verzuimspecificatie": None}
    return {"alleLessenGemist": spec.alle_lessen_gemist,
            "verzuimspecificatie": {"verzuimdagen": spec.verzuimdagen,
                                    "verzuimuren": hours(spec.verzuimuren)}}


def _rmc(content: MeldingContent) -> Verzuim:
    """The concerns (when decided), the agreements and what the school asks of the RMC."""
    concerns = content.concerns
    zorgen: Zorgen | None = None if concerns is None else {
        "problemenBuitenSchool": "problemen_buiten_school" in concerns,
        "startkwalificatieInGevaar": "startkwalificatie_in_gevaar" in concerns,
        "dreigendeUitval": "dreigende_uitval" in concerns,
    }
    return {"zorgen": zorgen, "afspraken": _opt(content.agreements),
            "gevraagdVanRmc": _opt(content.asked_of_rmc)}


def melder(content: MeldingContent) -> MelderDocument:
    """The melder as the content names them."""
    person: Melder = required(content.melder, "melder")
    return {"naam": person.naam, "functie": person.functie, "telefoon": person.telefoon,
            "email": person.email}


def afwijkend_adres(address: Address | None) -> AfwijkendAdres | None:
    """The afwijkend verblijfadres, when the content has one."""
    if address is None:
        return None
    return {"straat": address.straat, "huisnummer": address.huisnummer,
            "huisletter": _opt(address.huisletter), "huisnummertoevoeging": _opt(address.toevoeging),
            "postcode": address.postcode, "locatieaanduiding": _opt(address.locatieaanduiding),
            "plaatsnaam": address.plaatsnaam}


def niet_verschenen(melding: OutgoingMelding) -> NietVerschenen | None:
    """What a no-show melding adds; None for any other melding."""
    if melding.signal.rule not in NO_SHOW_MELDINGEN:
        return None
    content = melding.content
    attempts: list[Contactpoging] = [{"datum": a.on, "wijze": a.how, "uitkomst": a.outcome}
                                     for a in required(content.contact_attempts, "contact_attempts")]
    return {"datumAanmelding": required(melding.student.enrolled_on, "enrolled_on"),
            "contactpogingen": {"contactpoging": attempts},
            "contactgegevens": {"telefoon": required(content.phone, "phone")}}
