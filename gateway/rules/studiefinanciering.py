"""Rules ``sf-4w-contact`` and ``sf-8w-ma``: BOL 1-2 students with studiefinanciering (WEB art. 8.1.7)."""

from __future__ import annotations

from gateway.domain.age import ADULT_AGE
from gateway.domain.calendar import add_working_days, iso_week_sunday
from gateway.rules.catalogue import Firing
from gateway.rules.frame import EvaluationFrame
from gateway.rules.runs import RunReport, fully_unauthorised_weeks, run_firing, scan_runs

# lesweken in the run -> (rule, recipient, working days after the Sunday ending that lesweek)
STAGES = {4: ("sf-4w-contact", "school", 3), 8: ("sf-8w-ma", "duo-ib", 5)}


def _applies(frame: EvaluationFrame, student: int, day: int) -> bool:
    s = frame.students[student]
    return (
        s.studiefinanciering and s.leerweg == "BOL" and s.niveau in (1, 2)
        and frame.age(student, day) >= ADULT_AGE
    )


def fire(frame: EvaluationFrame) -> list[Firing]:
    """A task to contact the student after 4 lesweken; the MA form to DUO after 8.

    These apply regardless of startkwalificatie, so they never become a signaal.
    """
    firings = []
    for hit in scan_runs(frame, fully_unauthorised_weeks(frame), sorted(STAGES)):
        if not _applies(frame, hit.student, hit.trigger_day):
            continue
        rule, recipient, workdays = STAGES[hit.length]
        sunday = iso_week_sunday(frame.day_dates[hit.trigger_day])
        report = RunReport(rule, recipient, needs_reportable=False,
                           due_date=add_working_days(sunday, workdays))
        firings.append(run_firing(frame, hit, report, all_of=frame.unauthorised))
    return firings
