"""A daily Eduarte sync reads only what changed since the export it last delivered.

Each test syncs a first snapshot into a real SQLite store, writes the next one, and checks both
what the adapter read (lines parsed, counted by the adapter) and what the store made of the batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from adapters.eduarte import create_source
from adapters.eduarte.lines import raw_records
from adapters.eduarte.sandbox import start_sandbox
from adapters.eduarte.source import EduarteSource, state_files
from gateway import pipeline
from gateway.config.school import SchoolConfig
from gateway.domain.model import AttendanceRecord, Calendar
from gateway.domain.ports import SourceBatch
from gateway.pipeline import IngestResult
from gateway.store import Store
from gateway.store.crypto import FieldCipher
from gateway.testing.identity_numbers import onderwijsnummer
from gateway.testing.synthetic import generate_school
from tests.sources import eduarte_files
from tests.sources.eduarte_files import STUDENT, melding, waarneming

FIRST, SECOND, THIRD = "20260915T060000", "20260916T060000", "20260917T060000"
AS_OF = date(2026, 9, 20)
ROWS = [waarneming("W1", "14-09-2026", "Aanwezig"),
        waarneming("W2", "14-09-2026", start="09:20", end="10:10"),
        waarneming("W3", "15-09-2026", "Aanwezig")]
M1 = [melding("M1", "14-09-2026", "14-09-2026")]


def write_snapshot(folder: Path, stamp: str, *, deelnemers: list[list[str]] | None = None,
                   **kinds: list[list[str]]) -> None:
    """A snapshot whose deelnemers carry an onderwijsnummer (a reportable student needs one)."""
    rows = [[*row, onderwijsnummer(k)] for k, row in enumerate(deelnemers or [STUDENT])]
    eduarte_files.write_snapshot(folder, stamp, deelnemers=rows, deelnemer_columns=("onderwijsnummer",),
                                 **kinds)


def rid(wid: str) -> str:
    return f"eduarte:99YY:{wid}"


@dataclass
class Synced:
    """A drop folder whose first snapshot is synced into a store."""

    folder: Path
    store: Store
    cursor: str | None = None

    def source(self) -> EduarteSource:
        return create_source({"drop_folder": str(self.folder), "brin": "99YY"})

    def sync(self) -> tuple[SourceBatch, IngestResult, EduarteSource]:
        """Fetch since the stored cursor and ingest, as ``verzuim-gateway sync`` does."""
        source = self.source()
        batch = source.fetch(self.cursor)
        result = pipeline.ingest(self.store, "99YY00", "eduarte", batch, "test", as_of=AS_OF)
        assert result.accepted, result.rejected
        self.cursor = batch.cursor
        return batch, result, source


@pytest.fixture
def synced(tmp_path: Path) -> Iterator[Synced]:
    folder = tmp_path / "drop"
    write_snapshot(folder, FIRST, meldingen=M1,
                   waarnemingen=ROWS)
    (folder / "kalender.json").write_text(Calendar(first_school_day=date(2026, 8, 31),
                                                   last_school_day=date(2027, 7, 16)).model_dump_json())
    store = Store.open(f"sqlite:///{tmp_path / 'gateway.db'}", FieldCipher({"k": bytes(32)}, "k"))
    store.migrate()
    pipeline.register_school(store, SchoolConfig(id="99YY00", brin="99YY", oin="00000009999999990000",
                                                 name="Test"), "test")
    state = Synced(folder, store)
    state.sync()
    yield state
    store.close()


def test_first_sync_reads_every_line(synced: Synced) -> None:
    """Nothing to compare with: every line is parsed and every record delivered."""
    synced.cursor = None
    batch, _, source = synced.sync()
    assert (source.last_read.rows_read, source.last_read.lines, source.last_read.full) == (3, 3, True)
    assert {r.id for r in batch.records} == {rid("W1"), rid("W2"), rid("W3")}


def test_unchanged_export_is_not_read_again(synced: Synced) -> None:
    """The same export under a new stamp: no line parsed, nothing new or changed in the store."""
    write_snapshot(synced.folder, SECOND, meldingen=M1,
                   waarnemingen=ROWS)
    batch, result, source = synced.sync()
    assert source.last_read.rows_read == 0 and source.last_read.file_skipped
    assert (batch.records, batch.students, batch.withdrawn_record_ids) == ([], [], [])
    assert (result.new, result.changed, result.withdrawn) == (0, 0, 0)


def test_changed_row_arrives_as_a_change(synced: Synced) -> None:
    """One observation turned absent: only that line is parsed, and the store counts one change."""
    rows = [*ROWS[:2], waarneming("W3", "15-09-2026", "Afwezig")]
    write_snapshot(synced.folder, SECOND, meldingen=M1,
                   waarnemingen=rows)
    batch, result, source = synced.sync()
    assert source.last_read.rows_read == 1
    assert [(r.id, r.status) for r in batch.records] == [(rid("W3"), "absent")]
    assert (result.new, result.changed) == (0, 1)


def test_corrected_report_re_reads_the_lessons_it_explains(synced: Synced) -> None:
    """A report's reason corrected (ZIEK to ARTS): the observation lines are unchanged, yet the
    student's lessons on the report's day are read again and the old lesson arrives as a change;
    the student's other days are not read."""
    write_snapshot(synced.folder, SECOND, meldingen=[melding("M1", "14-09-2026", "14-09-2026", reden="ARTS")],
                   waarnemingen=ROWS)
    batch, result, source = synced.sync()
    assert source.last_read.rows_read == 2
    assert {r.id: r.reason for r in batch.records} == {rid("W1"): None, rid("W2"): "artsbezoek"}
    assert (result.new, result.changed) == (0, 1)


