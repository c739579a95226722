"""One complete melding of each kind the mail carries: the rules' (16 uur under 18, RMC 18+ with
concerns, a no-show with contact attempts), the manual ones, an uitschrijving, and a withdrawal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from gateway.domain.melding_content import Address, ContactAttempt, Verzuimspecificatie
from gateway.domain.ports import OutgoingMelding
from tests.mail.helpers import complete_content, make_melding, make_signal, make_student

CREATED_AT = datetime(2026, 9, 22, 17, 0, 5, tzinfo=UTC)
ADULT_BIRTH = date(2007, 5, 10)  # 19 on the trigger dates below


def verzuim_16u() -> OutgoingMelding:
    """16 uur in 4 lesweken of a 16-year-old, to Leerplicht."""
    return replace(make_melding(()), created_at=CREATED_AT)


def rmc_4w() -> OutgoingMelding:
    """4 weeks away of a 19-year-old, to the RMC, with the three concerns, afspraken and the ask."""
    signal = make_signal(rule="rmc-4w", recipient="rmc", legal_basis="WEB art. 8.1.8a",
                         period_end=None, hours=None, actie_gewenst=None,
                         explanation="4 aaneengesloten lesweken afwezig")
    content = complete_content(
        actie_gewenst=True, toelichting="Graag een gesprek van het RMC met de student",
        concerns=frozenset({"problemen_buiten_school", "dreigende_uitval"}),
        agreements="Wekelijks gesprek met de mentor; rooster aangepast",
        asked_of_rmc="Begeleiding naar werk of een passende opleiding")
    return replace(make_melding((), signal, content=content, student=make_student(birth_date=ADULT_BIRTH),
                                specification=Verzuimspecificatie(20, 80.0, alle_lessen_gemist=True)),
                   created_at=CREATED_AT)


def no_show() -> OutgoingMelding:
    """A 17-year-old enrolled but never seen, to the Doorstroompunt, with two contact attempts."""
    signal = make_signal(rule="no-show", recipient="dsp", legal_basis="WEB art. 8.1.8a",
                         period_start=date(2026, 8, 31), hours=None, explanation="nooit verschenen")
    content = complete_content(contact_attempts=(
        ContactAttempt(on=date(2026, 9, 2), how="telefoon", outcome="geen gehoor"),
        ContactAttempt(on=date(2026, 9, 4), how="brief", outcome="geen reactie"),
    ))
    student = make_student(birth_date=date(2009, 6, 1), enrolled_on=date(2026, 6, 15))
    return replace(make_melding((), signal, content=content, student=student,
                                specification=Verzuimspecificatie(16, 64.0, alle_lessen_gemist=True)),
                   created_at=CREATED_AT)


def beginnend_verzuim() -> OutgoingMelding:
    """A manual melding of beginnend verzuim, with an afwijkend verblijfadres."""
    signal = make_signal(rule="beginnend-verzuim", hours=None, due_date=None, explanation="")
    content = complete_content(different_address=Address(
        straat="Kerkstraat", huisnummer="12", huisletter="a", postcode="1782BB", plaatsnaam="Den Helder"))
    return replace(make_melding((), signal, content=content,
                                specification=Verzuimspecificatie(3, 6.0, alle_lessen_gemist=False)),
                   created_at=CREATED_AT)


def zorgmelding() -> OutgoingMelding:
    """A manual zorgmelding from the first hour for a 19-year-old at risk of dropping out."""
    signal = make_signal(rule="zorgmelding", recipient="rmc", legal_basis="WEB art. 8.1.8a", hours=None,
                         due_date=None, explanation="")
    content = complete_content(actie_gewenst=True, toelichting="Snel contact: student dreigt uit te vallen",
                               concerns=frozenset({"dreigende_uitval"}), agreements="Geen afspraken gemaakt",
                               asked_of_rmc="Contact met de student deze week")
    return replace(make_melding((), signal, content=content, student=make_student(birth_date=ADULT_BIRTH),
                                specification=Verzuimspecificatie(1, 2.0, alle_lessen_gemist=False)),
                   created_at=CREATED_AT)


def uitschrijving() -> OutgoingMelding:
    """The deregistration of a 16-year-old under the kwalificatieplicht, to the woongemeente."""
    signal = make_signal(rule="uitschrijving", legal_basis="Leerplichtwet 1969 art. 18",
                         period_start=date(2026, 10, 1), period_end=None, trigger_date=date(2026, 10, 1),
                         due_date=None, hours=None, evidence=(), explanation="")
    content = complete_content(deregistration_agreed="Afgestemd met Leerplicht Den Helder op 28 september")
    return replace(make_melding((), signal, content=content, specification=None), created_at=CREATED_AT)


def all_kinds() -> dict[str, tuple[OutgoingMelding, str | None]]:
    """Every kind above as (melding, withdrawal reason), plus the withdrawal of the 16-uur melding."""
    return {
        "verzuim-16u": (verzuim_16u(), None),
        "rmc-4w": (rmc_4w(), None),
        "no-show": (no_show(), None),
        "beginnend-verzuim": (beginnend_verzuim(), None),
        "zorgmelding": (zorgmelding(), None),
        "uitschrijving": (uitschrijving(), None),
        "intrekking": (verzuim_16u(), "correctie na ziekmelding"),
    }
