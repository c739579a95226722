"""What a melding needs from the SIS (issue 16): each adapter reads a phone number, the leslocatie
and the enrolment (datum aanmelding, an uitschrijving with its end date) through its real stand-in;
a malformed phone number holds the student back with a Dutch problem naming student and field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.eduarte import create_source as create_eduarte
from adapters.eduarte.sandbox import start_sandbox as start_eduarte
from adapters.magister import create_source as create_magister
from adapters.magister.sandbox import magister_instant
from adapters.magister.sandbox import start_sandbox as start_magister
from gateway.domain.model import Student
from gateway.domain.ports import SourceBatch
from gateway.testing.synthetic import SYNTHETIC_LESLOCATIES, SyntheticSchool, generate_school

SCHOOL = generate_school(seed=16, size=6, brin="99XX")
FIRST = SCHOOL.students[0]
NUMBER = SCHOOL.numbers[FIRST.id]
BAD_PHONE = "bel mama 0612"


def _magister(school: SyntheticSchool = SCHOOL, **options: Any) -> SourceBatch:
    with start_magister(school, **options) as running:
        source = create_magister(running.sandbox.adapter_config(running.url))
        try:
            return source.fetch(None)
        finally:
            source.close()


@pytest.fixture
def eduarte(tmp_path: Path) -> Iterator[Any]:
    """Read one snapshot the Eduarte stand-in writes for a school (with its options)."""
    def read(school: SyntheticSchool = SCHOOL, **options: Any) -> SourceBatch:
        folder = tmp_path / f"drop{len(list(tmp_path.iterdir()))}"
        with start_eduarte(folder, school, **options) as running:
            return create_eduarte(running.sandbox.adapter_config()).fetch(None)
    yield read


def _by_id(batch: SourceBatch) -> dict[str, Student]:
    return {s.id: s for s in batch.students}


def _content(students: list[Student] | tuple[Student, ...]) -> dict[str, tuple[Any, ...]]:
    return {s.id: (s.phone, s.leslocatie, s.enrolled_on, s.enrolment_status, s.enrolment_end)
            for s in students}


def test_every_synthetic_student_has_a_mobile_number_and_a_leslocatie_from_the_list() -> None:
    """The reference school: a Dutch 06-number and one of SYNTHETIC_LESLOCATIES for everyone."""
    school = generate_school(seed=3, size=50)
    assert all(s.phone and s.phone.startswith("06-") and len(s.phone) == 11 for s in school.students)
    assert {s.leslocatie for s in school.students} <= set(SYNTHETIC_LESLOCATIES)
    assert all(s.enrolment_status == "active" for s in school.students)


def test_magister_students_arrive_with_phone_leslocatie_and_datum_aanmelding() -> None:
    """Telefoonnummers, Locatie and Inschrijving.Begindatum become phone, leslocatie, enrolled_on."""
    batch = _magister()
    assert not batch.problems
    assert _content(batch.students) == _content(SCHOOL.students)


def test_magister_uitschrijving_arrives_as_ended_with_its_end_date() -> None:
    """An Inschrijving the school ended (Status Beëindigd, Einddatum) is an ended enrolment."""
    end = SCHOOL.end - timedelta(days=3)
    student = _by_id(_magister(SCHOOL.with_uitschrijving(FIRST.id, end)))[FIRST.id]
    assert (student.enrolment_status, student.enrolment_end) == ("ended", end)


def test_magister_einddatum_in_the_past_ends_the_enrolment_whatever_its_status() -> None:
    """An Inschrijving still marked Actief whose Einddatum has passed is an uitschrijving."""
    end = SCHOOL.end - timedelta(days=10)
    inschrijving = {"Begindatum": magister_instant(date(2026, 5, 1)), "Einddatum": magister_instant(end),
                    "Status": "Actief"}
    student = _by_id(_magister(patch_items={FIRST.id: {"Inschrijving": inschrijving}}))[FIRST.id]
    assert (student.enrolment_status, student.enrolment_end) == ("ended", end)


def test_magister_einddatum_still_to_come_leaves_the_enrolment_active() -> None:
    """An announced end (Einddatum after today) is not an uitschrijving yet."""
    inschrijving = {"Begindatum": magister_instant(date(2026, 5, 1)),
                    "Einddatum": magister_instant(SCHOOL.end + timedelta(days=30)), "Status": "Actief"}
    student = _by_id(_magister(patch_items={FIRST.id: {"Inschrijving": inschrijving}}))[FIRST.id]
    assert (student.enrolment_status, student.enrolment_end) == ("active", None)


def test_magister_bad_phone_holds_the_student_back_naming_student_and_field() -> None:
    """A phone number the school mistyped is a problem for that student (without the value); the
    other students still arrive."""
    batch = _magister(patch_items={FIRST.id: {"Telefoonnummers": [{"Type": "Mobiel", "Nummer": BAD_PHONE}]}})
    assert FIRST.id not in _by_id(batch) and len(batch.students) == len(SCHOOL.students) - 1
    [problem] = batch.problems
    assert problem.where == f"leerling {NUMBER}"
    assert "Telefoonnummers" in problem.message and "geen geldig telefoonnummer" in problem.message
    assert BAD_PHONE not in problem.message


def test_magister_ended_status_without_einddatum_is_held_back() -> None:
    """Beëindigd without an Einddatum cannot be reported as an uitschrijving: a problem, not a guess."""
    inschrijving = {"Begindatum": magister_instant(date(2026, 5, 1)), "Einddatum": None,
                    "Status": "Beëindigd"}
    batch = _magister(patch_items={FIRST.id: {"Inschrijving": inschrijving}})
    assert FIRST.id not in _by_id(batch)
    assert [p.where for p in batch.problems] == [f"leerling {NUMBER}"]
    assert "zonder Einddatum" in batch.problems[0].message


def test_magister_tenant_without_phone_or_locatie_leaves_them_empty() -> None:
    """A list layout without Telefoonnummers and Locatie is no error: the fields stay empty (the
    conformance kit names them)."""
    batch = _magister(leave_out=frozenset({"Telefoonnummers", "Locatie"}))
    assert not batch.problems
    assert {(s.phone, s.leslocatie) for s in batch.students} == {(None, None)}


def test_eduarte_deelnemers_arrive_with_phone_leslocatie_and_datum_aanmelding(eduarte: Any) -> None:
    """telefoonnummer, locatie and inschrijfdatum become phone, leslocatie, enrolled_on."""
    batch = eduarte()
    assert not batch.problems
    assert _content(batch.students) == _content(SCHOOL.students)


def test_eduarte_ended_verbintenis_arrives_as_ended_with_its_end_date(eduarte: Any) -> None:
    """A verbintenis with status Beëindigd and an einddatum is an ended enrolment."""
    end = SCHOOL.end - timedelta(days=3)
    student = _by_id(eduarte(SCHOOL.with_uitschrijving(FIRST.id, end)))[FIRST.id]
    assert (student.enrolment_status, student.enrolment_end) == ("ended", end)


def test_eduarte_einddatum_before_the_export_ends_the_verbintenis(eduarte: Any) -> None:
    """A verbintenis still marked Actief whose einddatum lies before the export's day has ended."""
    end = date.today() - timedelta(days=2)  # the export is stamped with the moment it is written
    batch = eduarte(patch_rows={FIRST.id: {"verbintenis_einddatum": f"{end:%d-%m-%Y}"}})
    student = _by_id(batch)[FIRST.id]
    assert (student.enrolment_status, student.enrolment_end) == ("ended", end)


