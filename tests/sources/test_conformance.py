"""The conformance kit: a correct adapter passes; each kind of mistake fails the check that names it."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from adapters.eduarte import create_source as create_eduarte
from adapters.eduarte.sandbox import start_sandbox as start_eduarte
from adapters.magister import create_source as create_magister
from adapters.magister.sandbox import start_sandbox as start_magister
from gateway.cli import cli
from gateway.domain.errors import SourceError
from gateway.domain.model import AttendanceRecord
from gateway.domain.ports import SourceBatch
from gateway.intake.batch_checks import reportable
from gateway.intake.conformance import (
    CORRECTIONS,
    ConformanceReport,
    ReferenceSpec,
    run_checks,
    source_factory,
)

SPEC = ReferenceSpec(seed=5, size=8, brin="99XX")
SCHOOL, AS_OF = SPEC.build()


@dataclass
class Tenant:
    """The vendor's test tenant: the reference school as it stands on its clock."""

    today: date = AS_OF

    def move_to(self, day: date) -> None:
        self.today = day


class FakeSource:
    """A source serving the reference school, bent by ``twist``."""

    name = "fake"

    def __init__(self, twist: Callable[[list[AttendanceRecord]], list[AttendanceRecord]] = list,
                 students: int | None = None, tenant: Tenant | None = None) -> None:
        self.twist = twist
        self.students = list(SCHOOL.students)[:students]
        self.tenant = tenant or Tenant()

    def fetch(self, cursor: str | None) -> SourceBatch:
        records = SCHOOL.records_as_of(self.tenant.today)
        return SourceBatch(students=self.students, records=self.twist(records), cursor="c1")


def _failed(twist: Callable[[list[AttendanceRecord]], list[AttendanceRecord]] = list,
            **kw: int) -> dict[str, str]:
    tenant = Tenant()
    report = run_checks("fake", lambda: FakeSource(twist, tenant=tenant, **kw), SPEC, move_to=tenant.move_to)
    return {r.name: r.detail for r in report.results if r.passed is False}


def _results(report: ConformanceReport) -> dict[str, bool | None]:
    return {r.name: r.passed for r in report.results}


def test_correct_source_passes_every_check() -> None:
    """The reference data, unbent, passes, including a correction read before and after."""
    tenant = Tenant()
    report = run_checks("fake", lambda: FakeSource(tenant=tenant), SPEC, move_to=tenant.move_to)
    assert report.ok and _results(report)[CORRECTIONS] is True, report.to_text()
    assert "voldoet" in report.to_text() and tenant.today == AS_OF


def test_corrected_absence_under_a_new_id_fails_the_corrections_check() -> None:
    """Ids that carry the reason are stable at one moment, but a correction gives the lesson a new
    id (so the old absence would stand next to the new one): caught only across the correction."""
    def reason_in_id(records: list[AttendanceRecord]) -> list[AttendanceRecord]:
        return [r.model_copy(update={"id": f"{r.id}:{r.reason}"}) for r in records]
    failed = _failed(reason_in_id)
    assert set(failed) == {CORRECTIONS} and "nieuw id na correctie" in failed[CORRECTIONS]


def test_source_that_does_not_move_cannot_show_its_corrections() -> None:
    """Without a way to move the tenant's clock the corrections check is skipped, not passed."""
    assert _results(run_checks("fake", FakeSource, SPEC))[CORRECTIONS] is None


def test_utc_dates_fail_the_time_zone_check_and_say_so() -> None:
    """Dates taken in UTC (one day early) are caught and the likely cause named."""
    def utc(records: list[AttendanceRecord]) -> list[AttendanceRecord]:
        return [r.model_copy(update={"date": r.date - timedelta(days=1)}) for r in records]
    assert "-1 dag verschoven" in _failed(utc)["tijdzones"]


def test_utc_times_fail_the_time_zone_check() -> None:
    """Lesson times in UTC (two hours early in summer time) are caught and named."""
    def utc(records: list[AttendanceRecord]) -> list[AttendanceRecord]:
        return [r.model_copy(update={"start": r.start.replace(hour=r.start.hour - 2),
                                     "end": r.end.replace(hour=r.end.hour - 2)}) for r in records]
    assert "-2 uur verschoven" in _failed(utc)["tijdzones"]


def test_unstable_ids_fail() -> None:
    """Ids minted per read round are not stable."""
    def fresh(records: list[AttendanceRecord]) -> list[AttendanceRecord]:
        return [r.model_copy(update={"id": str(uuid.uuid4())}) for r in records]
    assert "ander id" in _failed(fresh)["stabiele ids"]


