"""Rule ``zorg-vaak-ziek``: a care signal when sickness episodes pile up within a span of lesweken."""

from __future__ import annotations

import numpy as np

from gateway.rules.catalogue import Firing
from gateway.rules.frame import STATUS_ABSENT, ZIEK, EvaluationFrame, EvidenceSpec


def episode_starts(frame: EvaluationFrame) -> list[tuple[int, int]]:
    """(student, day) of each sickness episode start, ordered by student then day.

    An episode is a run of consecutive days with records that each have a ``ziek`` absence.
    """
    in_episode = np.zeros(frame.n_students, dtype=bool)
    starts: list[tuple[int, int]] = []
    for day in range(frame.n_days):
        has = frame.records[day] > 0
        sick = has & (frame.ziek[day] > 0)
        starts.extend((int(s), day) for s in np.flatnonzero(sick & ~in_episode))
        in_episode[sick] = True
        in_episode[has & ~sick] = False
    starts.sort()
    return starts


def fire(frame: EvaluationFrame) -> list[Firing]:
    """Counts episodes starting in the newest episode's lesweek and the span-1 before it;
    after a firing, only episodes that start after its trigger date."""
    count = frame.profile.frequent_sick_episodes
    span = frame.profile.frequent_sick_span_lesweken
    if count is None or span is None:
        return []
    firings = []
    history: dict[int, list[int]] = {}
    last_trigger: dict[int, int] = {}
    for student, day in episode_starts(frame):
        episodes = history.setdefault(student, [])
        episodes.append(day)
        oldest_week = frame.day_week[day] - (span - 1)
        counted = [
            d for d in episodes
            if frame.day_week[d] >= oldest_week and d > last_trigger.get(student, -1)
        ]
        if len(counted) < count:
            continue
        last_trigger[student] = day
        firings.append(Firing(
            rule="zorg-vaak-ziek",
            student=student,
            trigger_day=day,
            start_day=counted[0],
            recipient="school",
            evidence=EvidenceSpec(counted[0], day, reason=ZIEK, status=STATUS_ABSENT),
            needs_reportable=False,
            facts={"episodes": len(counted), "span_lesweken": span},
        ))
    return firings
