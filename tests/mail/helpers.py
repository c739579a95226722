"""Small builders for mail and routing tests: signals, meldingen with complete content, openssl calls."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from gateway.domain.melding_content import Melder, MeldingContent, Verzuimspecificatie
from gateway.domain.ports import (
    OutgoingMelding,
    RecipientAddress,
    SchoolIdentity,
    StudentDetails,
)
from gateway.domain.signals import Signal

STUDENT_NAME = "Sanne"
STUDENT_FAMILY = "Jansen"
STUDENT_BSN = "123456782"
MELDER = Melder(naam="J. de Vries", functie="verzuimcoördinator", telefoon="0223-000000",
                email="verzuim@school.example")
SPECIFICATION = Verzuimspecificatie(verzuimdagen=5, verzuimuren=16.5, alle_lessen_gemist=False)


def make_signal(**changes: Any) -> Signal:
    """A verzuim-16u melding for Leerplicht, with fields changed as asked."""
    signal = Signal(
        rule="verzuim-16u", kind="melding", student_id="S1", recipient="leerplicht",
        trigger_date=date(2026, 9, 22), period_start=date(2026, 9, 1), period_end=date(2026, 9, 22),
        due_date=date(2026, 9, 29), hours=16.5, actie_gewenst=False,
        legal_basis="Leerplichtwet 1969 art. 21a", evidence=("L1", "L7"),
        explanation="16,5 ongeoorloofde uren in 4 lesweken", profile="national", profile_version="2026.1",
    )
    return replace(signal, **changes)


def complete_content(**changes: Any) -> MeldingContent:
    """Content holding every field the gate asks of every melding (``*`` in required.toml)."""
    content = MeldingContent(
        vermoedelijke_reden="Onduidelijk; de leerling zegt thuis te moeten helpen",
        actions_taken=("gebeld op 2 september", "gesprek met ouders op 9 september"),
        actie_gewenst=False, toelichting="Geen reactie op telefoon en mail; school houdt zelf contact",
        leslocatie="Den Helder, Middenweg", melder=MELDER, phone="06-12345678",
    )
    return replace(content, **changes)


def make_student(**changes: Any) -> StudentDetails:
    """Sanne Jansen, 16 on the signal's trigger date, living in Den Helder."""
    student = StudentDetails(
        student_id="S1", birth_date=date(2010, 3, 1), bsn=STUDENT_BSN, given_names=STUDENT_NAME,
        family_name=STUDENT_FAMILY, street="Dorpsstraat", house_number="1", postcode="1781AA",
        city="Den Helder", woongemeente="0400", crebo="25604", opleiding="Medewerker ICT",
        leerjaar=1, leerweg="BOL", niveau=2, phone="06-12345678", leslocatie="Den Helder, Middenweg",
    )
    return replace(student, **changes)


def recipient(name: str, email: str, cert_file: Path) -> RecipientAddress:
    """A recipient address with the certificate read from ``cert_file``."""
    return RecipientAddress(name, email, cert_file.read_bytes())


def make_melding(recipients: tuple[RecipientAddress, ...], signal: Signal | None = None, *,
                 content: MeldingContent | None = None, student: StudentDetails | None = None,
                 specification: Verzuimspecificatie | None = SPECIFICATION) -> OutgoingMelding:
    """A complete outgoing melding with personal data, addressed to ``recipients``; its content is
    ``complete_content()`` and its specification ``SPECIFICATION`` unless given."""
    signal = signal or make_signal()
    return OutgoingMelding(
        melding_id="M-1",
        message_id=signal.message_id,
        school=SchoolIdentity(
            brin="25LP", oin="00000001234567890000", name="ROC Voorbeeld", location="01",
            contact_name="J. de Vries", contact_email="verzuim@school.example", contact_phone="0223-000000",
            contact_function="verzuimcoördinator",
        ),
        student=student or make_student(),
        signal=signal,
        content=content or complete_content(),
        recipients=recipients,
        specification=specification,
    )


def openssl(*args: str | Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the openssl command line tool; never raises on a non-zero exit."""
    return subprocess.run(["openssl", *map(str, args)], input=stdin, capture_output=True, check=False,
                          timeout=60)
