"""A melding as DUO's document: plain data in the shape of the Verzuimloket schema.

``melden_document`` and ``intrekken_document`` build the content of a melding (or of its
withdrawal) from an ``OutgoingMelding``; the keys are the schema's element names, so
``render.render`` writes them as XML without a mapping of its own. Whatever can never be valid
is refused here, before any channel is involved (``PermanentDeliveryError``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypedDict

from gateway.delivery.document.verzuimsoort import VERZUIMSOORT, verzuimsoort
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.identity import elfproef  # the one elfproef (gateway.domain.identity)
from gateway.domain.ports import MeldingContent, OutgoingMelding, SchoolIdentity, StudentDetails
from gateway.domain.signals import MESSAGE_ID_NAMESPACE, Signal
from gateway.domain.vestiging import VESTIGING_FORM, is_vestiging

# The schema's opleiding/naam is a Tekst40.
OPLEIDING_NAAM_LENGTH = 40
# The schema's reden is a Tekst1000.
REDEN_LENGTH = 1000
HOURS_QUANTUM = Decimal("0.01")


class Bedrijfsdocument(TypedDict):
    """The business header: document id, sending and receiving party, date-time."""

    identificatiecodeBedrijfsdocument: str
    verzendendeInstantie: str
    ontvangendeInstantie: str
    datumTijdBedrijfsdocument: datetime


class Instelling(TypedDict):
    """The school as DUO sees it."""

    brin: str
    vestiging: str | None
    naam: str


class Naam(TypedDict):
    """The student's name."""

    voornamen: str | None
    achternaam: str


class Adres(TypedDict):
    """The student's address (every part optional)."""

    straat: str | None
    huisnummer: str | None
    postcode: str | None
    woonplaats: str | None


class Deelnemer(TypedDict, total=False):
    """The student: a BSN or an onderwijsnummer (one of the two), birth date, name, address."""

    bsn: str
    onderwijsnummer: str
    geboortedatum: date
    naam: Naam | None
    adres: Adres | None
    woongemeente: str | None


class Opleiding(TypedDict):
    """The student's programme."""

    crebo: str | None
    naam: str | None
    leerweg: str
    niveau: int | None
    leerjaar: int | None


class Periode(TypedDict):
    """The period of the absence; no end date means an open end (LRV, RMC)."""

    begindatum: date
    einddatum: date | None


class Zorgen(TypedDict):
    """The verzuimcoördinator's concerns."""

    problemenBuitenSchool: bool
    startkwalificatieInGevaar: bool
    dreigendeUitval: bool


class OndernomenActies(TypedDict):
    """What the school already did."""

    actie: list[str]


class Verzuim(TypedDict):
    """The absence itself: DUO's verzuimsoort, the rule behind it, period, hours, concerns."""

    verzuimsoort: str
    aanleiding: str
    periode: Periode
    aantalUren: Decimal | None
    aantalRegistraties: int
    wettelijkeGrondslag: str | None
    actieGewenst: bool
    toelichtingActieGewenst: str | None
    zorgen: Zorgen
    ondernomenActies: OndernomenActies | None


class Contactpersoon(TypedDict):
    """Whom the receiver calls at the school."""

    naam: str
    email: str | None
    telefoon: str | None


class MeldenVerzuim(TypedDict):
    """The melding document (``MeldenVerzuimRequest``)."""

    bedrijfsdocument: Bedrijfsdocument
    instelling: Instelling
    deelnemer: Deelnemer
    opleiding: Opleiding
    verzuim: Verzuim
    contactpersoon: Contactpersoon


class IntrekkenMelding(TypedDict):
    """The withdrawal document (``IntrekkenMeldingRequest``)."""

    bedrijfsdocument: Bedrijfsdocument
    instelling: Instelling
    kenmerkMelding: str
    meldingsnummer: str | None
    reden: str


def melding_kenmerk(melding: OutgoingMelding) -> str:
    """The document id of a melding at DUO: its stable message id (the same on every attempt)."""
    return melding.message_id


def withdrawal_kenmerk(melding: OutgoingMelding) -> str:
    """A stable document id for the withdrawal of a melding."""
    return str(uuid.uuid5(MESSAGE_ID_NAMESPACE, f"intrekken|{melding.message_id}"))


def business_header(kenmerk: str, school: SchoolIdentity, receiver_oin: str,
                    now: datetime | None = None) -> Bedrijfsdocument:
    """The business header in the body: document id, sending and receiving party, date-time."""
    return {
        "identificatiecodeBedrijfsdocument": kenmerk,
        "verzendendeInstantie": school.oin,
        "ontvangendeInstantie": receiver_oin,
        "datumTijdBedrijfsdocument": (now or datetime.now(UTC)).replace(microsecond=0),
    }