def test_duplicate_ids_fail() -> None:
    """Two records with one id in a batch are reported."""
    def double(records: list[AttendanceRecord]) -> list[AttendanceRecord]:
        return [*records, records[0].model_copy(update={"start": records[0].start.replace(minute=1)})]
    assert "dubbel" in _failed(double)["unieke ids"]


def test_missing_pages_fail_completeness() -> None:
    """A source that reads only the first page of students is incomplete."""
    def first_page(records: list[AttendanceRecord]) -> list[AttendanceRecord]:
        keep = {s.id for s in list(SCHOOL.students)[:4]}
        return [r for r in records if r.student_id in keep]
    assert "studenten 4/8" in _failed(first_page, students=4)["volledigheid (paginering)"]


def test_stale_reasons_fail_the_corrections_check() -> None:
    """A source that never re-reads shows the reasons before correction."""
    early = SCHOOL.start + timedelta(days=30)

    def stale(records: list[AttendanceRecord]) -> list[AttendanceRecord]:
        old = {(r.student_id, r.date, r.start): r for r in SCHOOL.records_as_of(early)}
        return [old.get((r.student_id, r.date, r.start), r) for r in records]
    assert "afwijkend" in _failed(stale)["status en reden (correcties)"]


def test_records_of_unknown_students_fail_required_fields() -> None:
    """Every record must name a student in the batch."""
    def orphan(records: list[AttendanceRecord]) -> list[AttendanceRecord]:
        return [*records, records[0].model_copy(update={"id": "X", "student_id": "nobody"})]
    assert "nobody" in _failed(orphan)["verplichte velden"]


class NumberlessSource(FakeSource):
    """The reference school without its onderwijsnummers (an adapter that does not read them)."""

    def fetch(self, cursor: str | None) -> SourceBatch:
        batch = super().fetch(cursor)
        return dataclasses.replace(batch, students=[s.model_copy(update={"onderwijsnummer": None})
                                                    for s in batch.students])


def test_students_without_identity_numbers_fail_and_are_named() -> None:
    """An adapter that delivers no BSN or onderwijsnummer for a reportable student fails the check,
    naming the student (the gateway would refuse its batches)."""
    report = run_checks("fake", NumberlessSource, SPEC)
    failed = {r.name: r.detail for r in report.results if r.passed is False}
    first = next(s for s in SCHOOL.students if reportable(s, AS_OF))
    assert first.id in failed["identiteitsnummers"]


def test_crashing_adapter_is_reported_not_raised() -> None:
    """An adapter that raises gives a failed protocol check with its message."""
    class Broken(FakeSource):
        def fetch(self, cursor: str | None) -> SourceBatch:
            raise SourceError("kapot")
    report = run_checks("broken", Broken, SPEC)
    assert not report.ok and "kapot" in report.results[0].detail


def test_without_reference_the_reference_checks_are_skipped() -> None:
    """No [reference]: the checks that need known answers are marked skipped, not passed."""
    report = run_checks("fake", FakeSource, None)
    assert report.ok and any(r.passed is None for r in report.results)


