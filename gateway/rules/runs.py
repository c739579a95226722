"""Runs of consecutive fully absent lesweken, shared by lrv, rmc-4w, sf-* and ziek-zonder-verklaring.

A lesweek without records for the student is skipped: it neither breaks nor extends a run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from gateway.rules.catalogue import Firing
from gateway.rules.frame import BoolArray, EvaluationFrame, EvidenceSpec, IntArray


@dataclass(frozen=True)
class RunHit:
    """A run of fully absent lesweken reaching ``length`` lesweken for one student."""

    student: int
    length: int
    first_week: int
    trigger_day: int  # last school day of the length-th lesweek of the run


def scan_runs(frame: EvaluationFrame, full: BoolArray, lengths: Sequence[int]) -> list[RunHit]:
    """Report each run of ``full`` lesweken (``full[week, student]``) reaching each length once."""
    has_records = frame.week_records > 0
    run_length = np.zeros(frame.n_students, dtype=np.int64)
    run_start = np.zeros(frame.n_students, dtype=np.int64)
    hits: list[RunHit] = []
    for week in range(frame.n_weeks):
        if not frame.week_complete[week]:
            break
        extends = full[week]
        breaks = has_records[week] & ~extends
        run_start[extends & (run_length == 0)] = week
        run_length[extends] += 1
        run_length[breaks] = 0
        trigger_day = int(frame.week_last_day[week])
        for length in lengths:
            for student in np.flatnonzero(extends & (run_length == length)).tolist():
                hits.append(RunHit(student, length, int(run_start[student]), trigger_day))
    return hits


def run_start_day(frame: EvaluationFrame, student: int, first_week: int, all_of: IntArray) -> int:
    """``period_start`` of a run: the first day with records in its first lesweek, moved back over
    directly preceding days with records whose records all count (``all_of[day, student]`` equals
    the day's record count)."""
    records = frame.records[:, student]
    lo, hi = int(frame.week_first_day[first_week]), int(frame.week_last_day[first_week])
    start = lo + int(np.argmax(records[lo : hi + 1] > 0))
    day = start - 1
    while day >= 0:
        if records[day] > 0:
            if all_of[day, student] != records[day]:
                break
            start = day
        day -= 1
    return start


def fully_unauthorised_weeks(frame: EvaluationFrame) -> BoolArray:
    """``[week, student]``: the student has records that week and all are unauthorised absences."""
    full: BoolArray = (frame.week_records > 0) & (frame.week_unauthorised == frame.week_records)
    return full


@dataclass(frozen=True)
class RunReport:
    """What a run rule reports once a run reaches its length: rule, recipient and melding terms."""

    rule: str
    recipient: str
    needs_reportable: bool
    open_end: bool = False
    due_date: date | None = None


def run_firing(frame: EvaluationFrame, hit: RunHit, report: RunReport, *, all_of: IntArray) -> Firing:
    """Turn a run into a firing: period from the run's start, evidence every record up to the trigger."""
    start = run_start_day(frame, hit.student, hit.first_week, all_of)
    return Firing(
        rule=report.rule,
        student=hit.student,
        trigger_day=hit.trigger_day,
        start_day=start,
        recipient=report.recipient,
        evidence=EvidenceSpec(start, hit.trigger_day),
        needs_reportable=report.needs_reportable,
        open_end=report.open_end,
        due_date=report.due_date,
        facts={"lesweken": hit.length, "first_week": hit.first_week},
    )
