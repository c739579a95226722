"""Small builders for DUO channel tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import tenacity

from adapters.duo.xmlsafe import VZ
from gateway.domain.errors import InDoubtDeliveryError, TransientDeliveryError
from gateway.domain.ports import (
    Channel,
    MeldingContent,
    OutgoingMelding,
    Receipt,
    SchoolIdentity,
    StudentDetails,
)
from gateway.domain.signals import Signal

VALID_BSN = "111222333"
SCHOOL = SchoolIdentity(brin="25BE", oin="0000000700025BE00000", name="Testcollege",
                        location="01", contact_name="J. de Vries",
                        contact_email="verzuim@testcollege.example", contact_phone="030-1234567")


def melden_request_xml(duo_oin: str, kenmerk: str) -> bytes:
    """A valid MeldenVerzuimRequest (LRV, open end date) written by hand, without zeep."""
    return f"""<vz:MeldenVerzuimRequest xmlns:vz="{VZ}">
      <vz:bedrijfsdocument><vz:identificatiecodeBedrijfsdocument>{kenmerk}</vz:identificatiecodeBedrijfsdocument>
        <vz:verzendendeInstantie>{SCHOOL.oin}</vz:verzendendeInstantie>
        <vz:ontvangendeInstantie>{duo_oin}</vz:ontvangendeInstantie>
        <vz:datumTijdBedrijfsdocument>2026-09-22T10:00:00Z</vz:datumTijdBedrijfsdocument></vz:bedrijfsdocument>
      <vz:instelling><vz:brin>25BE</vz:brin></vz:instelling>
      <vz:deelnemer><vz:bsn>{VALID_BSN}</vz:bsn><vz:geboortedatum>2010-03-01</vz:geboortedatum></vz:deelnemer>
      <vz:opleiding><vz:leerweg>BOL</vz:leerweg></vz:opleiding>
      <vz:verzuim><vz:verzuimsoort>LRV</vz:verzuimsoort><vz:aanleiding>LANGDURIG_RELATIEF_VERZUIM</vz:aanleiding>
        <vz:periode><vz:begindatum>2026-09-01</vz:begindatum></vz:periode>
        <vz:aantalRegistraties>12</vz:aantalRegistraties><vz:actieGewenst>false</vz:actieGewenst>
        <vz:zorgen><vz:problemenBuitenSchool>false</vz:problemenBuitenSchool>
          <vz:startkwalificatieInGevaar>true</vz:startkwalificatieInGevaar>
          <vz:dreigendeUitval>false</vz:dreigendeUitval></vz:zorgen></vz:verzuim>
      <vz:contactpersoon><vz:naam>J. de Vries</vz:naam></vz:contactpersoon>
    </vz:MeldenVerzuimRequest>""".encode()


def signal(rule: str = "verzuim-16u", student_id: str = "S1", **changes: Any) -> Signal:
    """A signal of ``rule`` with plausible fields; keyword arguments override them."""
    base = Signal(
        rule=rule, kind="melding", student_id=student_id, recipient="leerplicht",
        trigger_date=date(2026, 9, 22), period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 22), due_date=date(2026, 9, 29), hours=16.5,
        actie_gewenst=False, legal_basis="Leerplichtwet 1969 art. 21a",
        evidence=("L1", "L2", "L3"),
    )
    return replace(base, **changes)


def melding(rule: str = "verzuim-16u", student_id: str = "S1", *,
            school: SchoolIdentity = SCHOOL, birth_date: date = date(2010, 3, 1),
            bsn: str | None = VALID_BSN, onderwijsnummer: str | None = None,
            content: MeldingContent | None = None, **signal_changes: Any) -> OutgoingMelding:
    """An outgoing melding for one student and rule."""
    sig = signal(rule, student_id, **signal_changes)
    student = StudentDetails(student_id=student_id, birth_date=birth_date, bsn=bsn,
                             onderwijsnummer=onderwijsnummer, given_names="Sam",
                             family_name="Jansen", postcode="3511 AB", city="Utrecht",
                             woongemeente="0344", crebo="25187", opleiding="Verzorgende IG",
                             leerjaar=1, leerweg="BOL", niveau=3)
    return OutgoingMelding(melding_id=f"m-{sig.message_id}", message_id=sig.message_id,
                           school=school, student=student, signal=sig,
                           content=content or MeldingContent())


def deliver_reliably(channel: Channel, item: OutgoingMelding, *,
                     give_up_after: float = 30.0) -> Receipt:
    """What the delivery worker does: retry transient errors with backoff and jitter, and after
    an in-doubt attempt ask the status operation before sending again."""
    in_doubt = False
    for attempt in tenacity.Retrying(
        retry=tenacity.retry_if_exception_type((TransientDeliveryError, InDoubtDeliveryError)),
        wait=tenacity.wait_exponential_jitter(multiplier=0.05, max=0.5),
        stop=tenacity.stop_after_delay(give_up_after), reraise=True,
    ):
        with attempt:
            if in_doubt:
                report = channel.status(item)
                if report is not None and report.found:
                    return Receipt(message_id=item.message_id, channel=channel.name,
                                   receiver_reference=report.receiver_reference,
                                   received_at=datetime.now(UTC),
                                   status=report.status, detail="na twijfel bevestigd")
            try:
                return channel.deliver(item)
            except InDoubtDeliveryError:
                in_doubt = True
                raise
    raise AssertionError("unreachable")