def test_eduarte_bad_phone_holds_the_deelnemer_back_naming_deelnemer_and_column(eduarte: Any) -> None:
    """A malformed telefoonnummer fails the deelnemer's row with a Dutch problem (without the value)."""
    batch = eduarte(patch_rows={FIRST.id: {"telefoonnummer": BAD_PHONE}})
    assert FIRST.id not in _by_id(batch)
    [problem] = [p for p in batch.problems if p.where.startswith("deelnemers_")]
    assert f"deelnemer {NUMBER}" in problem.message and "'telefoonnummer'" in problem.message
    assert "geen geldig telefoonnummer" in problem.message and BAD_PHONE not in problem.message


def test_eduarte_ended_status_without_einddatum_is_held_back(eduarte: Any) -> None:
    """Beëindigd without verbintenis_einddatum: the row is a problem, not an uitschrijving without date."""
    batch = eduarte(patch_rows={FIRST.id: {"verbintenis_status": "Beëindigd"}})
    assert FIRST.id not in _by_id(batch)
    assert any("verbintenis_einddatum" in p.message for p in batch.problems)


def test_eduarte_export_without_the_new_columns_still_loads(eduarte: Any) -> None:
    """An older export layout (no telefoonnummer, locatie, verbintenis columns) reads as before."""
    batch = eduarte(leave_out=frozenset({"telefoonnummer", "locatie", "verbintenis_status",
                                         "verbintenis_einddatum"}))
    assert not batch.problems and len(batch.students) == len(SCHOOL.students)
    assert {(s.phone, s.leslocatie, s.enrolment_status) for s in batch.students} == {(None, None, "active")}
