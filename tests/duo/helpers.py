"""Small builders for DUO channel and melding document tests: a complete melding (every field of
the Besluit Verzuimmelding decided), and a version 1 request written by hand."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from datetime import date
from typing import Any

from gateway.delivery.attempt import attempt
from gateway.delivery.document.schema import VZ_V1
from gateway.delivery.retry import RetryPolicy, next_attempt
from gateway.domain.melding_content import (
    ContactAttempt,
    Melder,
    MeldingContent,
    Verzuimspecificatie,
)
from gateway.domain.ports import (
    Channel,
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


MELDER = Melder(naam="J. de Vries", functie="verzuimcoördinator", telefoon="030-1234567",
                email="verzuim@testcollege.example")
SPECIFICATION = Verzuimspecificatie(verzuimdagen=4, verzuimuren=16.5, alle_lessen_gemist=False)
ENROLLED_ON = date(2026, 8, 24)


def complete_content(**changes: Any) -> MeldingContent:
    """Content with every field of the Besluit, seed 002 (18+, RMC) and seed 000 (no-show)
    decided; keyword arguments override fields."""
    base = MeldingContent(
        vermoedelijke_reden="problemen thuis", actions_taken=("gesprek met ouders", "brief verstuurd"),
        actie_gewenst=True, toelichting="graag een gesprek met leerling en ouders",
        leslocatie="Hoofdlocatie Utrecht", melder=MELDER, phone="06-12345678",
        concerns=frozenset({"dreigende_uitval"}), agreements="wekelijks gesprek met de mentor",
        asked_of_rmc="begeleiding naar een passende opleiding",
        contact_attempts=(ContactAttempt(date(2026, 9, 2), "telefoon", "geen gehoor"),
                          ContactAttempt(date(2026, 9, 3), "huisbezoek", "niemand thuis")),
    )
    return replace(base, **changes)


def melden_request_xml(duo_oin: str, kenmerk: str) -> bytes:
    """A valid version 1 MeldenVerzuimRequest (LRV, open end date) written by hand, as a gateway
    sent it before version 2."""
    return f"""<vz:MeldenVerzuimRequest xmlns:vz="{VZ_V1}">
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
            content: MeldingContent | None = None,
            specification: Verzuimspecificatie | None = SPECIFICATION,
            enrolled_on: date | None = ENROLLED_ON, **signal_changes: Any) -> OutgoingMelding:
    """An outgoing melding for one student and rule, complete unless ``content`` says otherwise."""
    sig = signal(rule, student_id, **signal_changes)
    student = StudentDetails(student_id=student_id, birth_date=birth_date, bsn=bsn,
                             onderwijsnummer=onderwijsnummer, given_names="Sam",
                             family_name="Jansen", postcode="3511 AB", city="Utrecht",
                             woongemeente="0344", crebo="25187", opleiding="Verzorgende IG",
                             leerjaar=1, leerweg="BOL", niveau=3, phone="06-12345678",
                             leslocatie="Hoofdlocatie Utrecht", enrolled_on=enrolled_on)
    return OutgoingMelding(melding_id=f"m-{sig.message_id}", message_id=sig.message_id,
                           school=school, student=student, signal=sig,
                           content=complete_content() if content is None else content,
                           specification=specification)


# The worker's retry policy with waits short enough for a test that rides out a seconds-long outage.
QUICK_RETRY = RetryPolicy(initial=0.05, maximum=0.5, jitter=0.05, max_attempts=100, in_doubt_delay=0.05)


def deliver_reliably(channel: Channel, item: OutgoingMelding, *, give_up_after: float = 30.0,
                     policy: RetryPolicy = QUICK_RETRY) -> Receipt:
    """What the delivery worker does, without the store: its attempts (status first once in doubt)
    and its retry decisions, waiting between attempts as the outbox would."""
    deadline = time.monotonic() + give_up_after
    in_doubt = False
    for attempts in itertools.count(1):
        outcome = attempt(channel, item, in_doubt=in_doubt)
        if outcome.receipt is not None:
            return outcome.receipt
        retry = next_attempt(outcome, policy, attempts=attempts, in_doubt=in_doubt)
        if retry is None or time.monotonic() + retry.wait.total_seconds() > deadline:
            raise AssertionError(f"niet afgeleverd na {attempts} pogingen: {outcome.verdict} {outcome.error}")
        in_doubt = retry.in_doubt
        time.sleep(retry.wait.total_seconds())  # the backoff itself: the outage must pass meanwhile
    raise AssertionError("unreachable")
