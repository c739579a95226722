"""Rule ``intern-10u``: an internal signal at 10 unauthorised hours in 4 lesweken (Noorderpoort)."""

from __future__ import annotations

from gateway.rules.catalogue import Firing
from gateway.rules.frame import CLS_UNAUTHORISED, EvaluationFrame, EvidenceSpec
from gateway.rules.window import Threshold, everyone, scan_windows


def fire(frame: EvaluationFrame) -> list[Firing]:
    """Fires for every student where the profile sets ``intern_10u_hours``; compared with ``>=``."""
    hours = frame.profile.intern_10u_hours
    if hours is None:
        return []

    hits = scan_windows(frame, frame.unauthorised_minutes, Threshold(round(hours * 60), strict=False),
                        eligible=everyone)
    return [
        Firing(
            rule="intern-10u",
            student=hit.student,
            trigger_day=hit.day,
            start_day=hit.start_day,
            recipient="school",
            evidence=EvidenceSpec(hit.first_counted_day, hit.day,
                                    record_class=CLS_UNAUTHORISED),
            needs_reportable=False,
            hours_minutes=hit.total,
            facts={"threshold": hours},
        )
        for hit in hits
    ]
