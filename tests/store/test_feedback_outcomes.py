"""A receiver's statuses and outcomes in the store: the Besluit's lists and the DSP's outcomes move a
melding, are kept as canonical labels, start the receiver's clock once, and are audited by code."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from gateway import pipeline
from gateway.console.feedback_store import FeedbackEntry, feedback_for, store_feedback
from gateway.domain import receiver_status as rs
from gateway.domain.errors import InvalidInput
from gateway.domain.lifecycle import FEEDBACK_STATES, State, feedback_state
from gateway.store import audit, get_melding
from gateway.store.face_tables import feedback
from gateway.store.schema import meldingen
from tests.store.helpers import AS_OF, SCHOOL, sixteen_hour_batch

CONTACT = rs.Contactpersoon("Anna de Boer", "leerplichtambtenaar", "030-0000000", "a.deboer@utrecht.example")


def _received(store, worker) -> str:
    """A 16-uur melding delivered to DUO and received (state ontvangen)."""
    pipeline.ingest(store, SCHOOL.id, "magister", sixteen_hour_batch(), "test")
    [created] = pipeline.evaluate(store, SCHOOL.id, AS_OF).created
    worker.run_once()
    assert get_melding(store, created).status == "ontvangen"
    return created


def _first_feedback_at(store, melding_id: str):
    with store.read() as conn:
        return conn.scalar(sa.select(meldingen.c.first_feedback_at).where(meldingen.c.id == melding_id))


def _feedback_audits(store, melding_id: str) -> list[dict]:
    return [e for e in audit.entries(store, subject=melding_id) if e["action"] == "terugkoppeling"]


def test_every_label_and_old_value_has_a_state() -> None:
    """Each canonical label of receiver_status, and each old value, maps to a melding state."""
    for text in (*rs.ALL_STATUSES, *rs.LEGACY):
        assert feedback_state(text) is not None, text
    assert set(rs.ALL_STATUSES) <= set(FEEDBACK_STATES)


@pytest.mark.parametrize(("text", "state"), [
    ("Uit beeld", State.AFGESLOTEN),
    ("Gestart bij mbo", State.AFGESLOTEN),
    ("Gestart elders", State.AFGESLOTEN),
    ("Niet gestart – in begeleiding", State.IN_BEHANDELING),
    ("Ter kennisneming aangenomen", State.TER_KENNISGEVING),
    ("Overgedragen aan derden", State.IN_BEHANDELING),
])
def test_outcomes_map_to_states(text: str, state: State) -> None:
    """The DSP's outcomes and the gemeente's statuses move the melding as the seeds describe."""
    assert feedback_state(text) is state


def test_a_spelling_is_stored_as_the_canonical_label(store, worker) -> None:
    """Hyphen, odd case and spaces: the melding keeps the label with the en dash."""
    melding_id = _received(store, worker)
    state = pipeline.record_feedback(store, melding_id, "  niet GESTART-in   begeleiding ", "dsp")
    assert state is State.IN_BEHANDELING
    assert get_melding(store, melding_id).receiver_status == rs.NIET_GESTART


def test_an_unknown_status_is_refused_naming_the_accepted_ones(store, worker) -> None:
    """An unknown status changes nothing; the Dutch message lists what is accepted."""
    melding_id = _received(store, worker)
    with pytest.raises(InvalidInput, match=r"onbekende status 'Verhuisd'.*'Afgesloten'.*'Gestart bij mbo'"):
        pipeline.record_feedback(store, melding_id, "Verhuisd", "dsp")
    assert get_melding(store, melding_id).status == "ontvangen"
    assert _feedback_audits(store, melding_id) == []


def test_the_first_status_after_the_receipt_starts_the_receivers_clock(store, worker) -> None:
    """first_feedback_at is set by the first status other than Geregistreerd, and only once."""
    melding_id = _received(store, worker)
    pipeline.record_feedback(store, melding_id, "Geregistreerd", "duo")
    assert _first_feedback_at(store, melding_id) is None
    pipeline.record_feedback(store, melding_id, "In behandeling", "duo")
    first = _first_feedback_at(store, melding_id)
    assert first is not None
    pipeline.record_feedback(store, melding_id, "Afgesloten", "duo")
    assert _first_feedback_at(store, melding_id) == first


def test_a_late_receipt_does_not_undo_a_later_status(store, worker) -> None:
    """DUO's Geregistreerd arriving after In behandeling leaves the melding and its status alone."""
    melding_id = _received(store, worker)
    pipeline.record_feedback(store, melding_id, "In behandeling", "duo")
    assert pipeline.record_feedback(store, melding_id, "Geregistreerd", "duo") is State.IN_BEHANDELING
    assert get_melding(store, melding_id).receiver_status == rs.IN_BEHANDELING


def test_the_audit_entry_carries_the_codes_not_the_toelichting_or_contact(store, worker) -> None:
    """Status, reden, toelichting code and start date are audited; free text and the person are not."""
    melding_id = _received(store, worker)
    outcome = rs.ReceiverOutcome(rs.AFGESLOTEN, "werk", "geen_actie_meer", None, CONTACT,
                                 "Werkt bij de bakker om de hoek")
    pipeline.record_feedback(store, melding_id, "afgesloten", "leerplicht", outcome=outcome)
    (entry,) = _feedback_audits(store, melding_id)
    assert {k: entry["data"][k] for k in ("status", "reden", "toelichting_afsluiting", "started_on")} == {
        "status": "Afgesloten", "reden": "werk", "toelichting_afsluiting": "geen_actie_meer",
        "started_on": None}
    text = str(entry)
    assert "bakker" not in text and "Anna" not in text and "030-0000000" not in text


