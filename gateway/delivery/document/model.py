"""A melding as DUO's document: plain data in the shape of the Verzuimloket schema (version 2).

``melden_document`` and ``intrekken_document`` build the content of a melding (or of its
withdrawal) from an ``OutgoingMelding``; the keys are the schema's element names, so
``render.render`` writes them as XML without a mapping of its own. The Besluit's fields come from
``besluit``. Whatever can never be valid is refused here, before any channel is involved
(``PermanentDeliveryError``): a melding that would carry a legal field empty too
(``gaps.refuse_gaps``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import TypedDict

from gateway.delivery.document.besluit import (
    AfwijkendAdres,
    MelderDocument,
    NietVerschenen,
    Verzuim,
    afwijkend_adres,
    melder,
    niet_verschenen,
    required,
    verzuim,
)
from gateway.delivery.document.gaps import refuse_gaps
from gateway.delivery.document.verzuimsoort import VERZUIMSOORT
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.identity import elfproef  # the one elfproef (gateway.domain.identity)
from gateway.domain.ports import OutgoingMelding, SchoolIdentity, StudentDetails
from gateway.domain.signals import MESSAGE_ID_NAMESPACE
from gateway.domain.vestiging import VESTIGING_FORM, is_vestiging

# The schema's opleiding/naam is a Tekst40.
OPLEIDING_NAAM_LENGTH = 40
# The schema's reden is a Tekst1000.
REDEN_LENGTH = 1000


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
    """The student: a BSN or an onderwijsnummer (one of the two), birth date, name, address, the
    phone of a parent or the student, and an afwijkend verblijfadres."""

    bsn: str
    onderwijsnummer: str
    geboortedatum: date
    naam: Naam | None
    adres: Adres | None
    woongemeente: str | None
    telefoon: str
    afwijkendVerblijfadres: AfwijkendAdres | None


class Opleiding(TypedDict):
    """The student's programme."""

    crebo: str | None
    naam: str | None
    leerweg: str
    niveau: int | None
    leerjaar: int | None


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
    nietVerschenen: NietVerschenen | None
    melder: MelderDocument
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
    """The melding document; refuses what can never be valid, and a melding that would carry a
    field of the Besluit empty (``DocumentInvalid``, permanent)."""
    signal, student, school = melding.signal, melding.student, melding.school
    if signal.rule not in VERZUIMSOORT:
        raise PermanentDeliveryError(f"regel {signal.rule} wordt niet aan DUO gemeld")
    refuse_gaps(melding)
    return {
        "bedrijfsdocument": business_header(melding_kenmerk(melding), school, receiver_oin, now),
        "instelling": instelling(school),
        "deelnemer": _deelnemer(melding),
        "opleiding": _opleiding(student),
        "verzuim": verzuim(melding),
        "nietVerschenen": niet_verschenen(melding),
        "melder": melder(melding.content),
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


def _deelnemer(melding: OutgoingMelding) -> Deelnemer:
    student, content = melding.student, melding.content
    naam: Naam | None = ({"voornamen": _opt(student.given_names), "achternaam": student.family_name}
                         if student.family_name else None)
    adres: Adres | None = None
    if any((student.street, student.house_number, student.postcode, student.city)):
        adres = {"straat": _opt(student.street), "huisnummer": _opt(student.house_number),
                 "postcode": _opt(student.postcode), "woonplaats": _opt(student.city)}
    return {**_identification(student), "geboortedatum": student.birth_date, "naam": naam,
            "adres": adres, "woongemeente": _opt(student.woongemeente),
            "telefoon": required(content.phone, "phone"),
            "afwijkendVerblijfadres": afwijkend_adres(content.different_address)}


def _opleiding(student: StudentDetails) -> Opleiding:
    leerweg = student.leerweg or "VO"
    return {"crebo": _opt(student.crebo),
            "naam": (student.opleiding or "")[:OPLEIDING_NAAM_LENGTH] or None,
            "leerweg": leerweg,
            "niveau": student.niveau if leerweg != "VO" else None,
            "leerjaar": student.leerjaar}
