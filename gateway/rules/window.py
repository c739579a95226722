"""The rolling window of 4 lesweken shared by the hour and lateness rules.

Window rules fire only on a day that itself adds to the count, count only days after the
previous firing's ``period_end``, and fire at most once per lesweek.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gateway.rules.frame import BoolArray, EvaluationFrame, IntArray


@dataclass(frozen=True)
class WindowHit:
    """A window rule reaching its threshold for one student on one day."""

    student: int
    day: int
    first_counted_day: int
    start_day: int
    total: int
    sequence: int  # 0 for the first firing of this rule for the student, 1 for the next, ...


@dataclass(frozen=True)
class Threshold:
    """A window rule's limit: reached at ``value`` (``>=``), or only past it when ``strict`` (``>``)."""

    value: int
    strict: bool

    def reached(self, totals: IntArray) -> BoolArray:
        """Whether each window total reaches the limit."""
        reached: BoolArray = totals > self.value if self.strict else totals >= self.value
        return reached


def everyone(students: IntArray, day: int) -> BoolArray:
    """Eligibility for window rules that apply to every student."""
    return np.ones(students.shape[0], dtype=bool)


def scan_windows(
    frame: EvaluationFrame,
    amounts: IntArray,
    limit: Threshold,
    *,
    eligible: Callable[[IntArray, int], BoolArray],
    silence_from: BoolArray | None = None,
) -> list[WindowHit]:
    """Walk the school days and report each day the window total reaches ``limit``.

    ``amounts[day, student]`` is what each day adds (minutes, late arrivals). ``silence_from``
    marks days from which the rule stays silent until the student has a record that is not an
    unauthorised absence; counting then starts on that day.
    """
    n_days, n_students = amounts.shape
    prefix = np.zeros((n_days + 1, n_students), dtype=np.int64)
    np.cumsum(amounts, axis=0, out=prefix[1:])
    count_from = np.zeros(n_students, dtype=np.int64)
    last_week = np.full(n_students, -1, dtype=np.int64)
    fired = np.zeros(n_students, dtype=np.int64)
    silenced = np.zeros(n_students, dtype=bool)
    not_unauthorised = frame.records - frame.unauthorised
    hits: list[WindowHit] = []
    for day in range(n_days):
        if silence_from is not None:
            breaking = silenced & (not_unauthorised[day] > 0)
            silenced[breaking] = False
            count_from[breaking] = day
            silenced |= silence_from[day]
        week = frame.day_week[day]
        candidates = np.flatnonzero(amounts[day] > 0)
        if candidates.size == 0:
            continue
        candidates = candidates[~silenced[candidates] & (last_week[candidates] != week)]
        first = np.maximum(frame.window_first_day[day], count_from[candidates])
        totals = prefix[day + 1, candidates] - prefix[first, candidates]
        reached = limit.reached(totals)
        candidates, first, totals = candidates[reached], first[reached], totals[reached]
        if candidates.size:
            ok = eligible(candidates, day)
            candidates, first, totals = candidates[ok], first[ok], totals[ok]
        for student, lo, total in zip(candidates.tolist(), first.tolist(), totals.tolist(), strict=True):
            start = lo + int(np.argmax(amounts[lo : day + 1, student] > 0))
            hits.append(WindowHit(student, day, lo, start, int(total), int(fired[student])))
        count_from[candidates] = day + 1
        last_week[candidates] = week
        fired[candidates] += 1
    return hits
