"""Runs every rule of the catalogue over one evaluation frame and turns firings into signals."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta

import numpy as np

from gateway.domain.calendar import SchoolCalendar
from gateway.domain.model import AttendanceRecord, Calendar, Student
from gateway.domain.signals import Signal, SignalKind, business_id
from gateway.rules import (
    intern_10u,
    langdurig_relatief_verzuim,
    luxe_verzuim,
    no_show,
    rmc_4_weken,
    studiefinanciering,
    te_laat,
    verzuim_16u,
    ziek_zonder_verklaring,
    zorg_langdurig_ziek,
    zorg_vaak_ziek,
)
from gateway.rules.catalogue import (
    LEGAL_BASIS,
    LEGAL_BASIS_18_PLUS,
    OUTSIDE_RECIPIENTS,
    Firing,
)
from gateway.rules.explain import SignalTerms, explain
from gateway.rules.frame import AttendanceColumns, EvaluationFrame, columns_from_records
from gateway.rules.profiles import Profile

# Rules that do not depend on other rules' firings; verzuim-16u runs after them (LRV silence).
INDEPENDENT_RULES: tuple[Callable[[EvaluationFrame], list[Firing]], ...] = (
    langdurig_relatief_verzuim.fire,
    rmc_4_weken.fire,
    studiefinanciering.fire,
    ziek_zonder_verklaring.fire,
    luxe_verzuim.fire,
    no_show.fire,
    te_laat.fire,
    intern_10u.fire,
    zorg_langdurig_ziek.fire,
    zorg_vaak_ziek.fire,
)
SILENCING_RULES = frozenset({"lrv", "rmc-4w"})


def evaluate(
    calendar: Calendar,
    students: Sequence[Student],
    records: Iterable[AttendanceRecord],
    profile: Profile,
    as_of: date,
) -> list[Signal]:
    """Every signal with trigger date on or before ``as_of``, ordered by student, date, rule."""
    columns = columns_from_records(students, records)
    return evaluate_columns(SchoolCalendar(calendar), students, columns, profile, as_of)


def evaluate_columns(
    calendar: SchoolCalendar,
    students: Sequence[Student],
    columns: AttendanceColumns,
    profile: Profile,
    as_of: date,
) -> list[Signal]:
    """As ``evaluate``, on deduplicated columnar attendance (the bulk path)."""
    return evaluate_frame(EvaluationFrame(calendar, students, columns, profile, as_of))


def evaluate_frame(frame: EvaluationFrame, since: date | None = None) -> list[Signal]:
    """Signals of a prepared frame; with ``since``, only those triggered on or after it.

    Evaluation is causal, so the daily job extends yesterday's frame by one day
    (``EvaluationFrame.extended``) and asks only for the signals of the new day.
    """
    firings = fire_all(frame)
    if since is not None:
        first = frame.calendar.count_until(since - timedelta(days=1))
        firings = [f for f in firings if f.trigger_day >= first]
    signals = [to_signal(frame, f) for f in firings]
    signals.sort(key=lambda s: (s.student_id, s.trigger_date, s.rule))
    return signals


def fire_all(frame: EvaluationFrame) -> list[Firing]:
    """All firings of every rule for the frame."""
    firings: list[Firing] = []
    for rule in INDEPENDENT_RULES:
        firings.extend(rule(frame))
    silence_from = np.zeros((frame.n_days, frame.n_students), dtype=bool)
    for f in firings:
        if f.rule in SILENCING_RULES:
            silence_from[f.trigger_day, f.student] = True
    firings.extend(verzuim_16u.fire(frame, silence_from))
    return firings


def firing_key(frame: EvaluationFrame, firing: Firing) -> str:
    """The business id the firing's signal will have, without making the signal (no evidence)."""
    return business_id(frame.students[firing.student].id, firing.rule, frame.day_dates[firing.start_day],
                       frame.day_dates[firing.trigger_day])


def _actie_gewenst(rule: str, profile: Profile) -> bool | None:
    if rule == "verzuim-16u":
        return False
    if rule == "herhaalmelding":
        return True
    return profile.actie_gewenst.get(rule)


def to_signal(frame: EvaluationFrame, firing: Firing) -> Signal:
    """Apply reportability, kind, legal basis, hours and explanation to one firing."""
    student = frame.students[firing.student]
    trigger = frame.day_dates[firing.trigger_day]
    start = frame.day_dates[firing.start_day]
    reportable = frame.reportable(firing.student, firing.trigger_day)
    recipient = firing.recipient
    kind: SignalKind
    if recipient in OUTSIDE_RECIPIENTS and firing.needs_reportable and not reportable:
        recipient, kind = "school", "signaal"
    elif firing.rule == "sf-4w-contact":
        kind = "taak"
    elif recipient in OUTSIDE_RECIPIENTS:
        kind = "melding"
    else:
        kind = "signaal"
    legal_basis = (LEGAL_BASIS_18_PLUS.get(firing.rule, LEGAL_BASIS[firing.rule])
                   if firing.recipient in ("rmc", "dsp") else LEGAL_BASIS[firing.rule])
    hours = None if firing.hours_minutes is None else round(firing.hours_minutes / 60, 2)
    due = firing.due_date
    # A run's period may start a few days before its first full lesweek; the explanation names the
    # lesweken of the run itself, so "4 aaneengesloten lesweken" lists four.
    first_week = firing.facts.get("first_week")
    start_week = int(first_week) if isinstance(first_week, int) else int(frame.day_week[firing.start_day])
    weeks = (frame.calendar.lesweek_label(start_week),
             frame.calendar.lesweek_label(int(frame.day_week[firing.trigger_day])))
    return Signal(
        rule=firing.rule,
        kind=kind,
        student_id=student.id,
        recipient=recipient,
        trigger_date=trigger,
        period_start=start,
        period_end=None if firing.open_end else trigger,
        due_date=due,
        hours=hours,
        actie_gewenst=_actie_gewenst(firing.rule, frame.profile),
        legal_basis=legal_basis,
        evidence=frame.evidence(firing.student, firing.evidence),
        explanation=explain(firing, SignalTerms(
            start=start, trigger=trigger, due=due, recipient=recipient, weeks=weeks, hours=hours,
            reportable=reportable or not firing.needs_reportable,
        )),
        profile=frame.profile.name,
        profile_version=frame.profile_stamp,
        extra={k: v for k, v in firing.facts.items() if k != "first_week"},
    )
