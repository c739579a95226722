"""Rule ``te-laat``: more late arrivals in 4 lesweken than the profile allows (Utrecht: 10)."""

from __future__ import annotations

from gateway.domain.calendar import add_working_days
from gateway.rules.catalogue import Firing, recipient_by_age
from gateway.rules.frame import CLS_LATE_ARRIVAL, EvaluationFrame, EvidenceSpec
from gateway.rules.window import Threshold, everyone, scan_windows


def fire(frame: EvaluationFrame) -> list[Firing]:
    """Fires where the profile sets ``late_arrivals_threshold``; compared with ``>``."""
    threshold = frame.profile.late_arrivals_threshold
    if threshold is None:
        return []

    hits = scan_windows(frame, frame.late_arrivals, Threshold(threshold, strict=True), eligible=everyone)
    return [
        Firing(
            rule="te-laat",
            student=hit.student,
            trigger_day=hit.day,
            start_day=hit.start_day,
            recipient=recipient_by_age(frame.age(hit.student, hit.day)),
            evidence=EvidenceSpec(hit.first_counted_day, hit.day,
                                    record_class=CLS_LATE_ARRIVAL),
            needs_reportable=True,
            due_date=add_working_days(frame.day_dates[hit.day], frame.profile.report_within_workdays),
            facts={"late_arrivals": hit.total, "threshold": threshold},
        )
        for hit in hits
    ]
