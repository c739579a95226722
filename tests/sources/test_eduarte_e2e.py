"""The Eduarte adapter end to end against its stand-in writing exports into a drop folder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from adapters.eduarte import create_source
from adapters.eduarte.exports import snapshots
from adapters.eduarte.sandbox import Schedule, start_sandbox
from gateway.cli import cli
from gateway.domain.model import AttendanceRecord
from gateway.testing.synthetic import generate_school

SCHOOL = generate_school(seed=12, size=40, brin="99YY")


def _view(records: list[AttendanceRecord]) -> dict[tuple[Any, ...], tuple[str, str | None]]:
    return {(r.student_id, r.date, r.start): (r.status, r.reason) for r in records}


def test_snapshot_matches_the_reference_school(tmp_path: Path) -> None:
    """Every observed lesson arrives with the status and reason the school registered."""
    with start_sandbox(tmp_path, SCHOOL) as running:
        batch = create_source(running.sandbox.adapter_config()).fetch(None)
    assert not batch.problems
    assert {s.id for s in batch.students} == {s.id for s in SCHOOL.students}
    assert _view(batch.records) == _view(SCHOOL.records_as_of(SCHOOL.end))
    assert batch.calendar == SCHOOL.calendar


def test_later_snapshot_brings_corrections_under_the_same_ids(tmp_path: Path) -> None:
    """Moving the clock on: corrected reasons arrive with unchanged ids; wrong absences vanish."""
    corrected = next(e for e in SCHOOL.events
                     if len(e.versions) > 1 and e.versions[-1].known_from <= SCHOOL.end)
    early = corrected.versions[-1].known_from - timedelta(days=1)
    with start_sandbox(tmp_path, SCHOOL, today=early) as running:
        source = create_source(running.sandbox.adapter_config())
        first = source.fetch(None)
        running.sandbox.today = SCHOOL.end
        running.sandbox.write_snapshot()
        second = source.fetch(first.cursor)
    before = {r.id: r for r in first.records}
    after = {**before, **{r.id: r for r in second.records}}
    for rid in second.withdrawn_record_ids:
        del after[rid]
    changed = [rid for rid in before if (before[rid].status, before[rid].reason)
               != (after[rid].status, after[rid].reason)]
    assert changed and set(changed) <= {r.id for r in second.records}
    assert _view(list(after.values())) == _view(SCHOOL.records_as_of(SCHOOL.end))


def test_a_pull_reports_the_snapshots_it_read(tmp_path: Path) -> None:
    """Progress counts export snapshots read: one for a first pull, one for a later pull that compares
    with what the adapter kept, two when it has to read the previous snapshot to compare with."""
    early = SCHOOL.end - timedelta(days=7)
    with start_sandbox(tmp_path, SCHOOL, today=early) as running:
        source = create_source(running.sandbox.adapter_config())
        first_steps: list[tuple[int, int | None]] = []
        first = source.fetch(None, progress=lambda done, total: first_steps.append((done, total)))
        running.sandbox.today = SCHOOL.end
        running.sandbox.write_snapshot()
        later_steps: list[tuple[int, int | None]] = []
        source.fetch(first.cursor, progress=lambda done, total: later_steps.append((done, total)))
        stateless_steps: list[tuple[int, int | None]] = []
        stamp_only = (first.cursor or "").split("+")[0]
        source.fetch(stamp_only, progress=lambda done, total: stateless_steps.append((done, total)))
    assert first_steps == [(0, 1), (1, 1)]
    assert later_steps == [(0, 1), (1, 1)]
    assert stateless_steps == [(0, 2), (1, 2), (2, 2)]


def test_schedule_writes_new_snapshots(tmp_path: Path) -> None:
    """With an interval the stand-in writes a new export, moving its clock forward."""
    start = SCHOOL.end - timedelta(days=3)
    with start_sandbox(tmp_path, SCHOOL, today=start, schedule=Schedule(0.05, step_days=1)) as running:
        running.sandbox.written.clear()
        assert running.sandbox.written.wait(10)
        assert running.sandbox.today > start
    assert len(snapshots(tmp_path)) >= 2


def test_stand_in_keeps_only_recent_snapshots(tmp_path: Path) -> None:
    """Old snapshots are pruned; the previous one stays for withdrawal detection."""
    with start_sandbox(tmp_path, SCHOOL, keep=2) as running:
        for _ in range(3):
            running.sandbox.write_snapshot()
    assert len(snapshots(tmp_path)) == 2


def test_sandbox_command_writes_one_export(tmp_path: Path) -> None:
    """`verzuim-gateway sandbox eduarte FOLDER --once` writes a complete snapshot and exits."""
    result = CliRunner().invoke(cli, ["sandbox", "eduarte", str(tmp_path), "--once", "--size", "5"])
    assert result.exit_code == 0, result.output
    assert len(snapshots(tmp_path)) == 1 and (tmp_path / "kalender.json").is_file()


def test_batch_names_the_code_mapping_version_it_applied(tmp_path: Path) -> None:
    """The Eduarte batch carries the stamp of the code mapping it applied."""
    with start_sandbox(tmp_path, SCHOOL) as running:
        source = create_source(running.sandbox.adapter_config())
        assert source.fetch(None).mapping == source.mapping.stamp
