"""Evaluate the students that changed: new signals become meldingen, vanished ones are withdrawn."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

import sqlalchemy as sa

from gateway.config.school import SchoolConfig, load_school, school_profile
from gateway.delivery import outbox
from gateway.domain.errors import ConfigurationError
from gateway.domain.lifecycle import State
from gateway.domain.melding_content import MeldingContent, specification_to_json
from gateway.domain.model import Calendar
from gateway.domain.progress import Progress, no_progress
from gateway.domain.signals import MESSAGE_ID_NAMESPACE, Signal
from gateway.domain.soort_verzuim import MANUAL_KINDS
from gateway.pipeline.gate import GateContext, settle, settle_queue
from gateway.pipeline.no_show_followup import followup_signals
from gateway.pipeline.review import withdraw
from gateway.pipeline.specification import Lesson, lessons_of, specify
from gateway.pipeline.uitschrijving import uitschrijving_signals
from gateway.rules import evaluate as run_rules
from gateway.rules.profiles import Profile
from gateway.store import attendance as attendance_repo
from gateway.store import audit
from gateway.store import students as students_repo
from gateway.store.content import encode_content
from gateway.store.crypto import FieldCipher
from gateway.store.engine import Store
from gateway.store.meldingen import NewMelding, insert_melding, lock_active, note
from gateway.store.schema import calendars, ingest_batches, meldingen, schools
from gateway.store.schema import students as students_table

# When as_of moves on, students with records this close to the previous as_of are evaluated again:
# a run or no-show rule can fire on a later day from records already stored (DESIGN.md section 3).
AS_OF_LOOKBACK = timedelta(days=21)
EVALUATION_CHUNK = 500


@dataclass(frozen=True)
class EvaluationResult:
    """What an evaluation did: who was evaluated, meldingen created and withdrawn."""

    students_evaluated: int
    created: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    signals: int = 0



def _due_students(
    conn: sa.Connection, school_id: str, as_of: date, last_as_of: date | None
) -> dict[str, int]:
    due = students_repo.dirty_ids(conn, school_id)
    if last_as_of is not None and as_of > last_as_of:
        a = sa.table("attendance", sa.column("school_id"), sa.column("student_id"), sa.column("day"))
        s = students_table
        since = last_as_of - AS_OF_LOOKBACK
        day = since.isoformat() if conn.dialect.name == "sqlite" else since
        rows = conn.execute(
            sa.select(s.c.id, s.c.changed_seq).where(
                s.c.school_id == school_id,
                s.c.id.in_(
                    sa.select(a.c.student_id).where(a.c.school_id == school_id, a.c.day >= day).distinct()
                ),
            )
        )
        for sid, seq in rows:
            due.setdefault(sid, seq)
    return due


@dataclass(frozen=True)
class DecisionContext:
    """What every decision of one evaluation shares, and stamps on its ``besluit`` audit entry."""

    config: SchoolConfig
    profile: Profile
    as_of: date
    actor: str
    mappings: Mapping[str, str] = field(default_factory=dict)  # source -> code mapping version

    @property
    def school_id(self) -> str:
        """The school the decisions are for."""
        return self.config.id

    @cached_property
    def gate(self) -> GateContext:
        """The completeness gate's view of the school."""
        return GateContext(self.config)


def evaluate(  # noqa: PLR0913  progress is an optional keyword for the command line
    store: Store, school_id: str, as_of: date, actor: str = "evaluatie", rules: object = None, *,
    progress: Progress = no_progress,
) -> EvaluationResult:
    """Re-evaluate the students whose records changed since their last evaluation (and, when
    ``as_of`` moved on, those with recent records); new signals become meldingen, vanished ones
    are withdrawn. ``progress`` hears the students done after each chunk."""
    evaluate_fn = run_rules if rules is None else rules
    created: list[str] = []
    withdrawn: list[str] = []
    n_signals = 0
    with store.write() as conn:
        config = load_school(conn, school_id)
        cal_text = conn.scalar(sa.select(calendars.c.data).where(calendars.c.school_id == school_id))
        if cal_text is None:
            raise ConfigurationError(f"school '{school_id}' heeft nog geen kalender")
        calendar = Calendar.model_validate_json(cal_text)
        profile = school_profile(config)
        context = DecisionContext(config, profile, as_of, actor, mapping_stamps(conn, school_id))
        last_as_of = conn.scalar(sa.select(schools.c.last_as_of).where(schools.c.id == school_id))
        due = _due_students(conn, school_id, as_of, last_as_of)
        ids = sorted(due)
        # Lock order (gateway.delivery.outbox): the meldingen this evaluation may withdraw are locked before
        # its first audit entry takes the audit head, as in every worker transaction; otherwise a
        # worker holding one of them and waiting for the head would deadlock with it (PostgreSQL).
        lock_active(conn, school_id, ids)
        for i in range(0, len(ids), EVALUATION_CHUNK):
            chunk = ids[i : i + EVALUATION_CHUNK]
            students = students_repo.load_students(conn, school_id, chunk)
            records = attendance_repo.load_records(conn, school_id, chunk)
            signals: list[Signal] = evaluate_fn(calendar, students, records, context.profile, as_of)  # type: ignore[operator]
            n_signals += len(signals)
            signals += uitschrijving_signals(students, as_of)
            signals += followup_signals(conn, school_id, calendar, students, records, profile=context.profile,
                                        as_of=as_of)
            made, gone = apply_signals(conn, context, chunk, signals, cipher=store.cipher)
            created += made
            withdrawn += gone
            # The SIS may have brought what a waiting melding missed (a phone number, a leslocatie).
            settle_queue(conn, store.cipher, context.gate, actor, chunk)
            progress(i + len(chunk), len(ids))
        students_repo.mark_evaluated(conn, school_id, due)
        if last_as_of is None or as_of > last_as_of:
            conn.execute(schools.update().where(schools.c.id == school_id).values(last_as_of=as_of))
        audit.append(
            conn,
            actor=actor,
            action="evaluatie",
            school_id=school_id,
            subject=as_of.isoformat(),
            data={
                "as_of": as_of.isoformat(),
                "students": len(ids),
                "created": len(created),
                "withdrawn": len(withdrawn),
                "profile": context.profile.stamp,
                "mappings": dict(context.mappings),
            },
        )
    return EvaluationResult(len(ids), created, withdrawn, n_signals)