def test_magister_adapter_passes_against_its_stand_in(tmp_path: Path) -> None:
    """`adapter check magister` against the stand-in holding the reference school: all checks pass."""
    with start_magister(SCHOOL, today=AS_OF) as running:
        config = tmp_path / "check.json"
        config.write_text(json.dumps({"source": running.sandbox.adapter_config(running.url),
                                      "reference": SPEC.model_dump(mode="json")}), encoding="utf-8")
        result = CliRunner().invoke(cli, ["adapter", "check", "magister", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "Resultaat: voldoet" in result.output


def test_magister_adapter_keeps_ids_through_a_correction_on_its_stand_in() -> None:
    """Moving the stand-in's clock across a correction: the adapter's records keep their ids."""
    with start_magister(SCHOOL, today=AS_OF) as running:
        config = running.sandbox.adapter_config(running.url)

        def move_to(day: date) -> None:
            running.sandbox.today = day
        report = run_checks("magister", source_factory(lambda _: create_magister, "magister", config), SPEC,
                            move_to=move_to)
    assert _results(report)[CORRECTIONS] is True, report.to_text()


def test_eduarte_adapter_keeps_ids_through_a_correction_on_its_stand_in(tmp_path: Path) -> None:
    """The same for Eduarte: a new export after the correction keeps the observation ids."""
    spec = SPEC.model_copy(update={"brin": "99YY"})
    school, as_of = spec.build()
    with start_eduarte(tmp_path / "drop", school, today=as_of) as running:
        def move_to(day: date) -> None:
            running.sandbox.today = day
            running.sandbox.write_snapshot()
        config = running.sandbox.adapter_config()
        report = run_checks("eduarte", source_factory(lambda _: create_eduarte, "eduarte", config), spec,
                            move_to=move_to)
    assert _results(report)[CORRECTIONS] is True, report.to_text()


def test_eduarte_adapter_passes_with_a_toml_config_and_json_report(tmp_path: Path) -> None:
    """The same for Eduarte's drop folder, with a TOML configuration and a JSON report."""
    school = SPEC.model_copy(update={"brin": "99YY"})
    reference, as_of = school.build()
    with start_eduarte(tmp_path / "drop", reference, today=as_of):
        config = tmp_path / "check.toml"
        config.write_text(f'[source]\ndrop_folder = "{tmp_path / "drop"}"\nbrin = "99YY"\n\n'
                          f'[reference]\nseed = 5\nsize = 8\nbrin = "99YY"\n', encoding="utf-8")
        result = CliRunner().invoke(cli, ["adapter", "check", "eduarte", "--config", str(config),
                                          "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True


def test_failing_check_exits_with_status_1(tmp_path: Path) -> None:
    """A reference that does not match the tenant fails, with exit status 1."""
    with start_magister(SCHOOL, today=AS_OF) as running:
        config = tmp_path / "check.json"
        config.write_text(json.dumps({"source": running.sandbox.adapter_config(running.url),
                                      "reference": {**SPEC.model_dump(mode="json"), "seed": 6}}))
        result = CliRunner().invoke(cli, ["adapter", "check", "magister", "--config", str(config)])
    assert result.exit_code == 1 and "FOUT" in result.output


def test_unknown_key_in_config_is_named(tmp_path: Path) -> None:
    """A typo in the check configuration names the key."""
    config = tmp_path / "check.toml"
    config.write_text('[source]\nx = 1\n[referense]\nseed = 1\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["adapter", "check", "magister", "--config", str(config)])
    assert result.exit_code != 0 and "referense" in str(result.exception or result.output)


def test_adapter_list_shows_the_registered_sources() -> None:
    """Both shipped adapters are found through the entry point group."""
    result = CliRunner().invoke(cli, ["adapter", "list"])
    assert "magister" in result.output and "eduarte" in result.output


def _write_push_payloads(folder: Path) -> None:
    folder.mkdir()
    students = [s.model_dump(mode="json") for s in SCHOOL.students]  # each with its onderwijsnummer
    records = [r.model_dump(mode="json") for r in SCHOOL.records_as_of(AS_OF)]
    (folder / "students.json").write_text(json.dumps({"students": students}), encoding="utf-8")
    (folder / "calendar.json").write_text(SCHOOL.calendar.model_dump_json(), encoding="utf-8")
    half = len(records) // 2
    (folder / "attendance-1.json").write_text(json.dumps({"records": records[:half], "cursor": "1"}))
    (folder / "attendance-2.json").write_text(json.dumps({"records": records[half:], "cursor": "2"}))


def test_push_integration_payloads_pass(tmp_path: Path) -> None:
    """`adapter check push` validates a vendor's push bodies with the API's models and checks them."""
    _write_push_payloads(tmp_path / "push")
    config = tmp_path / "check.json"
    config.write_text(json.dumps({"source": {"folder": str(tmp_path / "push")},
                                  "reference": SPEC.model_dump(mode="json")}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["adapter", "check", "push", "--config", str(config)])
    assert result.exit_code == 0, result.output


def test_push_payload_with_a_bad_field_names_file_and_field(tmp_path: Path) -> None:
    """A body the API would refuse fails the check, naming the file and the field."""
    _write_push_payloads(tmp_path / "push")
    body = json.loads((tmp_path / "push" / "attendance-2.json").read_text())
    body["records"][1]["status"] = "afwezig"
    (tmp_path / "push" / "attendance-2.json").write_text(json.dumps(body))
    config = tmp_path / "check.json"
    config.write_text(json.dumps({"source": {"folder": str(tmp_path / "push")}}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["adapter", "check", "push", "--config", str(config)])
    assert result.exit_code == 1
    assert "attendance-2.json: veld 'records[1].status'" in result.output
