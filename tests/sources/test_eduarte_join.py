"""Eduarte exports to canonical records: reports joined to lesson observations, problems held back."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from adapters.eduarte import create_source
from gateway.domain.errors import ConfigurationError, SourceError
from gateway.domain.model import AttendanceRecord
from gateway.domain.ports import SourceBatch
from tests.sources.eduarte_files import STUDENT, melding, waarneming, write_snapshot

STAMP = "20260915T060000"


def _fetch(folder: Path, cursor: str | None = None, **config: object) -> SourceBatch:
    return create_source({"drop_folder": str(folder), "brin": "99YY", **config}).fetch(cursor)


def _one(folder: Path, **kw: object) -> AttendanceRecord:
    write_snapshot(folder, STAMP, **kw)  # type: ignore[arg-type]
    [record] = _fetch(folder).records
    return record


def test_absent_lesson_takes_the_reason_of_a_whole_day_report(tmp_path: Path) -> None:
    """A ZIEK report for the whole day gives an absent lesson that day the reason ziek."""
    record = _one(tmp_path, meldingen=[melding("M1", "01-09-2026", "01-09-2026")],
                  waarnemingen=[waarneming("W1", "01-09-2026")])
    assert (record.id, record.student_id, record.status, record.reason) == (
        "eduarte:99YY:W1", "99YY-100001", "absent", "ziek")


def test_open_ended_report_covers_later_lessons(tmp_path: Path) -> None:
    """A report without an end date covers every later lesson."""
    record = _one(tmp_path, meldingen=[melding("M1", "01-09-2026")],
                  waarnemingen=[waarneming("W1", "14-09-2026")])
    assert record.reason == "ziek"


def test_report_for_lesuren_covers_only_those_lesuren(tmp_path: Path) -> None:
    """A report for lesuur 3-4 does not explain an absence in lesuur 1."""
    write_snapshot(tmp_path, STAMP, meldingen=[melding("M1", "01-09-2026", "01-09-2026",
                                                         begintijd="10:25", eindtijd="12:05",
                                                         lesuren=("3", "4"), reden="ARTS")],
                   waarnemingen=[waarneming("W1", "01-09-2026"),
                                 waarneming("W3", "01-09-2026", start="10:25", end="11:15", lesuur="3")])
    reasons = {r.id: r.reason for r in _fetch(tmp_path).records}
    assert reasons == {"eduarte:99YY:W1": "onbekend", "eduarte:99YY:W3": "artsbezoek"}


def test_absence_without_any_report_is_onbekend(tmp_path: Path) -> None:
    """No report: the absence has reason onbekend (unauthorised)."""
    assert _one(tmp_path, waarnemingen=[waarneming("W1", "01-09-2026")]).reason == "onbekend"


def test_linked_report_wins_over_overlapping_ones(tmp_path: Path) -> None:
    """An observation linked to a report takes that report's reason."""
    record = _one(tmp_path, meldingen=[melding("M1", "01-09-2026", "01-09-2026", reden="SPIJBELEN"),
                                       melding("M2", "01-09-2026", "01-09-2026", reden="VERLOF")],
                  waarnemingen=[waarneming("W1", "01-09-2026", link="M1")])
    assert record.reason == "spijbelen"


def test_nvt_lesson_is_not_attendance(tmp_path: Path) -> None:
    """Nvt: scheduled but not required, so no record at all."""
    write_snapshot(tmp_path, STAMP, waarnemingen=[waarneming("W1", "01-09-2026", "Nvt")])
    assert _fetch(tmp_path).records == []


def test_present_lesson_is_present_even_inside_a_report(tmp_path: Path) -> None:
    """A student observed present is present, whatever report covers the day."""
    record = _one(tmp_path, meldingen=[melding("M1", "01-09-2026", "01-09-2026")],
                  waarnemingen=[waarneming("W1", "01-09-2026", "Aanwezig")])
    assert (record.status, record.reason) == ("present", None)


def test_te_laat_report_makes_a_present_lesson_late_by_its_minutes(tmp_path: Path) -> None:
    """A TELAAT report from 08:42 on an 08:30 lesson: late, 12 minutes."""
    record = _one(tmp_path, meldingen=[melding("M1", "01-09-2026", "01-09-2026", begintijd="08:42",
                                               eindtijd="09:20", lesuren=("1", "1"), reden="TELAAT")],
                  waarnemingen=[waarneming("W1", "01-09-2026", "Aanwezig")])
    assert (record.status, record.minutes_late) == ("late", 12)


