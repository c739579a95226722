"""Rule ``zorg-langdurig-ziek``: a care signal when a run of sick days reaches the profile's length."""

from __future__ import annotations

import numpy as np

from gateway.rules.catalogue import Firing
from gateway.rules.frame import STATUS_ABSENT, ZIEK, EvaluationFrame, EvidenceSpec


def fire(frame: EvaluationFrame) -> list[Firing]:
    """Counts only days with records: a school day without records neither breaks nor extends a run."""
    length = frame.profile.long_sick_school_days
    if length is None:
        return []
    run = np.zeros(frame.n_students, dtype=np.int64)
    start = np.zeros(frame.n_students, dtype=np.int64)
    firings = []
    for day in range(frame.n_days):
        has = frame.records[day] > 0
        sick = has & (frame.ziek[day] > 0)
        start[sick & (run == 0)] = day
        run[sick] += 1
        run[has & ~sick] = 0
        for student in np.flatnonzero(sick & (run == length)).tolist():
            first = int(start[student])
            firings.append(Firing(
                rule="zorg-langdurig-ziek",
                student=student,
                trigger_day=day,
                start_day=first,
                recipient="school",
                evidence=EvidenceSpec(first, day, reason=ZIEK, status=STATUS_ABSENT),
                needs_reportable=False,
                facts={"sick_days": length},
            ))
    return firings
