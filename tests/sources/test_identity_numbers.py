"""Identity numbers from the synthetic school through both stand-ins into the pipeline (issue 15).

The synthetic school gives every student an onderwijsnummer, the stand-ins serve it where the real
systems carry it, and `pipeline.ingest` refuses an adapter batch with a reportable student
without a number, naming the student.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.eduarte import create_source as eduarte_source
from adapters.eduarte.sandbox import start_sandbox as start_eduarte
from adapters.magister import create_source as magister_source
from adapters.magister.sandbox import start_sandbox as start_magister
from gateway import pipeline
from gateway.domain.identity import is_valid_bsn, is_valid_onderwijsnummer
from gateway.domain.ports import SourceBatch
from gateway.intake.batch_checks import reportable
from gateway.store import Store
from gateway.testing.identity_numbers import MAX_SERIAL, onderwijsnummer
from gateway.testing.synthetic import SyntheticSchool, generate_school
from tests.api.conftest import make_store
from tests.api.helpers import SCHOOL as TENANT

SCHOOL = generate_school(seed=13, size=40, brin=TENANT.brin)


def _numbers(batch: SourceBatch) -> dict[str, str | None]:
    return {s.id: s.onderwijsnummer for s in batch.students}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store with the test school registered."""
    opened = make_store(tmp_path)
    yield opened
    opened.close()


def test_serials_at_both_ends_have_their_own_valid_onderwijsnummer() -> None:
    """Serials at both ends (about one in eleven takes the fallback) pass the one elfproef, none
    twice, none a BSN."""
    serials = [*range(20_000), *range(MAX_SERIAL - 20_000, MAX_SERIAL)]
    numbers = [onderwijsnummer(serial) for serial in serials]
    assert [n for n in numbers if not is_valid_onderwijsnummer(n) or is_valid_bsn(n)] == []
    assert len(set(numbers)) == len(serials)


@pytest.mark.parametrize("serial", [-1, MAX_SERIAL])
def test_a_serial_outside_the_range_is_refused(serial: int) -> None:
    """Beyond the range the numbers would repeat: refused instead."""
    with pytest.raises(ValueError, match="serial"):
        onderwijsnummer(serial)


def test_the_synthetic_students_have_distinct_valid_onderwijsnummers() -> None:
    """Every student of the reference school can be named in a melding."""
    numbers = [s.onderwijsnummer for s in SCHOOL.students]
    assert all(n is not None and is_valid_onderwijsnummer(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_the_onderwijsnummer_follows_the_students_position_not_the_seed() -> None:
    """Derived from the index, not drawn: another seed gives the same numbers in the same order."""
    other = generate_school(seed=99, size=len(SCHOOL.students))
    assert [s.onderwijsnummer for s in other.students] == [s.onderwijsnummer for s in SCHOOL.students]


def test_the_magister_stand_in_serves_the_onderwijsnummer() -> None:
    """Read back through the Magister adapter, each student has the school's number."""
    with start_magister(SCHOOL) as running:
        source = magister_source(running.sandbox.adapter_config(running.url))
        try:
            batch = source.fetch(None)
        finally:
            source.close()
    assert _numbers(batch) == {s.id: s.onderwijsnummer for s in SCHOOL.students}


def test_the_eduarte_stand_in_serves_the_onderwijsnummer(tmp_path: Path) -> None:
    """Read back through the Eduarte adapter (the optional column), each student has the school's number."""
    with start_eduarte(tmp_path, SCHOOL) as running:
        batch = eduarte_source(running.sandbox.adapter_config()).fetch(None)
    assert _numbers(batch) == {s.id: s.onderwijsnummer for s in SCHOOL.students}


def _without_number(school: SyntheticSchool, student_id: str, **changes: object) -> SyntheticSchool:
    students = tuple(s.model_copy(update={"onderwijsnummer": None, **changes}) if s.id == student_id else s
                     for s in school.students)
    return dataclasses.replace(school, students=students)


def _ingest_from_magister(store: Store, school: SyntheticSchool, folder: Path) -> pipeline.IngestResult:
    calendar = folder / "kalender.json"
    calendar.write_text(school.calendar.model_dump_json(), encoding="utf-8")
    with start_magister(school) as running:
        source = magister_source(running.sandbox.adapter_config(running.url, calendar_file=str(calendar)))
        try:
            batch = source.fetch(None)
        finally:
            source.close()
    return pipeline.ingest(store, TENANT.id, "magister", batch, "test", as_of=school.end)


def test_a_magister_batch_with_a_reportable_student_without_a_number_is_refused(
        store: Store, tmp_path: Path) -> None:
    """End to end: the tenant lost one student's onderwijsnummer; the whole batch is refused, naming
    that student and the field, and carrying no number."""
    victim = next(s for s in SCHOOL.students if reportable(s, SCHOOL.end))
    result = _ingest_from_magister(store, _without_number(SCHOOL, victim.id), tmp_path)
    assert not result.accepted
    assert [r.student_id for r in result.rejected] == [victim.id]
    assert result.rejected[0].field is not None and result.rejected[0].field.endswith(".bsn")
    assert all(s.onderwijsnummer is None or s.onderwijsnummer not in result.rejected[0].reason
               for s in SCHOOL.students)


def test_a_magister_batch_with_every_number_is_taken(store: Store, tmp_path: Path) -> None:
    """The same school with all its numbers passes the check (the refusal above is that student's)."""
    assert _ingest_from_magister(store, SCHOOL, tmp_path).accepted


def test_a_magister_batch_with_an_unreportable_student_without_a_number_is_taken(
        store: Store, tmp_path: Path) -> None:
    """A student who cannot get a melding (startkwalificatie, no studiefinanciering) needs no number."""
    school = _without_number(SCHOOL, SCHOOL.students[0].id, startkwalificatie=True, studiefinanciering=False)
    assert not reportable(school.students[0], SCHOOL.end)
    assert _ingest_from_magister(store, school, tmp_path).accepted