def mapping_stamps(conn: sa.Connection, school_id: str) -> dict[str, str]:
    """Per source of the school, the code mapping version of its newest batch that named one."""
    newest = (
        sa.select(ingest_batches.c.source, sa.func.max(ingest_batches.c.seq).label("seq"))
        .where(ingest_batches.c.school_id == school_id, ingest_batches.c.counts.like('%"mapping"%'))
        .group_by(ingest_batches.c.source)
        .subquery()
    )
    rows = conn.execute(sa.select(ingest_batches.c.source, ingest_batches.c.counts)
                        .join(newest, ingest_batches.c.seq == newest.c.seq))
    return {source: str(json.loads(counts)["mapping"]) for source, counts in rows}


def _free_business_id(conn: sa.Connection, school_id: str, business_id: str) -> str:
    """The business id, or with ``#n`` when an earlier melding with it was withdrawn (it came back)."""
    taken = set(
        conn.scalars(
            sa.select(meldingen.c.business_id).where(
                meldingen.c.school_id == school_id,
                sa.or_(
                    meldingen.c.business_id == business_id, meldingen.c.business_id.like(business_id + "#%")
                ),
            )
        )
    )
    if business_id not in taken:
        return business_id
    n = 2
    while f"{business_id}#{n}" in taken:
        n += 1
    return f"{business_id}#{n}"


def apply_signals(
    conn: sa.Connection, context: DecisionContext, student_ids: Sequence[str], signals: Sequence[Signal], *,
    cipher: FieldCipher,
) -> tuple[list[str], list[str]]:
    """Reconcile the meldingen of ``student_ids`` with a fresh signal list (inside a transaction):
    a new signal becomes a melding (through the completeness gate), an active melding whose signal
    vanished is withdrawn. Manual meldingen are a person's, not the signals': they stay."""
    active = {
        r.business_id.split("#", 1)[0]: (r.id, r.trigger_date)
        for r in conn.execute(
            sa.select(meldingen.c.id, meldingen.c.business_id, meldingen.c.trigger_date).where(
                meldingen.c.school_id == context.school_id,
                meldingen.c.student_id.in_(list(student_ids)),
                meldingen.c.status != State.INGETROKKEN.value,
                meldingen.c.rule.notin_(MANUAL_KINDS),
            )
        )
    }
    fresh = {s.business_id: s for s in signals}
    policy = context.config.routing_policy(context.profile.routes)
    created: list[str] = []
    for business_id, signal in fresh.items():
        if business_id not in active:
            route = policy.route_for(signal) if signal.kind == "melding" else None
            created.append(create_melding(conn, context, route, signal, cipher))
    withdrawn: list[str] = []
    for business_id, (melding_id, trigger) in active.items():
        if business_id in fresh or trigger > context.as_of:
            continue
        withdraw(conn, melding_id, context.actor, "signaal vervallen na correctie")
        withdrawn.append(melding_id)
    return created, withdrawn


def create_melding(  # noqa: PLR0913  the decision, and what a manual melding brings of its own
    conn: sa.Connection, context: DecisionContext, route: str | None, signal: Signal, cipher: FieldCipher,
    *, business_id: str | None = None, lessons: Sequence[Lesson] | None = None,
    content: MeldingContent | None = None,
) -> str:
    """Store a signal as a melding; one that goes out waits in the review queue with its delivery
    held, its verzuimspecificatie computed, until the gate (``settle``) releases it. Its message id.

    ``business_id`` is a manual melding's own; ``lessons`` the lessons its specification counts
    (default: those of the evidence days); ``content`` what the person filing it filled in."""
    business_id = business_id or _free_business_id(conn, context.school_id, signal.business_id)
    message_id = (
        signal.message_id
        if business_id == signal.business_id
        else str(uuid.uuid5(MESSAGE_ID_NAMESPACE, business_id))
    )
    status = State.INTERN if route is None else State.CONCEPT
    melding = NewMelding(school_id=context.school_id, business_id=business_id, message_id=message_id,
                         signal=signal, status=status, route=route, profile_stamp=context.profile.stamp)
    insert_melding(conn, melding)
    if content is not None:
        note(conn, message_id, content=encode_content(cipher, message_id, content))
    if route is not None:
        outbox.queue_delivery(conn, message_id, school_id=context.school_id, route=route, held=True)
        if lessons is None:
            lessons = lessons_of(conn, context.school_id, signal.student_id, signal.evidence)
        spec = specify(signal.evidence, lessons, signal.hours)
        note(conn, message_id, specification=json.dumps(specification_to_json(spec)))
    audit.append(
        conn,
        actor=context.actor,
        action="besluit",
        school_id=context.school_id,
        subject=message_id,
        data={
            "rule": signal.rule,
            "kind": signal.kind,
            "student_id": signal.student_id,
            "business_id": business_id,
            "trigger_date": signal.trigger_date.isoformat(),
            "evidence": list(signal.evidence),
            "profile": context.profile.stamp,
            "mappings": dict(context.mappings),
            "route": route,
            "status": status.value,
        },
    )
    if route is not None:
        settle(conn, cipher, context.gate, message_id, context.actor)
    return message_id