def test_late_sick_note_for_an_old_day_corrects_that_day(synced: Synced) -> None:
    """A report entered today for a lesson of last week: the old absence arrives with its reason."""
    rows = [*ROWS, waarneming("W0", "07-09-2026", start="08:30", end="09:20")]
    write_snapshot(synced.folder, SECOND, meldingen=M1, waarnemingen=rows)
    assert {r.id: r.reason for r in synced.sync()[0].records} == {rid("W0"): "onbekend"}
    write_snapshot(synced.folder, THIRD, meldingen=[*M1, melding("M2", "07-09-2026", "07-09-2026")],
                   waarnemingen=rows)
    batch, result, source = synced.sync()
    assert {r.id: r.reason for r in batch.records} == {rid("W0"): "ziek"} and result.changed == 1
    assert source.last_read.rows_read == 1


def test_lesson_linked_to_a_changed_report_is_read_again_whatever_its_day(synced: Synced) -> None:
    """An observation linked by id to a report outside the report's own days still follows it."""
    rows = [*ROWS, waarneming("W7", "16-09-2026", link="M1")]
    write_snapshot(synced.folder, SECOND, meldingen=M1, waarnemingen=rows)
    assert {r.id: r.reason for r in synced.sync()[0].records} == {rid("W7"): "ziek"}
    write_snapshot(synced.folder, THIRD, meldingen=[melding("M1", "14-09-2026", "14-09-2026", reden="ARTS")],
                   waarnemingen=rows)
    batch, _, _ = synced.sync()
    assert {r.id: r.reason for r in batch.records}[rid("W7")] == "artsbezoek"


def test_removed_row_arrives_as_a_withdrawal(synced: Synced) -> None:
    """A lesson deleted in Eduarte: gone from the export, withdrawn in the gateway, nothing parsed."""
    write_snapshot(synced.folder, SECOND, meldingen=M1,
                   waarnemingen=[ROWS[0], ROWS[2]])
    batch, result, source = synced.sync()
    assert batch.withdrawn_record_ids == [rid("W2")] and source.last_read.rows_read == 0
    assert result.withdrawn == 1


def test_a_new_days_rows_arrive(synced: Synced) -> None:
    """The next day's lines are the only ones parsed; they arrive as new records."""
    new_day = [waarneming("W4", "16-09-2026", "Aanwezig"), waarneming("W5", "16-09-2026", "Aanwezig",
                                                                      start="09:20", end="10:10")]
    write_snapshot(synced.folder, SECOND, meldingen=M1,
                   waarnemingen=[*ROWS, *new_day])
    batch, result, source = synced.sync()
    assert source.last_read.rows_read == 2
    assert {r.id for r in batch.records} == {rid("W4"), rid("W5")} and result.new == 2


def test_missing_state_falls_back_to_a_full_read_and_says_so(synced: Synced) -> None:
    """The state file is gone: the whole export is read, compared with the previous snapshot, and a
    problem names why; the withdrawal is still found."""
    for path in state_files(synced.source().config):
        path.unlink()
    write_snapshot(synced.folder, SECOND, meldingen=M1,
                   waarnemingen=[ROWS[0], ROWS[2]])
    batch, result, source = synced.sync()
    assert source.last_read.full and source.last_read.rows_read == 2
    assert batch.withdrawn_record_ids == [rid("W2")] and result.withdrawn == 1
    assert any("ontbreekt" in p.message and "hele export is gelezen" in p.message for p in batch.problems)


