"""The daily job keeps yesterday's counts and reads only what changed; its result equals a full
evaluation of every record, every day, corrections included (DESIGN.md section 8)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa

from gateway import pipeline
from gateway.config.school import SchoolConfig, school_profile
from gateway.domain.calendar import SchoolCalendar
from gateway.domain.lifecycle import State
from gateway.domain.ports import SourceBatch
from gateway.domain.soort_verzuim import KINDS_BEYOND_RULES
from gateway.rules import evaluate as evaluate_in_memory
from gateway.store import Store, evaluation_state
from gateway.store import attendance_columns as columns_repo
from gateway.store.schema import evaluation_state as state_table
from gateway.store.schema import meldingen
from gateway.store.schema import students as students_table
from gateway.testing.synthetic import SyntheticSchool, generate_school
from tests.store.conftest import school_store
from tests.store.helpers import CALENDAR, SCHOOL, absences, student

TERM_START = date(2026, 8, 31)


def _school(profile: str) -> SchoolConfig:
    return SCHOOL.model_copy(update={"profile": profile})


def _synthetic() -> SyntheticSchool:
    """Forty students, eight weeks, every scenario (no-shows, 16 uur, lrv, late corrections)."""
    return generate_school(seed=11, size=40, start=TERM_START, brin=SCHOOL.brin)


def _ingest_day(store: Store, school: SyntheticSchool, day: date) -> None:
    """What a daily sync brings on ``day``: the students, the calendar, and the SIS's records as they
    show that day (new lessons, and corrections of old ones)."""
    batch = SourceBatch(students=list(school.students), calendar=school.calendar,
                        records=school.records_as_of(day))
    result = pipeline.ingest(store, SCHOOL.id, "magister", batch, "test")
    assert result.accepted, result.rejected[:3]


def _active(store: Store) -> set[tuple[str, str]]:
    """(business id without ``#n``, status kind) of every melding that is not withdrawn."""
    with store.read() as conn:
        rows = conn.execute(sa.select(meldingen.c.business_id, meldingen.c.kind)
                            .where(meldingen.c.status != State.INGETROKKEN.value))
        return {(r.business_id.split("#", 1)[0], r.kind) for r in rows}


def _forget(store: Store) -> None:
    with store.write() as conn:
        evaluation_state.forget(conn, SCHOOL.id)


@contextmanager
def _two_stores(daily_url: str, full_url: str, config: SchoolConfig) -> Iterator[tuple[Store, Store]]:
    """The daily store and a second store that evaluates every record afresh each day."""
    with school_store(daily_url) as daily, school_store(full_url) as full:
        for store in (daily, full):
            pipeline.register_school(store, config, "test")
        yield daily, full


@pytest.mark.parametrize("profile", ["utrecht", "national"])
def test_the_daily_job_equals_a_full_evaluation_every_day_of_a_term(store_url, tmp_path, profile):
    """Day by day, the daily store (kept counts, only what changed read) holds exactly the meldingen of
    a store that reads every record afresh, and its rule signals are exactly the in-memory engine's."""
    config = _school(profile)
    school = _synthetic()
    days = [d for d in SchoolCalendar(school.calendar).school_days if d <= school.end]
    with _two_stores(store_url, f"sqlite:///{tmp_path / 'full.db'}", config) as (daily, full):
        for day in days:
            for store in (daily, full):
                _ingest_day(store, school, day)
            _forget(full)
            pipeline.evaluate(daily, SCHOOL.id, day)
            pipeline.evaluate(full, SCHOOL.id, day)
            assert _active(daily) == _active(full), day
            signals = evaluate_in_memory(school.calendar, list(school.students), school.records_as_of(day),
                                         school_profile(config), day)
            engine = {(s.business_id, s.kind) for s in signals}
            assert {a for a in _active(daily) if a[0].split("|")[1] not in KINDS_BEYOND_RULES} == engine, day


def test_after_the_first_evaluation_a_new_day_reads_only_the_records_stored_since(store, monkeypatch):
    """The first evaluation reads every record; the next day's reads the new ones, not the year."""
    first = SourceBatch(students=[student("S1"), student("S2")], calendar=CALENDAR,
                        records=absences("S1", [date(2026, 9, 1)]))
    pipeline.ingest(store, SCHOOL.id, "magister", first, "test")
    pipeline.evaluate(store, SCHOOL.id, date(2026, 9, 1))

    def no_full_read(*_: object) -> None:
        raise AssertionError("the daily job read every record again")

    monkeypatch.setattr(columns_repo, "grouped_all", no_full_read)
    pipeline.ingest(store, SCHOOL.id, "magister",
                    SourceBatch(records=absences("S1", [date(2026, 9, 2)])), "test")
    result = pipeline.evaluate(store, SCHOOL.id, date(2026, 9, 2))
    assert [m for m in result.created] and result.students_evaluated == 2


def test_a_correction_of_an_old_record_recounts_that_student_from_the_store(store):
    """A record changed after the kept state is counted again for its student: the signal it carried
    vanishes and its melding is withdrawn."""
    two_days = absences("S1", [date(2026, 9, 1), date(2026, 9, 2)])
    pipeline.ingest(store, SCHOOL.id, "magister",
                    SourceBatch(students=[student("S1")], calendar=CALENDAR, records=two_days), "test")
    [made] = pipeline.evaluate(store, SCHOOL.id, date(2026, 9, 2)).created
    pipeline.ingest(store, SCHOOL.id, "magister", SourceBatch(
        records=absences("S1", [date(2026, 9, 1)], reason="ziek")), "test")
    result = pipeline.evaluate(store, SCHOOL.id, date(2026, 9, 3))
    assert result.withdrawn == [made]


def test_a_record_moved_to_another_student_is_recounted_for_both(store):
    """When the SIS moves a lesson to another student, it stops counting for the first."""
    pipeline.ingest(store, SCHOOL.id, "magister", SourceBatch(
        students=[student("S1"), student("S2")], calendar=CALENDAR,
        records=absences("S1", [date(2026, 9, 1), date(2026, 9, 2)])), "test")
    [made] = pipeline.evaluate(store, SCHOOL.id, date(2026, 9, 2)).created
    moved = [r.model_copy(update={"student_id": "S2"})
             for r in absences("S1", [date(2026, 9, 1), date(2026, 9, 2)])]
    pipeline.ingest(store, SCHOOL.id, "magister", SourceBatch(records=moved), "test")
    result = pipeline.evaluate(store, SCHOOL.id, date(2026, 9, 2))
    assert result.withdrawn == [made]
    assert [m.split("|")[0] for m, _ in _active(store)] == ["S2"]


def test_a_kept_state_made_under_another_late_limit_is_not_used(store):
    """The counts depend on the profile's late limit: a changed limit makes them again from the store."""
    pipeline.ingest(store, SCHOOL.id, "magister", SourceBatch(
        students=[student("S1")], calendar=CALENDAR, records=absences("S1", [date(2026, 9, 1)])), "test")
    pipeline.evaluate(store, SCHOOL.id, date(2026, 9, 1))
    with store.read() as conn:
        kept_for = conn.scalar(sa.select(state_table.c.valid_for))
        assert evaluation_state.load(conn, SCHOOL.id, kept_for) is not None
        assert evaluation_state.load(conn, SCHOOL.id, "made-for-something-else") is None


def test_a_damaged_kept_state_is_read_past_and_made_again(store):
    """A state that does not open is not trusted: the evaluation counts from the store and keeps a new one."""
    pipeline.ingest(store, SCHOOL.id, "magister", SourceBatch(
        students=[student("S1")], calendar=CALENDAR, records=absences("S1", [date(2026, 9, 1)])), "test")
    pipeline.evaluate(store, SCHOOL.id, date(2026, 9, 1))
    with store.write() as conn:
        conn.execute(state_table.update().values(data=b"not a state"))
    pipeline.ingest(store, SCHOOL.id, "magister",
                    SourceBatch(records=absences("S1", [date(2026, 9, 2)])), "test")
    [made] = pipeline.evaluate(store, SCHOOL.id, date(2026, 9, 2)).created
    assert made
    with store.read() as conn:
        kept_for = conn.scalar(sa.select(state_table.c.valid_for))
        assert evaluation_state.load(conn, SCHOOL.id, kept_for) is not None


def _details_and_change_seq(store: Store) -> tuple[int, int]:
    with store.read() as conn:
        row = conn.execute(sa.select(students_table.c.details_seq, students_table.c.changed_seq)).one()
        return int(row.details_seq), int(row.changed_seq)


def test_a_daily_sync_repeating_a_student_unchanged_writes_nothing_of_them(store):
    """The SIS sends every student every day: one whose facts and personal data are as stored is not
    rewritten, so nothing of theirs counts as changed."""
    first = SourceBatch(students=[student("S1")], calendar=CALENDAR)
    pipeline.ingest(store, SCHOOL.id, "magister", first, "t")
    before = _details_and_change_seq(store)
    pipeline.ingest(store, SCHOOL.id, "magister", SourceBatch(students=[student("S1")]), "t")
    assert _details_and_change_seq(store) == before


def test_a_new_phone_number_marks_the_student_s_details_changed_but_not_their_rule_facts(store):
    """A phone number can complete a waiting melding (the gate reads it), yet no rule reads it."""
    first = SourceBatch(students=[student("S1")], calendar=CALENDAR)
    pipeline.ingest(store, SCHOOL.id, "magister", first, "t")
    details, changed = _details_and_change_seq(store)
    pipeline.ingest(store, SCHOOL.id, "magister",
                    SourceBatch(students=[student("S1", phone="06-87654321")]), "t")
    new_details, new_changed = _details_and_change_seq(store)
    assert new_details > details and new_changed == changed
