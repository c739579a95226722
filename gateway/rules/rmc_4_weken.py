"""Rule ``rmc-4w``: 4 consecutive fully absent lesweken for 18 to 23 (WEB art. 8.1.8a)."""

from __future__ import annotations

from gateway.domain.age import ADULT_AGE, REPORTABLE_BELOW_AGE
from gateway.domain.calendar import add_working_days
from gateway.rules.catalogue import Firing
from gateway.rules.frame import EvaluationFrame
from gateway.rules.runs import RunReport, fully_unauthorised_weeks, run_firing, scan_runs

LESWEKEN = 4


def fire(frame: EvaluationFrame) -> list[Firing]:
    """One open-ended melding to RMC per run, for students aged 18 up to 23 on the trigger date."""
    firings = []
    for hit in scan_runs(frame, fully_unauthorised_weeks(frame), [LESWEKEN]):
        if not ADULT_AGE <= frame.age(hit.student, hit.trigger_day) < REPORTABLE_BELOW_AGE:
            continue
        report = RunReport(
            "rmc-4w", "rmc", needs_reportable=True, open_end=True,
            due_date=add_working_days(frame.day_dates[hit.trigger_day],
                                      frame.profile.report_within_workdays),
        )
        firings.append(run_firing(frame, hit, report, all_of=frame.unauthorised))
    return firings
