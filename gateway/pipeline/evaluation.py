"""Evaluate a school through the store: new signals become meldingen, vanished ones are withdrawn.

The daily job at scale (DESIGN.md section 8). The rules read per student and school day what the
records count as; those counts are kept from the evaluation before (``gateway.store.evaluation_state``)
and brought up to date with only the records stored since (``day_counts``). Every student in scope is
decided again from the counts; the records themselves are read only where a decision needs them:
the evidence of signals that are new, and the follow-up of students whose no-show window is open or
whose past changed. The result equals a full evaluation of every record (tests/store/test_daily_job.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from gateway.config.school import load_school, school_profile
from gateway.domain.calendar import SchoolCalendar
from gateway.domain.errors import ConfigurationError
from gateway.domain.model import AttendanceRecord, Calendar, Student
from gateway.domain.progress import Progress, no_progress
from gateway.domain.signals import Signal
from gateway.domain.soort_verzuim import NO_SHOW, NO_SHOW_CONTACT, NO_SHOW_SECOND
from gateway.pipeline.batches import lock_school_attendance
from gateway.pipeline.day_counts import current_counts, facts_digests, valid_for
from gateway.pipeline.decisions import (
    ActiveMelding,
    DecisionContext,
    active_meldingen,
    mapping_stamps,
    reconcile,
)
from gateway.pipeline.gate import settle_queue
from gateway.pipeline.no_show_followup import followup_signals, followup_window, in_followup_scope
from gateway.pipeline.specification import LessonIndex
from gateway.pipeline.uitschrijving import uitschrijving_signals
from gateway.rules.engine import fire_all, firing_key, to_signal
from gateway.rules.frame import EvaluationFrame, columns_from_rows
from gateway.store import attendance_columns as columns_repo
from gateway.store import audit, evaluation_state
from gateway.store import students as students_repo
from gateway.store.crypto import FieldCipher
from gateway.store.engine import Store
from gateway.store.evaluation_state import EvaluationState
from gateway.store.schema import calendars, schools
from gateway.store.schema import students as students_table

# Meldingen the follow-up makes; reconciled only for students whose follow-up was decided again.
FOLLOW_UP_KINDS = frozenset({NO_SHOW_CONTACT, NO_SHOW_SECOND})


@dataclass(frozen=True)
class EvaluationResult:
    """What an evaluation did: who was evaluated, meldingen created and withdrawn."""

    students_evaluated: int
    created: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    signals: int = 0
    # Seconds per stage (load, rules, evidence, followup, reconcile, save), for the command line and
    # the benchmarks.
    timings: dict[str, float] = field(default_factory=dict)


class _Stopwatch:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - start, 3)


@dataclass
class _School:
    """What one evaluation reads of the school before it decides."""

    calendar: Calendar
    calendar_text: str
    ids: list[str]
    facts: list[str]
    last_as_of: date | None


def _read_school(conn: sa.Connection, school_id: str) -> _School:
    cal_text = conn.scalar(sa.select(calendars.c.data).where(calendars.c.school_id == school_id))
    if cal_text is None:
        raise ConfigurationError(f"school '{school_id}' heeft nog geen kalender")
    rows = conn.execute(sa.select(students_table.c.id, students_table.c.facts)
                        .where(students_table.c.school_id == school_id).order_by(students_table.c.id)).all()
    last_as_of = conn.scalar(sa.select(schools.c.last_as_of).where(schools.c.id == school_id))
    return _School(Calendar.model_validate_json(cal_text), cal_text, [r.id for r in rows],
                   [r.facts for r in rows], last_as_of)


def evaluate(
    store: Store, school_id: str, as_of: date, actor: str = "evaluatie", *, progress: Progress = no_progress,
) -> EvaluationResult:
    """Decide again for the students whose records or facts changed (every student, when ``as_of``
    moved); new signals become meldingen, vanished ones are withdrawn. ``progress`` hears how far the
    meldingen to make are."""
    watch = _Stopwatch()
    with store.write() as conn:
        lock_school_attendance(conn, school_id)
        with watch.stage("load"):
            config = load_school(conn, school_id)
            profile = school_profile(config)
            context = DecisionContext(config, profile, as_of, actor, mapping_stamps(conn, school_id))
            school = _read_school(conn, school_id)
            calendar = SchoolCalendar(school.calendar)
            upto = columns_repo.latest_batch(conn, school_id)
            key = valid_for(school.calendar_text, profile.late_minutes)
            state = evaluation_state.load(conn, school_id, key)
            now = current_counts(conn, school_id, calendar, school.ids, state=state,
                                 late_minutes=profile.late_minutes)
            digests = facts_digests(school.facts)
            dirty = students_repo.dirty_ids(conn, school_id)
            scope, since = _scope(school, state, digests, set(dirty) | now.recounted, as_of)
            past = (columns_repo.students_touched_until(conn, school_id, now.batches, since)
                    if state is not None and since is not None else set())
        decided = _decide(conn, context, school, calendar, now.counts, scope=scope, since=since,
                          changed=now.recounted | past, cipher=store.cipher, watch=watch, progress=progress)
        with watch.stage("reconcile"):
            # The SIS may have brought what a waiting melding missed (a phone number, a leslocatie).
            brought = (students_repo.details_changed_since(conn, school_id, state.watermark)
                       if state is not None else sorted(dirty))
            settle_queue(conn, store.cipher, context.gate, actor, brought)
            students_repo.mark_evaluated(conn, school_id, dirty)
            if school.last_as_of is None or as_of > school.last_as_of:
                conn.execute(schools.update().where(schools.c.id == school_id).values(last_as_of=as_of))
        with watch.stage("save"):
            if state is None or state.watermark != upto or state.student_ids != school.ids:
                kept = EvaluationState(upto, school.ids, digests, now.counts)
                evaluation_state.save(conn, school_id, key, kept)
        audit.append(
            conn, actor=actor, action="evaluatie", school_id=school_id, subject=as_of.isoformat(),
            data={"as_of": as_of.isoformat(), "students": len(scope), "created": len(decided.created),
                  "withdrawn": len(decided.withdrawn), "profile": profile.stamp,
                  "mappings": dict(context.mappings)},
        )
    return EvaluationResult(len(scope), decided.created, decided.withdrawn, decided.signals, watch.timings)


def _scope(school: _School, state: EvaluationState | None, digests: npt.NDArray[np.uint64],
           changed: set[str], as_of: date) -> tuple[list[int], date | None]:
    """Positions of the students to decide again, and the day up to which nothing of the others
    changed (None: no such day, everything is decided again)."""
    if state is None or school.last_as_of is None or as_of != school.last_as_of:
        moved_on = state is not None and school.last_as_of is not None and school.last_as_of < as_of
        return list(range(len(school.ids))), school.last_as_of if moved_on else None
    old = dict(zip(state.student_ids, state.facts_digests.tolist(), strict=True))
    new = digests.tolist()
    chosen = [i for i, sid in enumerate(school.ids) if sid in changed or old.get(sid) != new[i]]
    return chosen, school.last_as_of


@dataclass
class _Decided:
    created: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    signals: int = 0


def _decide(  # noqa: PLR0913  one evaluation's inputs, passed on from evaluate
    conn: sa.Connection, context: DecisionContext, school: _School, calendar: SchoolCalendar,
    counts: npt.NDArray[np.int64], *, scope: list[int], since: date | None,
    changed: set[str] | frozenset[str], cipher: FieldCipher, watch: _Stopwatch, progress: Progress,
) -> _Decided:
    """Decide for the students at ``scope`` and reconcile their meldingen with the decisions."""
    decided = _Decided()
    if not scope:
        return decided
    profile, as_of = context.profile, context.as_of
    everyone = len(scope) == len(school.ids)
    with watch.stage("rules"):
        students = [Student.model_validate_json(school.facts[i]) for i in scope]
        frame = EvaluationFrame.from_counts(calendar, students, counts if everyone else counts[:, :, scope],
                                            profile, as_of)
        firings = {firing_key(frame, f): f for f in fire_all(frame)}
        decided.signals = len(firings)
        active = active_meldingen(conn, context.school_id, None if everyone else [s.id for s in students])
        fresh: dict[str, Signal | None] = dict.fromkeys(firings)
        for signal in uitschrijving_signals(students, as_of):
            fresh[signal.business_id] = signal
    with watch.stage("evidence"):
        new_firings = {k: f for k, f in firings.items() if k not in active}
        spans: dict[str, tuple[date, date]] = {}
        for f in new_firings.values():
            sid = students[f.student].id
            first, last = frame.day_dates[f.evidence.first_day], frame.day_dates[f.evidence.last_day]
            old = spans.get(sid)
            spans[sid] = (min(first, old[0]), max(last, old[1])) if old else (first, last)
        rows = columns_repo.record_rows(conn, context.school_id, spans)
        frame.with_evidence(columns_from_rows(rows, {s.id: i for i, s in enumerate(students)}))
        read = LessonIndex(rows)
        for k, f in new_firings.items():
            fresh[k] = to_signal(frame, f)
    with watch.stage("followup"):
        no_shows = {students[f.student].id for f in new_firings.values() if f.rule == NO_SHOW}
        followed, records = _follow_up(conn, context, calendar, students, active=active, since=since,
                                       changed=changed | no_shows)
        for signal in followup_signals(conn, context.school_id, school.calendar, followed, records,
                                       profile=profile, as_of=as_of):
            fresh[signal.business_id] = signal
    with watch.stage("reconcile"):
        followed_ids = {s.id for s in followed}
        decided.created, decided.withdrawn = reconcile(
            conn, context, active, fresh, cipher=cipher, progress=progress, lessons=read.of,
            # A follow-up melding stays unless its student's follow-up was decided again.
            keep=lambda a: a.rule in FOLLOW_UP_KINDS and a.student_id not in followed_ids)
    return decided


def _follow_up(  # noqa: PLR0913  the decisions so far, and what changed
    conn: sa.Connection, context: DecisionContext, calendar: SchoolCalendar, students: Sequence[Student],
    *, active: dict[str, ActiveMelding], since: date | None, changed: set[str] | frozenset[str],
) -> tuple[list[Student], list[AttendanceRecord]]:
    """The students whose follow-up is decided again, and their records in its window: those in its
    population or with a no-show, whose window was still open ``since`` or whose past changed."""
    with_melding = {a.student_id for a in active.values() if a.rule in (NO_SHOW, NO_SHOW_SECOND)}
    chosen: list[Student] = []
    spans: dict[str, tuple[date, date]] = {}
    for student in students:
        if not (in_followup_scope(student, calendar) or student.id in with_melding):
            continue
        window = followup_window(student, calendar, context.profile)
        if window is None or window[0] > context.as_of:
            continue
        if since is None or window[1] > since or student.id in changed or student.id in with_melding:
            chosen.append(student)
            spans[student.id] = (window[0], min(window[1], context.as_of))
    return chosen, columns_repo.records_between(conn, context.school_id, spans)