def test_the_start_date_is_audited(store, worker) -> None:
    """A DSP's 'Gestart elders' with its start date: the date is in the audit entry."""
    melding_id = _received(store, worker)
    outcome = rs.ReceiverOutcome(rs.GESTART_ELDERS, started_on=date(2026, 9, 2))
    pipeline.record_feedback(store, melding_id, rs.GESTART_ELDERS, "dsp", outcome=outcome)
    (entry,) = _feedback_audits(store, melding_id)
    assert entry["data"]["started_on"] == "2026-09-02"


@pytest.mark.parametrize(("status", "outcome", "field"), [
    (rs.IN_BEHANDELING, rs.ReceiverOutcome(rs.IN_BEHANDELING, reden="werk"), "reden"),
    (rs.AFGESLOTEN, rs.ReceiverOutcome(rs.AFGESLOTEN, reden="verhuisd"), "reden"),
    (rs.TER_KENNISNEMING, rs.ReceiverOutcome(rs.TER_KENNISNEMING, toelichting_afsluiting="geen_actie_meer"),
     "toelichting_afsluiting"),
    (rs.NIET_GESTART, rs.ReceiverOutcome(rs.NIET_GESTART, started_on=date(2026, 9, 2)), "started_on"),
    (rs.AFGESLOTEN, rs.ReceiverOutcome(rs.IN_BEHANDELING), "status"),
])
def test_an_outcome_that_does_not_fit_its_status_is_refused(store, worker, status, outcome, field) -> None:
    """Codes belong to Afgesloten, a start date to the gestart outcomes, and the statuses must agree."""
    melding_id = _received(store, worker)
    with pytest.raises(InvalidInput, match=field):
        pipeline.record_feedback(store, melding_id, status, "leerplicht", outcome=outcome)
    assert get_melding(store, melding_id).status == "ontvangen"


def test_a_claim_that_was_made_before_changes_nothing(store, worker) -> None:
    """When the claim says the report was kept before, the melding and the audit stay as they are."""
    melding_id = _received(store, worker)
    state = pipeline.record_feedback(store, melding_id, "Afgesloten", "duo", claim=lambda conn: False)
    assert state is State.ONTVANGEN
    assert get_melding(store, melding_id).receiver_status is None
    assert _feedback_audits(store, melding_id) == []


def test_the_same_report_is_kept_once(store, worker) -> None:
    """store_feedback twice with the same content: one row; with another toelichting: a second row."""
    melding_id = _received(store, worker)
    entry = FeedbackEntry(melding_id, "leerplicht-0344", rs.AFGESLOTEN, "gezien", date(2026, 9, 3),
                          "terug_naar_school", "gezien_door_gemeente", None, CONTACT)
    assert store_feedback(store, SCHOOL.id, entry)
    assert not store_feedback(store, SCHOOL.id, entry)
    assert store_feedback(store, SCHOOL.id, FeedbackEntry(
        melding_id, "leerplicht-0344", rs.AFGESLOTEN, "nogmaals gezien", date(2026, 9, 3),
        "terug_naar_school", "gezien_door_gemeente", None, CONTACT))
    with store.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(feedback)) == 2


def test_a_kept_report_reads_back_whole(store, worker) -> None:
    """Codes, start date, toelichting and contactpersoon come back as they were reported."""
    melding_id = _received(store, worker)
    entry = FeedbackEntry(melding_id, "leerplicht-0344", rs.AFGESLOTEN, "gezien", date(2026, 9, 3),
                          "andere_opleiding", "gezien_door_gemeente", None, CONTACT)
    store_feedback(store, SCHOOL.id, entry)
    assert feedback_for(store, SCHOOL.id, [melding_id])[melding_id] == [entry]


def test_the_contactpersoon_is_encrypted_at_rest(store, worker) -> None:
    """The gemeentelijke contactpersoon (a person) is not stored in clear."""
    melding_id = _received(store, worker)
    store_feedback(store, SCHOOL.id, FeedbackEntry(melding_id, "leerplicht-0344", rs.IN_BEHANDELING, None,
                                                   date(2026, 9, 3), contactpersoon=CONTACT))
    with store.read() as conn:
        stored = conn.scalar(sa.select(feedback.c.contactpersoon))
    assert stored is not None and "Anna" not in stored and "utrecht.example" not in stored


@pytest.mark.parametrize(("old", "reads_as"), [
    ("Niet gestart - in begeleiding", rs.NIET_GESTART),
    ("Overgedragen aan derden", rs.IN_BEHANDELING),
    ("Ter kennisgeving aangenomen", rs.TER_KENNISNEMING),
])
def test_rows_of_earlier_versions_read_as_canonical_labels(store, worker, old: str, reads_as: str) -> None:
    """A row stored before (hyphen, legacy DUO value, no digest) reads with today's label."""
    melding_id = _received(store, worker)
    with store.write() as conn:
        conn.execute(feedback.insert().values(melding_id=melding_id, school_id=SCHOOL.id, organisation="duo",
                                              status=old, reported_on=date(2025, 10, 1),
                                              created_at=date(2025, 10, 1)))
    (entry,) = feedback_for(store, SCHOOL.id, [melding_id])[melding_id]
    assert entry.status == reads_as and entry.reden is None and entry.contactpersoon is None
