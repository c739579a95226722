"""Rule ``verzuim-16u`` (16 uur in 4 lesweken) and its ``herhaalmelding``en."""

from __future__ import annotations

from gateway.domain.calendar import add_working_days
from gateway.rules.catalogue import Firing, recipient_by_age
from gateway.rules.frame import CLS_UNAUTHORISED, BoolArray, EvaluationFrame, EvidenceSpec, IntArray
from gateway.rules.window import Threshold, scan_windows


def fire(frame: EvaluationFrame, silence_from: BoolArray) -> list[Firing]:
    """The first firing in the school year is ``verzuim-16u``, later ones are herhaalmeldingen.

    ``silence_from`` marks lrv / rmc-4w trigger days: from there on nothing fires until the
    student has a record that is not an unauthorised absence.
    """
    profile = frame.profile
    max_age = profile.verzuim_16u_max_age

    def younger_than_max(students: IntArray, day: int) -> BoolArray:
        return ~frame.age_at_least(max_age, day, students)

    hits = scan_windows(
        frame,
        frame.unauthorised_minutes,
        Threshold(round(profile.verzuim_16u_threshold * 60), strict=profile.verzuim_16u_compare == ">"),
        eligible=younger_than_max,
        silence_from=silence_from,
    )
    firings = []
    for hit in hits:
        rule = "verzuim-16u" if hit.sequence == 0 else "herhaalmelding"
        firings.append(Firing(
            rule=rule,
            student=hit.student,
            trigger_day=hit.day,
            start_day=hit.start_day,
            recipient=recipient_by_age(frame.age(hit.student, hit.day)),
            evidence=EvidenceSpec(hit.first_counted_day, hit.day,
                                    record_class=CLS_UNAUTHORISED),
            needs_reportable=True,
            hours_minutes=hit.total,
            due_date=add_working_days(frame.day_dates[hit.day], frame.profile.report_within_workdays),
            facts={"threshold": profile.verzuim_16u_threshold, "compare": profile.verzuim_16u_compare},
        ))
    return firings
