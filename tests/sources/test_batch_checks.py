"""The batch checks in `pipeline.ingest` (issue 15): an adapter's batch is checked as a push is.

That includes the identity numbers: a student who could get a melding needs a BSN or an
onderwijsnummer, whichever source delivers the batch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from gateway import pipeline
from gateway.domain.model import AttendanceRecord, Calendar, Student
from gateway.domain.ports import SourceBatch
from gateway.intake.batch_checks import check_batch, missing_identifiers, reportable
from gateway.store import Store
from gateway.store import students as students_repo
from gateway.store.attendance import load_records
from gateway.testing.identity_numbers import onderwijsnummer
from tests.api.conftest import make_store
from tests.api.helpers import AS_OF, CALENDAR, SCHOOL

PUPIL = Student(id="99XX-1", birth_date=date(2010, 3, 1), leerweg="BOL", onderwijsnummer=onderwijsnummer(1))
NO_NUMBERS = PUPIL.model_copy(update={"id": "99XX-2", "onderwijsnummer": None})  # 16: reportable
LESSON = AttendanceRecord(id="L1", student_id=PUPIL.id, date=AS_OF, start=time(8), end=time(9),
                          status="absent")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store with the test school."""
    opened = make_store(tmp_path)
    yield opened
    opened.close()


def _ingest(store: Store, batch: SourceBatch, *, strict_withdrawals: bool = False) -> pipeline.IngestResult:
    return pipeline.ingest(store, SCHOOL.id, "magister", batch, "test", as_of=AS_OF,
                           strict_withdrawals=strict_withdrawals)


def _first(store: Store) -> None:
    batch = SourceBatch(students=[PUPIL], records=[LESSON], calendar=Calendar.model_validate(CALENDAR))
    assert _ingest(store, batch).accepted


def test_an_adapter_batch_with_a_future_lesson_is_rejected_whole(store: Store) -> None:
    """A lesson after as_of plus a day rejects the batch; the good lesson beside it is not stored."""
    later = LESSON.model_copy(update={"id": "L2", "date": AS_OF + timedelta(days=2)})
    batch = SourceBatch(students=[PUPIL], records=[LESSON, later], calendar=Calendar.model_validate(CALENDAR))
    result = _ingest(store, batch)
    assert not result.accepted and [r.field for r in result.rejected] == ["records[1].date"]
    with store.read() as conn:
        assert load_records(conn, SCHOOL.id, [PUPIL.id]) == []


def test_ingest_takes_today_in_amsterdam_when_no_as_of_is_given(store: Store) -> None:
    """Without as_of a lesson far in the future is still caught (today's date is the default)."""
    far = LESSON.model_copy(update={"date": date(2199, 1, 1)})
    batch = SourceBatch(students=[PUPIL], records=[far], calendar=Calendar.model_validate(CALENDAR))
    assert not pipeline.ingest(store, SCHOOL.id, "magister", batch, "test").accepted


def test_two_students_with_one_id_reject_the_batch(store: Store) -> None:
    """Duplicate student ids are refused like duplicate record ids."""
    result = _ingest(store, SourceBatch(students=[PUPIL, PUPIL]))
    assert not result.accepted and result.rejected[0].field == "students[1].id"


def test_an_id_delivered_and_withdrawn_at_once_is_refused() -> None:
    """Which one holds? Neither: the batch contradicts itself."""
    faults = check_batch(SourceBatch(records=[LESSON], withdrawn_record_ids=["x", LESSON.id]), AS_OF)
    assert [f.field for f in faults] == ["withdrawn_record_ids[1]"]


def test_an_adapter_may_withdraw_an_id_it_held_back(store: Store) -> None:
    """Eduarte withdraws ids it held back earlier, never stored: without strictness that is no error."""
    _first(store)
    result = _ingest(store, SourceBatch(withdrawn_record_ids=[LESSON.id, "held-back"]))
    assert result.accepted and result.withdrawn == 1


def test_strict_ingest_refuses_an_unknown_withdrawn_id_and_withdraws_nothing(store: Store) -> None:
    """The push API's strictness: an id the source never delivered rejects the batch, naming it."""
    _first(store)
    result = _ingest(store, SourceBatch(withdrawn_record_ids=[LESSON.id, "nooit"]), strict_withdrawals=True)
    assert not result.accepted and [r.field for r in result.rejected] == ["withdrawn_record_ids[1]"]
    with store.read() as conn:
        assert len(load_records(conn, SCHOOL.id, [PUPIL.id])) == 1


