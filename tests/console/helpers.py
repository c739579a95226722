"""Builders for the console tests: two schools, their students and records, users, a signed-in client."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

import httpx

from gateway import pipeline
from gateway.config.school import SchoolConfig
from gateway.domain.lifecycle import State
from gateway.domain.melding_content import ContactAttempt, MeldingContent
from gateway.domain.model import Student
from gateway.domain.ports import SourceBatch
from gateway.domain.signals import Signal
from gateway.store import Store
from gateway.store.meldingen import NewMelding, insert_melding
from tests.store.helpers import CALENDAR, SIXTEEN_HOURS_DAYS, absences, student

# No profile defaults: what a person must fill in is really missing. The school keeps two
# leslocaties (a person picks one) and its melder (naam, functie, telefoon, e-mail) in its settings.
LESLOCATIES = ["Hoofdlocatie Stationsplein", "Locatie Noord"]
SCHOOL = SchoolConfig(id="25AB00", brin="25AB", oin="00000001234567890000", name="ROC Voorbeeld",
                      review_required=True, leslocaties=LESLOCATIES, contact_name="M. de Melder",
                      contact_function="verzuimcoördinator", contact_phone="030-1234567",
                      contact_email="verzuim@voorbeeld.example")
OTHER = SchoolConfig(id="88YY00", brin="88YY", oin="00000008888888880000", name="ROC Ander",
                     review_required=True)
AS_OF = date(2026, 9, 4)
FIRST_WEEK = tuple(date(2026, 8, 31 + n) if n == 0 else date(2026, 9, n) for n in range(5))
PASSWORD = secrets.token_urlsafe(16)  # made at run time: no password is committed
OTHER_NAME = "Pieternella"


def no_show_student(sid: str, birth: date = date(2007, 3, 1), woongemeente: str = "0344") -> Student:
    """Enrolled before the summer, no intro day; 19 years old by default (no-show goes to the DSP)."""
    return student(sid, birth_date=birth, intro_attended=False, given_names=f"Noor-{sid}",
                   woongemeente=woongemeente)


def school_batch() -> SourceBatch:
    """S1 (Utrecht) reaches 16 hours on 2 September; N1 (Den Helder, region Kop van Noord-Holland)
    and N2 (Utrecht, region Utrecht) never turn up in the first week."""
    records = (absences("S1", SIXTEEN_HOURS_DAYS) + absences("N1", FIRST_WEEK, per_day=2)
               + absences("N2", FIRST_WEEK, per_day=2))
    return SourceBatch(students=[student("S1"), no_show_student("N1", woongemeente="0400"),
                                 no_show_student("N2")],
                       records=records, calendar=CALENDAR, cursor="c1")


def other_batch() -> SourceBatch:
    """The other school's student X1 reaches 16 hours too."""
    return SourceBatch(students=[student("X1", given_names=OTHER_NAME)],
                       records=absences("X1", SIXTEEN_HOURS_DAYS), calendar=CALENDAR, cursor="c1")


# What a verzuimcoördinator fills in so that any melding of the school is complete (the form's names).
COMPLETE_FORM = {
    "vermoedelijke_reden": "Problemen thuis", "acties": "Gesprek met mentor\nOuders gebeld",
    "actie_gewenst": "ja", "toelichting": "Graag een gesprek met de leerplichtambtenaar.",
    "leslocatie": LESLOCATIES[0], "zorg_problemen_buiten_school": "ja",
    "zorg_startkwalificatie_in_gevaar": "nee", "zorg_dreigende_uitval": "ja",
    "agreements": "Wekelijks gesprek", "asked_of_rmc": "Traject zoeken",
    "poging_0_datum": "2026-09-02", "poging_0_hoe": "telefoon", "poging_0_uitkomst": "Geen gehoor",
}
COMPLETE = MeldingContent(
    vermoedelijke_reden="Problemen thuis", actions_taken=("Gesprek met mentor",), actie_gewenst=False,
    toelichting="De school pakt het zelf op.", leslocatie=LESLOCATIES[0], concerns=frozenset(),
    agreements="Wekelijks gesprek", asked_of_rmc="Traject zoeken",
    contact_attempts=(ContactAttempt(date(2026, 9, 2), "telefoon", "Geen gehoor"),))


def fill_in(store: Store, melding_id: str, school_id: str = SCHOOL.id) -> None:
    """Store ``COMPLETE`` on a melding, as a person would (for tests of what comes after the gate)."""
    pipeline.save_content(store, school_id, melding_id, COMPLETE, actor="test")


def csrf_of(html: str) -> str:
    """The CSRF token in a page's first form."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "geen CSRF-token op de pagina"
    return found.group(1)


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the form (GET for the token, POST the form); returns the POST's response."""
    page = client.get("/console/aanmelden")
    return client.post("/console/aanmelden", data={"username": username, "password": password,
                                                   "csrf": csrf_of(page.text)})


def add_students(store: Store, school_id: str, *students: Student) -> None:
    """Students as the SIS delivers them (their names enter the blind index), without records."""
    batch = SourceBatch(students=list(students), calendar=CALENDAR)
    assert pipeline.ingest(store, school_id, "test", batch, "test").accepted


def add_meldingen(store: Store, school_id: str, student_id: str, count: int, *,
                  rule: str = "te-laat", status: State = State.INTERN, recipient: str = "school",
                  first: date = date(2026, 9, 1), due_in: int | None = None) -> list[str]:
    """``count`` meldingen of one student on the days from ``first`` (one a day), the n-th with
    n + 0,5 hours and, with ``due_in``, due that many days after its trigger date; their ids."""
    ids = []
    with store.write() as conn:
        for n in range(count):
            day = first + timedelta(days=n)
            signal = Signal(rule=rule, kind="melding", student_id=student_id, recipient=recipient,
                            trigger_date=day, period_start=day, period_end=None,
                            due_date=None if due_in is None else day + timedelta(days=due_in),
                            hours=n + 0.5, actie_gewenst=None, legal_basis="test", evidence=())
            insert_melding(conn, NewMelding(school_id, signal.business_id, signal.message_id, signal,
                                            status, route=None, profile_stamp="test"))
            ids.append(signal.message_id)
    return ids
