"""Rule ``lrv`` (langdurig relatief verzuim): 4 consecutive fully absent lesweken, under 18."""

from __future__ import annotations

from gateway.domain.age import ADULT_AGE
from gateway.domain.calendar import add_working_days
from gateway.rules.catalogue import Firing
from gateway.rules.frame import EvaluationFrame
from gateway.rules.runs import RunReport, fully_unauthorised_weeks, run_firing, scan_runs

LESWEKEN = 4


def fire(frame: EvaluationFrame) -> list[Firing]:
    """One open-ended melding to Leerplicht per run, on the last school day of its 4th lesweek."""
    firings = []
    for hit in scan_runs(frame, fully_unauthorised_weeks(frame), [LESWEKEN]):
        if frame.age(hit.student, hit.trigger_day) >= ADULT_AGE:
            continue
        report = RunReport(
            "lrv", "leerplicht", needs_reportable=True, open_end=True,
            due_date=add_working_days(frame.day_dates[hit.trigger_day],
                                      frame.profile.report_within_workdays),
        )
        firings.append(run_firing(frame, hit, report, all_of=frame.unauthorised))
    return firings
