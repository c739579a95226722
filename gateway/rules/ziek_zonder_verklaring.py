"""Rule ``ziek-zonder-verklaring``: 4 lesweken sick without a doktersverklaring (WEB art. 8.1.7 lid 1)."""

from __future__ import annotations

from gateway.domain.calendar import add_working_days
from gateway.rules.catalogue import Firing, recipient_by_age
from gateway.rules.frame import EvaluationFrame
from gateway.rules.runs import RunReport, run_firing, scan_runs

LESWEKEN = 4


def fire(frame: EvaluationFrame) -> list[Firing]:
    """A run of 4 lesweken in which every record is a ``ziek`` absence, without a declaration."""
    all_sick = (frame.week_records > 0) & (frame.week_ziek == frame.week_records)
    firings = []
    for hit in scan_runs(frame, all_sick, [LESWEKEN]):
        if frame.students[hit.student].doktersverklaring:
            continue
        report = RunReport(
            "ziek-zonder-verklaring", recipient_by_age(frame.age(hit.student, hit.trigger_day)),
            needs_reportable=True,
            due_date=add_working_days(frame.day_dates[hit.trigger_day],
                                      frame.profile.report_within_workdays),
        )
        firings.append(run_firing(frame, hit, report, all_of=frame.ziek))
    return firings