def test_unhandled_report_counts_unless_the_school_requires_handling(tmp_path: Path) -> None:
    """With require_handled an open (unhandled) report gives no reason yet."""
    write_snapshot(tmp_path, STAMP, meldingen=[melding("M1", "01-09-2026", "01-09-2026", afgehandeld="N")],
                   waarnemingen=[waarneming("W1", "01-09-2026")])
    assert _fetch(tmp_path).records[0].reason == "ziek"
    assert _fetch(tmp_path, require_handled=True).records[0].reason == "onbekend"


def test_times_are_local_and_naive_across_the_dst_change(tmp_path: Path) -> None:
    """Eduarte's times are local: 08:30 stays 08:30 on both sides of the clock change."""
    write_snapshot(tmp_path, STAMP, waarnemingen=[waarneming("W1", "23-10-2026", "Aanwezig"),
                                                  waarneming("W2", "26-10-2026", "Aanwezig")])
    assert {(r.date, r.start) for r in _fetch(tmp_path).records} == {
        (date(2026, 10, 23), time(8, 30)), (date(2026, 10, 26), time(8, 30))}


def test_unmapped_reason_holds_back_the_lessons_it_covers(tmp_path: Path) -> None:
    """An unknown reden is a problem naming the code, file and line; its lessons are held back."""
    write_snapshot(tmp_path, STAMP, meldingen=[melding("M1", "01-09-2026", "01-09-2026", reden="KERMIS")],
                   waarnemingen=[waarneming("W1", "01-09-2026"), waarneming("W2", "02-09-2026")])
    batch = _fetch(tmp_path)
    assert [r.id for r in batch.records] == ["eduarte:99YY:W2"]
    [problem] = batch.problems
    assert "'KERMIS'" in problem.message and problem.where == f"absentiemeldingen_{STAMP}.csv:2"


def test_school_override_maps_its_own_reason(tmp_path: Path) -> None:
    """A school's inline override maps its own code."""
    write_snapshot(tmp_path, STAMP, meldingen=[melding("M1", "01-09-2026", "01-09-2026", reden="KERMIS")],
                   waarnemingen=[waarneming("W1", "01-09-2026")])
    batch = _fetch(tmp_path, code_overrides={"codes.KERMIS": "luxe_verzuim"})
    assert batch.records[0].reason == "luxe_verzuim" and not batch.problems


def test_malformed_rows_are_reported_with_file_and_line_and_the_rest_loads(tmp_path: Path) -> None:
    """A bad date and a short row are problems at their line; good rows still load."""
    write_snapshot(tmp_path, STAMP, waarnemingen=[waarneming("W1", "31-02-2026"),
                                                  waarneming("W2", "01-09-2026")],
                   raw={"waarnemingen": ["W3;100001;01-09-2026"]})
    batch = _fetch(tmp_path)
    assert [r.id for r in batch.records] == ["eduarte:99YY:W2"]
    assert sorted(p.where for p in batch.problems) == [f"waarnemingen_{STAMP}.csv:2",
                                                      f"waarnemingen_{STAMP}.csv:4"]
    assert "31-02-2026" in batch.problems[0].message or "31-02-2026" in batch.problems[1].message


def test_malformed_student_row_holds_back_its_observations(tmp_path: Path) -> None:
    """A student row that does not parse is a problem; their observations name the unknown student."""
    bad = [*STUDENT[:2], "HAVO", *STUDENT[3:]]
    write_snapshot(tmp_path, STAMP, deelnemers=[bad], waarnemingen=[waarneming("W1", "01-09-2026")])
    batch = _fetch(tmp_path)
    assert batch.students == [] and batch.records == []
    assert {p.where for p in batch.problems} == {f"deelnemers_{STAMP}.csv:2", f"waarnemingen_{STAMP}.csv:2"}


def test_observation_linked_to_a_missing_report_is_held_back(tmp_path: Path) -> None:
    """A link to a report that is not there (or was held back) is not guessed at."""
    write_snapshot(tmp_path, STAMP, waarnemingen=[waarneming("W1", "01-09-2026", link="M9")])
    batch = _fetch(tmp_path)
    assert batch.records == [] and "M9" in batch.problems[0].message