def test_damaged_state_falls_back_to_a_full_read_and_says_so(synced: Synced) -> None:
    """A state file cut short reads as damaged, never as an empty past."""
    [path] = state_files(synced.source().config)
    path.write_bytes(path.read_bytes()[:100])
    write_snapshot(synced.folder, SECOND, meldingen=M1,
                   waarnemingen=ROWS)
    batch, result, source = synced.sync()
    assert source.last_read.full and source.last_read.rows_read == 3
    assert any("onleesbaar" in p.message for p in batch.problems)
    assert (result.new, result.changed, result.withdrawn) == (0, 0, 0)


def test_batch_never_stored_leaves_the_stored_cursor_usable(synced: Synced) -> None:
    """A pull whose batch is lost (a crash before ingest) does not move what the next pull compares
    with: the stored cursor's state is kept, so the withdrawal still comes."""
    write_snapshot(synced.folder, SECOND, meldingen=M1,
                   waarnemingen=[ROWS[0], ROWS[2]])
    synced.source().fetch(synced.cursor)  # lost
    batch, _, source = synced.sync()
    assert batch.withdrawn_record_ids == [rid("W2")] and not source.last_read.full


def test_held_back_row_is_read_and_reported_on_every_sync(synced: Synced) -> None:
    """A line that cannot be read is held back each time, with its problem, until it is fixed."""
    broken = [*ROWS[:2], waarneming("W3", "31-02-2026", "Aanwezig")]
    for stamp in (SECOND, THIRD):
        write_snapshot(synced.folder, stamp, meldingen=M1,
                       waarnemingen=broken)
        batch, _, source = synced.sync()
        assert [p.record_id for p in batch.problems] == [rid("W3")] and source.last_read.rows_read == 1
        assert batch.withdrawn_record_ids == []


def test_unknown_deelnemer_arriving_releases_the_lines_held_for_him(synced: Synced) -> None:
    """Lines of a deelnemer not (yet) in the export are held back; once the deelnemer appears they
    are read again and delivered, with the student."""
    other = ["100002", "01-03-2009", "BOL", "2", "01-05-2026", "", "N", "N", "N", "0344", "N", "Noor",
             "Bakker", "25604", "1"]
    rows = [*ROWS, waarneming("W9", "15-09-2026", "Aanwezig", number="100002")]
    write_snapshot(synced.folder, SECOND, meldingen=M1,
                   waarnemingen=rows)
    held, _, _ = synced.sync()
    assert [p.record_id for p in held.problems] == [rid("W9")]
    write_snapshot(synced.folder, THIRD, deelnemers=[STUDENT, other],
                   meldingen=M1,
                   waarnemingen=rows)
    batch, result, _ = synced.sync()
    assert [s.id for s in batch.students] == ["99YY-100002"]
    assert [r.id for r in batch.records] == [rid("W9")] and result.new == 1


def test_quoted_line_breaks_are_one_record_across_chunks(tmp_path: Path) -> None:
    """A quoted field with a line break stays one record, even where a chunk ends inside it."""
    path = tmp_path / "x.csv"
    path.write_bytes(b'h;o\r\n1;"a\r\nb"\r\n2;c\r\n')
    records = [r for chunk, _ in raw_records(path, chunk_bytes=8) for r in chunk]
    assert records == [b"h;o\r\n", b'1;"a\r\nb"\r\n', b"2;c\r\n"]


def _apply(stored: dict[str, AttendanceRecord], batch: SourceBatch) -> None:
    stored.update({r.id: r for r in batch.records})
    for withdrawn in batch.withdrawn_record_ids:
        del stored[withdrawn]


def test_daily_deltas_add_up_to_a_full_read_every_day(tmp_path: Path) -> None:
    """Over three weeks of the synthetic school (corrections, withdrawn absences, new days), the
    daily deltas applied in turn equal a full read of each day's export."""
    school = generate_school(seed=7, size=25, brin="99YY")
    start = school.start + timedelta(days=14)
    with start_sandbox(tmp_path / "drop", school, today=start) as running:
        config = running.sandbox.adapter_config()
        first = create_source(config).fetch(None)
        stored = {r.id: r for r in first.records}
        cursor = first.cursor
        for offset in range(1, 22):
            running.sandbox.today = start + timedelta(days=offset)
            running.sandbox.write_snapshot()
            source = create_source(config)
            batch = source.fetch(cursor)
            assert not source.last_read.full
            _apply(stored, batch)
            cursor = batch.cursor
            full = create_source({**config, "state_dir": str(tmp_path / "full")}).fetch(None)
            assert stored == {r.id: r for r in full.records}, running.sandbox.today
