"""Rule ``luxe-verzuim``: each run of consecutive school days with a luxe_verzuim absence, under 18."""

from __future__ import annotations

import numpy as np

from gateway.domain.age import ADULT_AGE
from gateway.domain.calendar import add_working_days
from gateway.rules.catalogue import Firing
from gateway.rules.frame import LUXE, STATUS_ABSENT, EvaluationFrame, EvidenceSpec


def fire(frame: EvaluationFrame) -> list[Firing]:
    """Fires on the first day of each run (school holidays are not school days, so they are skipped)."""
    has_luxe = frame.luxe > 0
    if frame.n_days == 0:
        return []
    starts = has_luxe.copy()
    starts[1:] &= ~has_luxe[:-1]
    firings = []
    for day_index, student_index in zip(*np.nonzero(starts), strict=True):
        day, student = int(day_index), int(student_index)
        if frame.age(student, day) >= ADULT_AGE:
            continue
        firings.append(Firing(
            rule="luxe-verzuim",
            student=student,
            trigger_day=day,
            start_day=day,
            recipient="leerplicht",
            # Only the trigger day: later days of the run must not change a signal already given.
            evidence=EvidenceSpec(day, day, reason=LUXE, status=STATUS_ABSENT),
            needs_reportable=True,
            due_date=add_working_days(frame.day_dates[day], frame.profile.report_within_workdays),
        ))
    return firings