def test_unknown_observation_kind_is_held_back(tmp_path: Path) -> None:
    """A waarnemingsoort without a mapping is an UnmappedCode problem."""
    write_snapshot(tmp_path, STAMP, waarnemingen=[waarneming("W1", "01-09-2026", "DeelsAfwezig")])
    batch = _fetch(tmp_path)
    assert batch.records == [] and "'DeelsAfwezig'" in batch.problems[0].message


def test_report_ending_before_it_starts_is_a_problem(tmp_path: Path) -> None:
    """A report whose end lies before its start is held back at its line."""
    write_snapshot(tmp_path, STAMP, meldingen=[melding("M1", "02-09-2026", "01-09-2026")])
    assert "ligt niet na begin" in _fetch(tmp_path).problems[0].message


def test_export_missing_a_column_is_a_source_error(tmp_path: Path) -> None:
    """A file without the expected columns cannot be read at all: a clear error naming it."""
    write_snapshot(tmp_path, STAMP)
    (tmp_path / f"waarnemingen_{STAMP}.csv").write_text("id;datum\r\n", encoding="utf-8")
    with pytest.raises(SourceError, match=f"waarnemingen_{STAMP}.csv:1: kolommen ontbreken"):
        _fetch(tmp_path)


def test_incomplete_snapshot_is_not_read(tmp_path: Path) -> None:
    """Until all three exports of a stamp are there, the snapshot does not exist."""
    write_snapshot(tmp_path, STAMP)
    (tmp_path / f"deelnemers_{STAMP}.csv").unlink()
    batch = _fetch(tmp_path)
    assert batch.records == [] and batch.cursor is None


def test_same_cursor_gives_an_empty_batch(tmp_path: Path) -> None:
    """No newer snapshot: nothing new, the cursor stays."""
    write_snapshot(tmp_path, STAMP, waarnemingen=[waarneming("W1", "01-09-2026")])
    batch = _fetch(tmp_path, STAMP)
    assert batch.records == [] and batch.cursor == STAMP


NEXT, LATER = "20260916T060000", "20260917T060000"
W2 = "eduarte:99YY:W2"


def _w2(day: str = "01-09-2026") -> list[str]:
    return waarneming("W2", day, start="09:20", end="10:10")


def _next(folder: Path, first: list[list[str]], then: list[list[str]],
          raw: dict[str, list[str]] | None = None) -> SourceBatch:
    """Sync snapshot STAMP holding ``first``, then fetch snapshot NEXT holding ``then``."""
    write_snapshot(folder, STAMP, waarnemingen=first)
    cursor = _fetch(folder).cursor
    write_snapshot(folder, NEXT, waarnemingen=then, raw=raw)
    return _fetch(folder, cursor)


def test_observation_gone_from_the_next_snapshot_is_withdrawn(tmp_path: Path) -> None:
    """An id in the previous snapshot and not in the newest one is withdrawn."""
    batch = _next(tmp_path, [waarneming("W1", "01-09-2026"), _w2()], [waarneming("W1", "01-09-2026")])
    assert batch.withdrawn_record_ids == ["eduarte:99YY:W2"]
    assert (batch.cursor or "").startswith(f"{NEXT}+")


def test_row_held_back_for_a_bad_date_keeps_its_earlier_record_standing(tmp_path: Path) -> None:
    """W2 was good; now its date does not parse: it is held back, not withdrawn and not replaced."""
    batch = _next(tmp_path, [waarneming("W1", "01-09-2026"), _w2()],
                  [waarneming("W1", "01-09-2026"), _w2("31-02-2026")])
    assert batch.withdrawn_record_ids == [] and W2 not in {r.id for r in batch.records}
    [problem] = batch.problems
    assert (problem.where, problem.record_id) == (f"waarnemingen_{NEXT}.csv:3", W2)


def test_row_with_too_few_fields_keeps_its_earlier_record_standing(tmp_path: Path) -> None:
    """A truncated line still names its id, so its record is held back rather than withdrawn."""
    batch = _next(tmp_path, [waarneming("W1", "01-09-2026"), _w2()], [waarneming("W1", "01-09-2026")],
                  raw={"waarnemingen": ["W2;100001;01-09-2026"]})
    assert batch.withdrawn_record_ids == [] and batch.problems[0].record_id == W2


def test_held_back_row_that_then_disappears_is_withdrawn(tmp_path: Path) -> None:
    """Good, then held back, then gone: the earlier good version is withdrawn at last."""
    held = _next(tmp_path, [waarneming("W1", "01-09-2026"), _w2()],
                 [waarneming("W1", "01-09-2026"), _w2("31-02-2026")])
    write_snapshot(tmp_path, LATER, waarnemingen=[waarneming("W1", "01-09-2026")])
    assert _fetch(tmp_path, held.cursor).withdrawn_record_ids == [W2]


