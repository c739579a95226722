"""Uitschrijving: an enrolment ended under the kwalificatieplicht is a melding to the woongemeente."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from gateway import pipeline
from gateway.delivery.worker import Worker
from gateway.domain.melding_content import ContactAttempt, MeldingContent
from gateway.domain.model import AttendanceRecord
from gateway.domain.ports import SourceBatch
from gateway.store import Store, get_melding, list_meldingen
from tests.store.helpers import AS_OF, CALENDAR, SCHOOL, absences, drain, student

END = date(2026, 9, 3)
FIRST_WEEK = [date(2026, 8, 31) + timedelta(days=n) for n in range(5)]


def _sync(store: Store, records: list[AttendanceRecord] | None = None, **facts: object) -> None:
    batch = SourceBatch(students=[student("S1", **facts)], records=records or [], calendar=CALENDAR)
    pipeline.ingest(store, SCHOOL.id, "magister", batch, "test")
    pipeline.evaluate(store, SCHOOL.id, AS_OF)


def _uitschrijvingen(store: Store) -> list:
    return [m for m in list_meldingen(store, SCHOOL.id) if m.rule == "uitschrijving"]


def _ended(store: Store, **facts: object) -> None:
    _sync(store, enrolment_status="ended", enrolment_end=END, **facts)


def test_a_16_year_old_deregistered_is_reported_to_leerplicht_within_7_days(store):
    """LPW art. 18: the woongemeente hears of it, due 7 days after the end of the enrolment."""
    _ended(store)
    [melding] = _uitschrijvingen(store)
    assert (melding.recipient, melding.period_start, melding.due_date) == ("leerplicht", END,
                                                                           END + timedelta(days=7))
    assert melding.signal["legal_basis"] == "Leerplichtwet 1969 art. 18; WEB art. 8.1.8"


def test_an_18_year_old_deregistered_is_no_longer_under_the_kwalificatieplicht(store):
    """From 18 on, an uitschrijving is no melding."""
    _ended(store, birth_date=date(2008, 1, 1))
    assert _uitschrijvingen(store) == []


def test_a_student_with_a_startkwalificatie_is_not_reported(store):
    """The kwalificatieplicht ends with a startkwalificatie."""
    _ended(store, startkwalificatie=True)
    assert _uitschrijvingen(store) == []


def test_an_enrolment_ending_later_is_reported_once_it_has_ended(store):
    """A planned end date is no uitschrijving yet."""
    _sync(store, enrolment_status="ended", enrolment_end=AS_OF + timedelta(days=10))
    assert _uitschrijvingen(store) == []


def test_the_same_uitschrijving_is_reported_once_across_evaluations(store):
    """The business id is the end date: a later evaluation finds it, it does not make another."""
    _ended(store)
    pipeline.evaluate(store, SCHOOL.id, AS_OF + timedelta(days=1))
    assert len(_uitschrijvingen(store)) == 1


def test_an_enrolment_made_active_again_withdraws_the_uitschrijving(store):
    """The SIS corrected itself: the melding is withdrawn."""
    _ended(store)
    _sync(store)
    [melding] = _uitschrijvingen(store)
    assert melding.status == "ingetrokken"


@pytest.fixture
def no_show(store: Store, worker: Worker) -> str:
    """S1 never came (absent from the first school day on, no intro): a no-show melding delivered
    to the DSP, with no outcome yet."""
    _sync(store, absences("S1", FIRST_WEEK), intro_attended=False)
    [melding] = [m for m in list_meldingen(store, SCHOOL.id) if m.rule == "no-show"]
    tried = MeldingContent(contact_attempts=(ContactAttempt(FIRST_WEEK[1], "telefoon", "geen gehoor"),))
    pipeline.save_content(store, SCHOOL.id, melding.id, tried, "coördinator")  # complete: released
    drain(worker)
    return melding.id


def test_deregistering_a_no_show_without_an_outcome_is_held_with_the_reason(store, no_show):
    """Seed 000: only in agreement with Leerplicht/DSP; the melding waits for that agreement."""
    _ended(store, intro_attended=False)
    [melding] = _uitschrijvingen(store)
    assert (melding.status, melding.missing) == ("concept", ["deregistration_agreed"])
    assert "no-show zonder terugkoppeling van Leerplicht/DSP" in melding.signal["explanation"]


def test_the_dsp_s_outcome_frees_the_held_uitschrijving(store, no_show):
    """Once the DSP reported back, nothing holds the uitschrijving."""
    _ended(store, intro_attended=False)
    pipeline.record_feedback(store, no_show, "Gestart elders", "dsp")
    [melding] = _uitschrijvingen(store)
    assert melding.status == "klaar" and melding.missing == []


def test_recording_the_agreement_frees_the_held_uitschrijving(store, no_show):
    """The coordinator records with whom it was agreed; the melding may go."""
    _ended(store, intro_attended=False)
    [melding] = _uitschrijvingen(store)
    agreed = pipeline.content_review(store, SCHOOL.id, melding.id).stored
    agreed = dataclasses.replace(agreed, deregistration_agreed="Afgestemd met DSP (J. Jansen) op 3-9")
    assert pipeline.save_content(store, SCHOOL.id, melding.id, agreed, "coördinator") == ()
    assert get_melding(store, melding.id).status == "klaar"
