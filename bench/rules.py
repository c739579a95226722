"""Benchmark of the rules engine on a realistic school year.

20,000 students, a full school year, four to six lessons a school day (about 19 million lesson
records), absence from rare to chronic. Prints: the whole year evaluated (median of runs), the
process's peak memory, and the daily job (yesterday's frame extended by one school day, signals of
that day) with a check that it gives exactly what a full evaluation gives for that day.

What it leaves out: the store. The records are generated in memory as columns; nothing is read from
a database, no melding is made, no audit entry written. It times the rules engine alone. What a
school runs (``sync``, then evaluation through the store) is timed by ``bench/daily.py``.

    .venv/bin/python bench/rules.py [--students 20000] [--runs 3] [--profile utrecht]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.school import make_school
from gateway.rules import AttendanceColumns, EvaluationFrame, evaluate_frame
from gateway.rules.profiles import load_profile


class _Rows:
    """Ids of a subset of rows of another column set."""

    def __init__(self, ids: object, rows: np.ndarray) -> None:
        self.ids, self.rows = ids, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, row: int) -> str:
        return self.ids[int(self.rows[row])]  # type: ignore[index,no-any-return]


def take(columns: AttendanceColumns, mask: np.ndarray) -> AttendanceColumns:
    """The records selected by ``mask``."""
    rows = np.flatnonzero(mask)
    return AttendanceColumns(
        student=columns.student[rows], day_ordinal=columns.day_ordinal[rows],
        minutes=columns.minutes[rows], status=columns.status[rows], reason=columns.reason[rows],
        minutes_late=columns.minutes_late[rows], ids=_Rows(columns.ids, rows),
    )


def timed(fn, runs: int):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", default="utrecht")
    args = parser.parse_args()

    profile = load_profile(args.profile)
    start = time.perf_counter()
    school = make_school(args.students)
    cal, students, columns = school.calendar, school.students, school.columns
    print(f"school: {len(students)} students, {len(cal.school_days)} school days, "
          f"{len(columns):,} lesson records (generated in {time.perf_counter() - start:.1f} s)")

    last = cal.school_days[-1]
    median, times, signals = timed(
        lambda: evaluate_frame(EvaluationFrame(cal, students, columns, profile, last)), args.runs)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    per_rule = Counter(s.rule for s in signals)
    print(f"whole year, profile {profile.name}: median {median:.1f} s over {args.runs} runs "
          f"({', '.join(f'{t:.1f}' for t in times)}); {len(signals):,} signals")
    print("  per rule: " + ", ".join(f"{rule} {n}" for rule, n in per_rule.most_common()))
    print(f"peak memory (process, incl. generated data): {peak_gb:.2f} GB")

    # The daily job: yesterday's frame, then one new school day for all students.
    day = len(cal.school_days) - 1
    new_day, yesterday = cal.school_days[day], cal.school_days[day - 1]
    record_day = np.searchsorted(
        np.array([d.toordinal() for d in cal.school_days]), columns.day_ordinal)
    base = EvaluationFrame(cal, students, take(columns, record_day < day), profile, yesterday)
    todays = take(columns, record_day == day)
    median, times, daily = timed(
        lambda: evaluate_frame(base.extended(todays, new_day), since=new_day), args.runs)
    expected = [s for s in signals if s.trigger_date == new_day]
    same = [s.to_json() for s in daily] == [s.to_json() for s in expected]
    print(f"daily job ({len(todays):,} new records, {len(students)} students): median {median:.2f} s "
          f"over {args.runs} runs ({', '.join(f'{t:.2f}' for t in times)}); {len(daily)} new signals; "
          f"equal to full evaluation: {same}")
    if not same:
        sys.exit("daily job differs from the full evaluation")


if __name__ == "__main__":
    main()
