"""Incremental evaluation with the real rules engine: new signals become meldingen, vanished ones
are withdrawn."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from gateway import pipeline
from gateway.delivery import outbox
from gateway.domain.errors import IllegalTransition
from gateway.domain.ports import SourceBatch
from gateway.store import get_melding, list_meldingen
from gateway.store.schema import meldingen
from tests.store.helpers import AS_OF, CALENDAR, SCHOOL, absences, sixteen_hour_batch, student


def _ingest(store, batch=None):
    return pipeline.ingest(store, SCHOOL.id, "magister", batch or sixteen_hour_batch(), "test")


def test_new_signal_becomes_a_ready_melding_with_outbox_row(store):
    """A verzuim-16u signal becomes a melding in state klaar, with its stable ids and profile stamp."""
    _ingest(store)
    result = pipeline.evaluate(store, SCHOOL.id, AS_OF)
    [m] = list_meldingen(store, SCHOOL.id)
    assert result.created == [m.id]
    assert (m.rule, m.status, m.route, m.trigger_date) == ("verzuim-16u", "klaar", "duo", date(2026, 9, 2))
    assert m.business_id == "S1|verzuim-16u|2026-09-01|2026-09-02"
    assert m.profile_stamp.startswith("national@")
    assert outbox.list_rows(store)[0]["state"] == "pending"


def test_unchanged_students_are_not_evaluated_again(store):
    """A second evaluation with nothing changed evaluates nobody and creates nothing."""
    _ingest(store)
    pipeline.evaluate(store, SCHOOL.id, AS_OF)
    again = pipeline.evaluate(store, SCHOOL.id, AS_OF)
    assert (again.students_evaluated, again.created) == (0, [])


def test_only_students_with_changed_records_are_evaluated(store):
    """After a batch touching one student, only that student is evaluated again."""
    _ingest(
        store,
        SourceBatch(
            students=[student("S1"), student("S2")],
            calendar=CALENDAR,
            records=absences("S1", [date(2026, 9, 1)]) + absences("S2", [date(2026, 9, 1)]),
        ),
    )
    pipeline.evaluate(store, SCHOOL.id, AS_OF)
    _ingest(store, SourceBatch(records=absences("S2", [date(2026, 9, 2)])))
    result = pipeline.evaluate(store, SCHOOL.id, AS_OF)
    assert result.students_evaluated == 1
    assert [m.student_id for m in list_meldingen(store, SCHOOL.id)] == ["S2"]


def test_correction_withdraws_an_undelivered_melding(store):
    """When a correction removes the signal, the melding becomes ingetrokken and nothing is sent."""
    _ingest(store)
    [created] = pipeline.evaluate(store, SCHOOL.id, AS_OF).created
    _ingest(store, SourceBatch(records=absences("S1", [date(2026, 9, 2)], per_day=1, reason="ziek")))
    result = pipeline.evaluate(store, SCHOOL.id, AS_OF)
    assert result.withdrawn == [created]
    assert get_melding(store, created).status == "ingetrokken"
    assert outbox.list_rows(store) == []


def test_correction_after_delivery_queues_a_withdrawal(store, worker, channel):
    """A melding already delivered is withdrawn at the receiver too."""
    _ingest(store)
    [created] = pipeline.evaluate(store, SCHOOL.id, AS_OF).created
    assert worker.run_once()
    _ingest(store, SourceBatch(records=absences("S1", [date(2026, 9, 2)], per_day=1, reason="ziek")))
    pipeline.evaluate(store, SCHOOL.id, AS_OF)
    assert worker.run_once()
    assert channel.withdrawn == {created: 1}
    assert get_melding(store, created).status == "ingetrokken"


def test_review_required_school_holds_meldingen_until_approved(store, worker, channel):
    """With review on, a melding waits as concept; approval releases it to the outbox."""
    pipeline.register_school(store, SCHOOL.model_copy(update={"review_required": True}), "test")
    _ingest(store)
    [created] = pipeline.evaluate(store, SCHOOL.id, AS_OF).created
    assert get_melding(store, created).status == "concept"
    assert not worker.run_once()
    pipeline.approve(store, SCHOOL.id, created, "coordinator")
    assert worker.run_once()
    assert get_melding(store, created).status == "ontvangen"
    assert get_melding(store, created).approved_by == "coordinator"


def test_approving_twice_is_an_illegal_transition(store):
    """The lifecycle refuses a second approval."""
    pipeline.register_school(store, SCHOOL.model_copy(update={"review_required": True}), "test")
    _ingest(store)
    [created] = pipeline.evaluate(store, SCHOOL.id, AS_OF).created
    pipeline.approve(store, SCHOOL.id, created, "coordinator")
    with pytest.raises(IllegalTransition):
        pipeline.approve(store, SCHOOL.id, created, "coordinator")


def test_business_id_is_unique_per_school(store):
    """The store refuses a second melding with the same business id."""
    _ingest(store)
    pipeline.evaluate(store, SCHOOL.id, AS_OF)
    with store.read() as conn:
        row = dict(conn.execute(sa.select(meldingen)).one()._mapping)
    row["id"] = "another-id"
    with pytest.raises(sa.exc.IntegrityError), store.write() as conn:
        conn.execute(meldingen.insert().values(**row))


def test_status_feedback_moves_the_melding_on(store, worker):
    """DUO's status updates (In behandeling, Afgesloten) move a received melding along."""
    _ingest(store)
    [created] = pipeline.evaluate(store, SCHOOL.id, AS_OF).created
    worker.run_once()
    pipeline.record_feedback(store, created, "In behandeling", "duo")
    assert pipeline.record_feedback(store, created, "Afgesloten", "duo").value == "afgesloten"
    assert get_melding(store, created).receiver_status == "Afgesloten"
