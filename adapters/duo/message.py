"""From an ``OutgoingMelding`` to the payload of the service's operations."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapters.duo.codes import VERZUIMSOORT, verzuimsoort
from adapters.duo.xmlsafe import elfproef
from gateway.domain.errors import PermanentDeliveryError
from gateway.domain.ports import OutgoingMelding, SchoolIdentity
from gateway.domain.signals import MESSAGE_ID_NAMESPACE


def melding_kenmerk(melding: OutgoingMelding) -> str:
    """The document id of a melding at DUO: its stable message id (the same on every attempt)."""
    return melding.message_id


def wsa_message_id(kenmerk: str) -> str:
    """The WS-Addressing MessageID for a stable id."""
    return f"urn:uuid:{kenmerk}"


def withdrawal_kenmerk(melding: OutgoingMelding) -> str:
    """A stable document id for the withdrawal of a melding."""
    return str(uuid.uuid5(MESSAGE_ID_NAMESPACE, f"intrekken|{melding.message_id}"))


def business_header(kenmerk: str, school: SchoolIdentity, duo_oin: str,
                    now: datetime | None = None) -> dict[str, Any]:
    """The business header in the body: document id, sending and receiving party, date-time."""
    return {
        "identificatiecodeBedrijfsdocument": kenmerk,
        "verzendendeInstantie": school.oin,
        "ontvangendeInstantie": duo_oin,
        "datumTijdBedrijfsdocument": (now or datetime.now(UTC)).replace(microsecond=0),
    }


def instelling(school: SchoolIdentity) -> dict[str, Any]:
    """The school as DUO sees it."""
    return {"brin": school.brin, "vestiging": school.location, "naam": school.name}


def _opt(value: str | None) -> str | None:
    return value if value else None


def melden_payload(melding: OutgoingMelding, duo_oin: str) -> dict[str, Any]:
    """The MeldenVerzuim request payload; refuses what can never be valid (permanent)."""
    signal, student, content, school = (melding.signal, melding.student, melding.content,
                                        melding.school)
    if signal.rule not in VERZUIMSOORT:
        raise PermanentDeliveryError(f"regel {signal.rule} wordt niet aan DUO gemeld")
    if student.bsn:
        identification: dict[str, Any] = {"bsn": student.bsn}
        if not elfproef(student.bsn):
            raise PermanentDeliveryError("BSN voldoet niet aan de elfproef")
    elif student.onderwijsnummer:
        identification = {"onderwijsnummer": student.onderwijsnummer}
        if not elfproef(student.onderwijsnummer, onderwijsnummer=True):
            raise PermanentDeliveryError("onderwijsnummer voldoet niet aan de elfproef")
    else:
        raise PermanentDeliveryError("deelnemer heeft geen BSN of onderwijsnummer")
    soort, aanleiding = verzuimsoort(signal.rule, student.birth_date, signal.trigger_date)
    actie = content.actie_gewenst if content.actie_gewenst is not None else signal.actie_gewenst
    naam = ({"voornamen": _opt(student.given_names), "achternaam": student.family_name}
            if student.family_name else None)
    adres = None
    if any((student.street, student.house_number, student.postcode, student.city)):
        adres = {"straat": _opt(student.street), "huisnummer": _opt(student.house_number),
                 "postcode": _opt(student.postcode), "woonplaats": _opt(student.city)}
    leerweg = student.leerweg or "VO"
    return {
        "bedrijfsdocument": business_header(melding_kenmerk(melding), school, duo_oin),
        "instelling": instelling(school),
        "deelnemer": {**identification, "geboortedatum": student.birth_date, "naam": naam,
                      "adres": adres, "woongemeente": _opt(student.woongemeente)},
        "opleiding": {"crebo": _opt(student.crebo),
                      "naam": (student.opleiding or "")[:40] or None,
                      "leerweg": leerweg,
                      "niveau": student.niveau if leerweg != "VO" else None,
                      "leerjaar": student.leerjaar},
        "verzuim": {
            "verzuimsoort": soort,
            "aanleiding": aanleiding,
            "periode": {"begindatum": signal.period_start, "einddatum": signal.period_end},
            "aantalUren": (Decimal(str(signal.hours)).quantize(Decimal("0.01"))
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
        },
        "contactpersoon": {"naam": school.contact_name or school.name,
                           "email": _opt(school.contact_email),
                           "telefoon": _opt(school.contact_phone)},
    }


def intrekken_payload(melding: OutgoingMelding, duo_oin: str, reason: str,
                      meldingsnummer: str | None) -> dict[str, Any]:
    """The IntrekkenMelding request payload."""
    return {
        "bedrijfsdocument": business_header(withdrawal_kenmerk(melding), melding.school, duo_oin),
        "instelling": instelling(melding.school),
        "kenmerkMelding": melding_kenmerk(melding),
        "meldingsnummer": meldingsnummer,
        "reden": reason[:1000] or "ingetrokken",
    }


def status_payload(school: SchoolIdentity, duo_oin: str, kenmerken: list[str]) -> dict[str, Any]:
    """The OpvragenStatuswijzigingen request payload for given melding ids."""
    return {
        "bedrijfsdocument": business_header(str(uuid.uuid4()), school, duo_oin),
        "instelling": instelling(school),
        "kenmerkMelding": kenmerken,
    }


def changes_payload(school: SchoolIdentity, duo_oin: str, since: datetime) -> dict[str, Any]:
    """The OpvragenStatuswijzigingen request payload for changes since a moment."""
    return {
        "bedrijfsdocument": business_header(str(uuid.uuid4()), school, duo_oin),
        "instelling": instelling(school),
        "vanafDatumTijd": since,
    }