def test_line_without_a_readable_id_withdraws_nothing_and_says_so(tmp_path: Path) -> None:
    """An undecodable line could be any observation: no withdrawals are guessed for that export."""
    batch = _next(tmp_path, [waarneming("W1", "01-09-2026"), _w2()], [waarneming("W1", "01-09-2026")],
                  raw={"waarnemingen": ['"' + "x" * 200_000 + '";100001']})
    assert batch.withdrawn_record_ids == []
    assert any("niet te bepalen" in p.message for p in batch.problems)


def test_report_with_a_bad_handled_flag_holds_back_the_absences_in_its_period(tmp_path: Path) -> None:
    """A ZIEK report whose afgehandeld does not parse: the absence it covers is held back with the
    report's file and line, not loaded as onbekend; lessons outside its period load as usual."""
    write_snapshot(tmp_path, STAMP, meldingen=[melding("M1", "01-09-2026", "01-09-2026", afgehandeld="X")],
                   waarnemingen=[waarneming("W1", "01-09-2026"), waarneming("W2", "02-09-2026"),
                                 waarneming("W3", "01-09-2026", "Aanwezig", start="09:20", end="10:10")])
    batch = _fetch(tmp_path)
    assert {r.id: r.reason for r in batch.records} == {"eduarte:99YY:W2": "onbekend", "eduarte:99YY:W3": None}
    held = next(p for p in batch.problems if p.record_id == "eduarte:99YY:W1")
    assert f"absentiemeldingen_{STAMP}.csv:2" in held.message


def test_report_with_an_unreadable_period_holds_back_all_absences_of_its_student(tmp_path: Path) -> None:
    """Without a period the broken report could cover any of the student's absences; another
    student's absences still load."""
    other = ["100002", *STUDENT[1:]]
    write_snapshot(tmp_path, STAMP, deelnemers=[STUDENT, other],
                   meldingen=[melding("M1", "01-13-2026", "01-09-2026")],
                   waarnemingen=[waarneming("W1", "01-09-2026"), waarneming("W2", "14-09-2026"),
                                 waarneming("W3", "01-09-2026", number="100002")])
    batch = _fetch(tmp_path)
    assert [r.id for r in batch.records] == ["eduarte:99YY:W3"]
    assert {p.record_id for p in batch.problems} >= {"eduarte:99YY:W1", "eduarte:99YY:W2"}


def test_broken_report_does_not_hold_back_a_lesson_linked_to_a_good_one(tmp_path: Path) -> None:
    """An observation linked to a readable report takes that report's reason, whatever else is broken."""
    write_snapshot(tmp_path, STAMP, meldingen=[melding("M1", "01-09-2026", "01-09-2026", afgehandeld="X"),
                                               melding("M2", "01-09-2026", "01-09-2026", reden="ARTS")],
                   waarnemingen=[waarneming("W1", "01-09-2026", link="M2")])
    assert [r.reason for r in _fetch(tmp_path).records] == ["artsbezoek"]


def test_pruned_previous_snapshot_is_reported(tmp_path: Path) -> None:
    """When the previous snapshot is gone, withdrawals cannot be known: a problem says so."""
    write_snapshot(tmp_path, "20260916T060000")
    assert "niet meer aanwezig" in _fetch(tmp_path, STAMP).problems[0].message


def test_missing_drop_folder_is_a_source_error(tmp_path: Path) -> None:
    """A drop folder that does not exist is an error naming it."""
    with pytest.raises(SourceError, match="bestaat niet"):
        _fetch(tmp_path / "nope")


def test_invalid_configuration_names_the_key(tmp_path: Path) -> None:
    """Unknown keys are refused."""
    with pytest.raises(ConfigurationError, match="drop_fodler"):
        create_source({"drop_fodler": str(tmp_path), "brin": "99YY"})


def test_malformed_birth_date_is_reported_without_its_value(tmp_path: Path) -> None:
    """Problems never echo personal data: a bad birth date is named by field, not shown."""
    bad = [STUDENT[0], "31-02-2009", *STUDENT[2:]]
    write_snapshot(tmp_path, STAMP, deelnemers=[bad])
    [problem] = _fetch(tmp_path).problems
    assert "geboortedatum" in problem.message and "31-02-2009" not in problem.message
