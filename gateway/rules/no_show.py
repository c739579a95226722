"""Rule ``no-show``: a student who never turns up in the first school days of the year."""

from __future__ import annotations

from gateway.domain.age import ADULT_AGE
from gateway.rules.catalogue import Firing
from gateway.rules.frame import STATUS_ABSENT, EvaluationFrame, EvidenceSpec


def fire(frame: EvaluationFrame) -> list[Firing]:
    """BOL: the first 5 school days, BBL: the first; VO is out of scope (Leerplicht handles it)."""
    profile = frame.profile
    calendar = frame.calendar
    school_days = {"BOL": profile.no_show_bol_school_days, "BBL": profile.no_show_bbl_school_days}
    firings = []
    for student, s in enumerate(frame.students):
        days_for = school_days.get(s.leerweg)
        if (
            days_for is None or s.intro_attended or s.startkwalificatie
            or s.enrolled_on is None or s.enrolled_on >= calendar.source.first_school_day
        ):
            continue
        first = calendar.first_on_or_after(s.first_school_day or calendar.source.first_school_day)
        if first is None:
            continue
        trigger = first + days_for - 1
        if trigger >= frame.n_days or frame.age(student, trigger) >= profile.no_show_max_age:
            continue
        span = slice(first, trigger + 1)
        if (
            frame.present_or_late[span, student].sum() > 0
            or frame.authorised_absent[span, student].sum() > 0
            or frame.absent[span, student].sum() == 0
        ):
            continue
        report_by = first + profile.no_show_report_by_school_day - 1
        due = calendar.school_days[report_by] if report_by < len(calendar.school_days) else None
        firings.append(Firing(
            rule="no-show",
            student=student,
            trigger_day=trigger,
            start_day=first,
            recipient="leerplicht" if frame.age(student, trigger) < ADULT_AGE else "dsp",
            evidence=EvidenceSpec(first, trigger, status=STATUS_ABSENT),
            needs_reportable=False,
            due_date=due,
            facts={"school_days": days_for},
        ))
    return firings
