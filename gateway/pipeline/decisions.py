"""A decision made into a melding: its context, its business id, the melding with its outbox row,
verzuimspecificatie and ``besluit`` audit entry. Evaluation and manual filing both end here."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import sqlalchemy as sa

from gateway.config.school import SchoolConfig
from gateway.delivery import outbox
from gateway.domain.lifecycle import State
from gateway.domain.melding_content import MeldingContent, specification_to_json
from gateway.domain.progress import Progress, no_progress
from gateway.domain.signals import MESSAGE_ID_NAMESPACE, Signal
from gateway.domain.soort_verzuim import MANUAL_KINDS
from gateway.pipeline.gate import GateContext, settle
from gateway.pipeline.review import withdraw
from gateway.pipeline.specification import Lesson, lessons_of, specify
from gateway.rules.profiles import Profile
from gateway.store import audit
from gateway.store.content import encode_content
from gateway.store.crypto import FieldCipher
from gateway.store.meldingen import NewMelding, insert_melding, note
from gateway.store.schema import ingest_batches, meldingen

_CHUNK = 500
# The reason a melding withdrawn by the rules carries (the console says it in words).
RULES_WITHDRAWAL_REASON = "signaal vervallen na correctie"


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


def taken_business_ids(conn: sa.Connection, school_id: str, student_ids: Sequence[str]) -> set[str]:
    """Every business id the students' meldingen have, withdrawn ones included."""
    m = meldingen.c
    return {bid for i in range(0, len(student_ids), _CHUNK)
            for bid in conn.scalars(sa.select(m.business_id).where(
                m.school_id == school_id, m.student_id.in_(list(student_ids[i : i + _CHUNK]))))}


def free_business_id(taken: set[str], business_id: str) -> str:
    """The business id, or with ``#n`` when an earlier melding with it was withdrawn (it came back)."""
    if business_id not in taken:
        return business_id
    n = 2
    while f"{business_id}#{n}" in taken:
        n += 1
    return f"{business_id}#{n}"


@dataclass(frozen=True)
class ActiveMelding:
    """A melding that is not withdrawn: what reconciling it with fresh decisions needs."""

    melding_id: str
    student_id: str
    rule: str
    trigger_date: date


def active_meldingen(conn: sa.Connection, school_id: str,
                     student_ids: Sequence[str] | None) -> dict[str, ActiveMelding]:
    """The school's meldingen that are not withdrawn and not a person's (manual), by business id
    without ``#n``; of ``student_ids``, or all when None."""
    m = meldingen.c
    query = sa.select(m.id, m.business_id, m.student_id, m.rule, m.trigger_date).where(
        m.school_id == school_id, m.status != State.INGETROKKEN.value, m.rule.notin_(MANUAL_KINDS))
    if student_ids is None:
        rows = list(conn.execute(query))
    else:
        rows = [r for i in range(0, len(student_ids), _CHUNK)
                for r in conn.execute(query.where(m.student_id.in_(list(student_ids[i : i + _CHUNK]))))]
    return {r.business_id.split("#", 1)[0]: ActiveMelding(r.id, r.student_id, r.rule, r.trigger_date)
            for r in rows}


def reconcile(  # noqa: PLR0913  the decisions, and how to treat what they do not name
    conn: sa.Connection, context: DecisionContext, active: Mapping[str, ActiveMelding],
    fresh: Mapping[str, Signal | None], *, cipher: FieldCipher,
    keep: Callable[[ActiveMelding], bool] = lambda _: False, progress: Progress = no_progress,
    lessons: Callable[[Signal], Sequence[Lesson] | None] = lambda _: None,
) -> tuple[list[str], list[str]]:
    """Withdraw the active meldingen whose decision vanished (unless ``keep``; not those dated after
    ``as_of``) and make the fresh signals that have none; ``fresh`` maps every business id decided to
    its signal (None where a melding exists already). ``lessons`` may give a signal's lessons when
    they were read already. Returns (created, withdrawn)."""
    gone = sorted(a.melding_id for k, a in active.items()
                  if k not in fresh and a.trigger_date <= context.as_of and not keep(a))
    # Lock order (gateway.delivery.outbox): the meldingen to withdraw before the first audit entry.
    for i in range(0, len(gone), _CHUNK):
        conn.execute(sa.select(meldingen.c.id).where(meldingen.c.id.in_(gone[i : i + _CHUNK]))
                     .order_by(meldingen.c.id).with_for_update()).all()
    for melding_id in gone:
        withdraw(conn, melding_id, context.actor, RULES_WITHDRAWAL_REASON)
    new = sorted((s for k, s in fresh.items() if s is not None and k not in active),
                 key=lambda s: (s.student_id, s.trigger_date, s.rule))
    policy = context.config.routing_policy(context.profile.routes)
    taken = taken_business_ids(conn, context.school_id, sorted({s.student_id for s in new}))
    created: list[str] = []
    for n, signal in enumerate(new, start=1):
        route = policy.route_for(signal) if signal.kind == "melding" else None
        business_id = free_business_id(taken, signal.business_id)
        taken.add(business_id)
        created.append(create_melding(conn, context, route, signal, cipher, business_id=business_id,
                                      lessons=lessons(signal)))
        if n % _CHUNK == 0:
            progress(n, len(new))
    progress(len(new), len(new))
    return created, gone


def apply_signals(conn: sa.Connection, context: DecisionContext, student_ids: Sequence[str],
                  signals: Sequence[Signal], *, cipher: FieldCipher) -> tuple[list[str], list[str]]:
    """Reconcile the meldingen of ``student_ids`` with their complete, fresh signal list: a new
    signal becomes a melding, an active melding whose signal vanished is withdrawn. (created, withdrawn)"""
    return reconcile(conn, context, active_meldingen(conn, context.school_id, student_ids),
                     {s.business_id: s for s in signals}, cipher=cipher)


def create_melding(  # noqa: PLR0913  the decision, and what a manual melding brings of its own
    conn: sa.Connection, context: DecisionContext, route: str | None, signal: Signal, cipher: FieldCipher,
    *, business_id: str | None = None, lessons: Sequence[Lesson] | None = None,
    content: MeldingContent | None = None,
) -> str:
    """Store a signal as a melding; one that goes out waits in the review queue with its delivery
    held, its verzuimspecificatie computed, until the gate (``settle``) releases it. Its message id.

    ``business_id`` is a manual melding's own; ``lessons`` the lessons its specification counts
    (default: those of the evidence days); ``content`` what the person filing it filled in."""
    business_id = business_id or free_business_id(
        taken_business_ids(conn, context.school_id, [signal.student_id]), signal.business_id)
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