def instelling(school: SchoolIdentity) -> Instelling:
    """The school as DUO sees it; a location that is no vestiging number can never be valid."""
    if school.location is not None and not is_vestiging(school.location):
        raise PermanentDeliveryError(f"vestiging '{school.location}' van de school past niet in het schema "
                                     f"van DUO; verwacht: {VESTIGING_FORM}")
    return {"brin": school.brin, "vestiging": school.location, "naam": school.name}


def melden_document(melding: OutgoingMelding, receiver_oin: str, *,
                    now: datetime | None = None) -> MeldenVerzuim:
    """The melding document; refuses what can never be valid (permanent)."""
    signal, student, school = melding.signal, melding.student, melding.school
    if signal.rule not in VERZUIMSOORT:
        raise PermanentDeliveryError(f"regel {signal.rule} wordt niet aan DUO gemeld")
    return {
        "bedrijfsdocument": business_header(melding_kenmerk(melding), school, receiver_oin, now),
        "instelling": instelling(school),
        "deelnemer": _deelnemer(student),
        "opleiding": _opleiding(student),
        "verzuim": _verzuim(signal, student, melding.content),
        "contactpersoon": {"naam": school.contact_name or school.name,
                           "email": _opt(school.contact_email),
                           "telefoon": _opt(school.contact_phone)},
    }


def intrekken_document(melding: OutgoingMelding, receiver_oin: str, reason: str, *,
                       meldingsnummer: str | None = None,
                       now: datetime | None = None) -> IntrekkenMelding:
    """The withdrawal document of a melding delivered (or sent) earlier."""
    return {
        "bedrijfsdocument": business_header(withdrawal_kenmerk(melding), melding.school,
                                            receiver_oin, now),
        "instelling": instelling(melding.school),
        "kenmerkMelding": melding_kenmerk(melding),
        "meldingsnummer": meldingsnummer,
        "reden": reason[:REDEN_LENGTH] or "ingetrokken",
    }


def _opt(value: str | None) -> str | None:
    return value if value else None


def _identification(student: StudentDetails) -> Deelnemer:
    if student.bsn:
        if not elfproef(student.bsn):
            raise PermanentDeliveryError("BSN voldoet niet aan de elfproef")
        return {"bsn": student.bsn}
    if student.onderwijsnummer:
        if not elfproef(student.onderwijsnummer, onderwijsnummer=True):
            raise PermanentDeliveryError("onderwijsnummer voldoet niet aan de elfproef")
        return {"onderwijsnummer": student.onderwijsnummer}
    raise PermanentDeliveryError("deelnemer heeft geen BSN of onderwijsnummer")


def _deelnemer(student: StudentDetails) -> Deelnemer:
    naam: Naam | None = ({"voornamen": _opt(student.given_names), "achternaam": student.family_name}
                         if student.family_name else None)
    adres: Adres | None = None
    if any((student.street, student.house_number, student.postcode, student.city)):
        adres = {"straat": _opt(student.street), "huisnummer": _opt(student.house_number),
                 "postcode": _opt(student.postcode), "woonplaats": _opt(student.city)}
    return {**_identification(student), "geboortedatum": student.birth_date, "naam": naam,
            "adres": adres, "woongemeente": _opt(student.woongemeente)}


def _opleiding(student: StudentDetails) -> Opleiding:
    leerweg = student.leerweg or "VO"
    return {"crebo": _opt(student.crebo),
            "naam": (student.opleiding or "")[:OPLEIDING_NAAM_LENGTH] or None,
            "leerweg": leerweg,
            "niveau": student.niveau if leerweg != "VO" else None,
            "leerjaar": student.leerjaar}


def _verzuim(signal: Signal, student: StudentDetails, content: MeldingContent) -> Verzuim:
    soort, aanleiding = verzuimsoort(signal.rule, student.birth_date, signal.trigger_date)
    actie = content.actie_gewenst if content.actie_gewenst is not None else signal.actie_gewenst
    return {
        "verzuimsoort": soort,
        "aanleiding": aanleiding,
        "periode": {"begindatum": signal.period_start, "einddatum": signal.period_end},
        "aantalUren": (Decimal(str(signal.hours)).quantize(HOURS_QUANTUM)
                       if signal.hours is not None else None),
        "aantalRegistraties": len(signal.evidence),
        "wettelijkeGrondslag": _opt(signal.legal_basis),
        "actieGewenst": bool(actie),
        "toelichtingActieGewenst": _opt(content.toelichting),
        "zorgen": {
            "problemenBuitenSchool": "problemen_buiten_school" in content.concerns,
            "startkwalificatieInGevaar": "startkwalificatie_in_gevaar" in content.concerns,
            "dreigendeUitval": "dreigende_uitval" in content.concerns,
        },
        "ondernomenActies": ({"actie": list(content.actions_taken)}
                             if content.actions_taken else None),
    }