def test_an_id_withdrawn_again_is_known(store: Store) -> None:
    """Withdrawing twice (a retried push) is not an unknown id."""
    _first(store)
    batch = SourceBatch(withdrawn_record_ids=[LESSON.id])
    assert _ingest(store, batch, strict_withdrawals=True).accepted
    assert _ingest(store, batch, strict_withdrawals=True).accepted


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, True),                                                          # 16, no startkwalificatie
    ({"birth_date": date(2004, 1, 1)}, True),                            # 22: RMC
    ({"birth_date": date(2001, 1, 1)}, False),                           # 25
    ({"birth_date": date(2001, 1, 1), "studiefinanciering": True}, True),  # DUO-IB meldingen
    ({"birth_date": date(2006, 1, 1), "startkwalificatie": True}, False),
])
def test_who_could_get_a_melding(changes: dict[str, object], expected: bool) -> None:
    """Younger than 23 without startkwalificatie, or with studiefinanciering."""
    assert reportable(PUPIL.model_copy(update=changes), AS_OF) is expected


def test_a_number_of_either_kind_is_enough() -> None:
    """A BSN alone or an onderwijsnummer alone satisfies the check."""
    with_bsn = NO_NUMBERS.model_copy(update={"bsn": "111222333"})
    assert missing_identifiers([with_bsn, PUPIL], AS_OF) == []
    assert [r.field for r in missing_identifiers([with_bsn, NO_NUMBERS], AS_OF)] == ["students[1].bsn"]


def test_the_whole_batch_check_includes_the_identity_numbers() -> None:
    """check_batch, the one list the API, the push check and every adapter share, asks for the numbers."""
    faults = check_batch(SourceBatch(students=[PUPIL, NO_NUMBERS]), AS_OF)
    assert [f.student_id for f in faults] == [NO_NUMBERS.id]


def test_an_adapter_batch_with_a_reportable_student_without_numbers_is_refused(store: Store) -> None:
    """Through pipeline.ingest, as an adapter delivers: refused whole, naming the student and the field."""
    batch = SourceBatch(students=[PUPIL, NO_NUMBERS], records=[LESSON],
                        calendar=Calendar.model_validate(CALENDAR))
    result = _ingest(store, batch)
    assert not result.accepted
    assert [(r.student_id, r.field) for r in result.rejected] == [(NO_NUMBERS.id, "students[1].bsn")]
    assert NO_NUMBERS.id in result.rejected[0].reason and "onderwijsnummer" in result.rejected[0].reason


def test_a_refused_batch_stores_none_of_its_students(store: Store) -> None:
    """All or nothing: the student with a number beside the one without is not stored either."""
    _ingest(store, SourceBatch(students=[PUPIL, NO_NUMBERS], calendar=Calendar.model_validate(CALENDAR)))
    with store.read() as conn:
        assert students_repo.existing_ids(conn, SCHOOL.id, {PUPIL.id, NO_NUMBERS.id}) == set()


def test_the_refusal_carries_no_number_of_another_student(store: Store) -> None:
    """The message names ids only: the onderwijsnummer of the student beside it does not appear."""
    result = _ingest(store, SourceBatch(students=[PUPIL, NO_NUMBERS]))
    assert PUPIL.onderwijsnummer is not None
    assert all(PUPIL.onderwijsnummer not in r.reason for r in result.rejected)


@pytest.mark.parametrize("changes", [
    {"birth_date": date(2001, 1, 1)},                            # 25: no melding can name them
    {"birth_date": date(2008, 1, 1), "startkwalificatie": True},  # 18 with startkwalificatie
], ids=["23-plus", "startkwalificatie"])
def test_an_adapter_batch_with_an_unreportable_student_without_numbers_is_accepted(
        store: Store, changes: dict[str, object]) -> None:
    """Who cannot get a melding needs no number: the batch is taken."""
    batch = SourceBatch(students=[NO_NUMBERS.model_copy(update=changes)],
                        calendar=Calendar.model_validate(CALENDAR))
    assert _ingest(store, batch).accepted
