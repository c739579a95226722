"""Uitschrijving: an enrolment the SIS ended under the kwalificatieplicht is a melding to the
woongemeente (LPW art. 18, WEB art. 8.1.8), reconciled like a rule's signal at every evaluation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from gateway.domain.age import ADULT_AGE, age_on
from gateway.domain.model import Student
from gateway.domain.signals import Signal
from gateway.domain.soort_verzuim import UITSCHRIJVING

LEGAL_BASIS = "Leerplichtwet 1969 art. 18; WEB art. 8.1.8"
# Schools pass an uitschrijving on within 7 days of knowing it (Regeling gegevensverstrekking BVE
# art. 4, seed 001 bijlage 1); the gateway holds the melding to the same term.
REPORT_WITHIN = timedelta(days=7)
RECIPIENT = "leerplicht"  # the woongemeente's leerplicht desk


def under_kwalificatieplicht(student: Student, on: date) -> bool:
    """Younger than 18 on ``on`` and without a startkwalificatie."""
    return age_on(student.birth_date, on) < ADULT_AGE and not student.startkwalificatie


def uitschrijving_signal(student: Student, as_of: date) -> Signal | None:
    """The melding an ended enrolment calls for by ``as_of``; None when there is none."""
    end = student.enrolment_end
    if student.enrolment_status != "ended" or end is None or end > as_of:
        return None
    if not under_kwalificatieplicht(student, end):
        return None
    return Signal(
        rule=UITSCHRIJVING, kind="melding", student_id=student.id, recipient=RECIPIENT,
        trigger_date=end, period_start=end, period_end=end, due_date=end + REPORT_WITHIN, hours=None,
        actie_gewenst=None, legal_basis=LEGAL_BASIS, evidence=(),
        explanation=(f"De inschrijving is beëindigd op {end:%d-%m-%Y} terwijl de student "
                     "kwalificatieplichtig is: de woongemeente moet dit binnen 7 dagen weten. Is de "
                     "student een no-show zonder terugkoppeling van Leerplicht/DSP, dan gaat de melding "
                     "pas weg als is vastgelegd met wie de uitschrijving is afgestemd."),
    )


def uitschrijving_signals(students: Iterable[Student], as_of: date) -> list[Signal]:
    """The uitschrijving meldingen the given students call for."""
    return [s for s in (uitschrijving_signal(student, as_of) for student in students) if s is not None]
