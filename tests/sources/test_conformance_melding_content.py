"""The conformance kit checks what a melding needs from the SIS (issue 16): every reference student
arrives with its phone number, leslocatie, datum aanmelding and enrolment status. Both stand-ins
pass; one that leaves a field out, or serves another value, fails the check naming the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.eduarte import create_source as create_eduarte
from adapters.eduarte.sandbox import start_sandbox as start_eduarte
from adapters.magister import create_source as create_magister
from adapters.magister.sandbox import start_sandbox as start_magister
from gateway.domain.model import Student
from gateway.domain.ports import SourceBatch
from gateway.intake.conformance import (
    MELDING_CONTENT,
    ConformanceReport,
    ReferenceSpec,
    run_checks,
    source_factory,
)

SPEC = ReferenceSpec(seed=5, size=8, brin="99XX")
SCHOOL, AS_OF = SPEC.build()
EDUARTE_SPEC = SPEC.model_copy(update={"brin": "99YY"})


def _content_check(report: ConformanceReport) -> tuple[bool | None, str]:
    [result] = [r for r in report.results if r.name == MELDING_CONTENT]
    return result.passed, result.detail


def _magister_report(**options: Any) -> ConformanceReport:
    with start_magister(SCHOOL, today=AS_OF, **options) as running:
        config = running.sandbox.adapter_config(running.url)
        return run_checks("magister", source_factory(lambda _: create_magister, "magister", config), SPEC)


def _eduarte_report(folder: Path, **options: Any) -> ConformanceReport:
    school, as_of = EDUARTE_SPEC.build()
    with start_eduarte(folder, school, today=as_of, **options) as running:
        config = running.sandbox.adapter_config()
        factory = source_factory(lambda _: create_eduarte, "eduarte", config)
        return run_checks("eduarte", factory, EDUARTE_SPEC)


class ReferenceSource:
    """The reference school as a source, each student's fields changed by ``change``."""

    name = "referentie"

    def __init__(self, change: Callable[[Student], dict[str, Any]]) -> None:
        self.change = change

    def fetch(self, cursor: str | None) -> SourceBatch:
        students = [s.model_copy(update=self.change(s)) for s in SCHOOL.students]
        return SourceBatch(students=students, records=SCHOOL.records_as_of(AS_OF), cursor="c1")


def _check_changed(change: Callable[[Student], dict[str, Any]]) -> tuple[bool | None, str]:
    return _content_check(run_checks("referentie", lambda: ReferenceSource(change), SPEC))


def test_magister_stand_in_delivers_the_melding_content() -> None:
    """Against its stand-in the Magister adapter passes the check, and the kit as a whole."""
    report = _magister_report()
    assert _content_check(report)[0] is True and report.ok, report.to_text()


def test_eduarte_stand_in_delivers_the_melding_content(tmp_path: Path) -> None:
    """The same for the Eduarte exports."""
    report = _eduarte_report(tmp_path / "drop")
    assert _content_check(report)[0] is True and report.ok, report.to_text()


def test_magister_list_without_locatie_fails_naming_the_leslocatie() -> None:
    """A tenant whose student list has no Locatie: every student misses the leslocatie."""
    passed, detail = _content_check(_magister_report(leave_out=frozenset({"Locatie"})))
    assert passed is False
    assert f"leslocatie ontbreekt bij {len(SCHOOL.students)} studenten" in detail


def test_eduarte_export_without_telefoonnummer_fails_naming_the_phone(tmp_path: Path) -> None:
    """An export layout without the telefoonnummer column: the check names the missing field."""
    report = _eduarte_report(tmp_path / "drop", leave_out=frozenset({"telefoonnummer"}))
    passed, detail = _content_check(report)
    assert passed is False and "telefoonnummer ontbreekt" in detail


def test_another_leslocatie_than_the_reference_is_named_as_odd() -> None:
    """A value that differs from the reference is reported as deviating, with the students."""
    passed, detail = _check_changed(lambda s: {"leslocatie": "Elders"})
    assert passed is False and "leslocatie wijkt af van de referentie" in detail


def test_a_phone_number_written_with_spaces_is_the_same_number() -> None:
    """06-12345678 and 06 1234 5678 are one number: phone numbers are compared by their digits."""
    passed, _ = _check_changed(lambda s: {"phone": (s.phone or "").replace("-", " ")})
    assert passed is True


def test_a_wrong_phone_number_is_named_by_student_never_by_value() -> None:
    """Another number than the reference's is odd; the report names the students, not the numbers."""
    passed, detail = _check_changed(lambda s: {"phone": "06-99999999"})
    assert passed is False
    assert f"telefoonnummer wijkt af van de referentie bij {len(SCHOOL.students)} studenten" in detail
    assert "9999" not in detail and all((s.phone or "") not in detail for s in SCHOOL.students)


def test_an_ended_enrolment_the_reference_does_not_have_is_odd() -> None:
    """The reference school's students are all enrolled: an adapter reporting them ended is wrong."""
    passed, detail = _check_changed(lambda s: {"enrolment_status": "ended", "enrolment_end": AS_OF})
    assert passed is False and "inschrijvingsstatus wijkt af" in detail
