"""The pipeline: ingest a source batch (all or nothing), evaluate changed students, manage meldingen.

``ingest`` and ``evaluate`` are the two entry points the sync command and the push API call.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from gateway.config.school import SchoolConfig, load_school, school_profile
from gateway.delivery import outbox
from gateway.domain.errors import ConfigurationError, GatewayError
from gateway.domain.lifecycle import FEEDBACK_STATES, State
from gateway.domain.model import Calendar
from gateway.domain.personal_data import without_personal_data
from gateway.domain.ports import SourceBatch
from gateway.domain.progress import Progress, no_progress
from gateway.domain.signals import MESSAGE_ID_NAMESPACE, Signal
from gateway.intake.batch_checks import Rejection, amsterdam_today, check_batch, unknown_withdrawals
from gateway.rules import evaluate as run_rules
from gateway.rules.profiles import Profile
from gateway.store import attendance as attendance_repo
from gateway.store import audit
from gateway.store import students as students_repo
from gateway.store.engine import Store, utcnow
from gateway.store.meldingen import NewMelding, insert_melding, lock_active, lock_status, note, set_status
from gateway.store.schema import calendars, ingest_batches, meldingen, schools, source_cursors
from gateway.store.schema import students as students_table

# When as_of moves on, students with records this close to the previous as_of are evaluated again:
# a run or no-show rule can fire on a later day from records already stored (DESIGN.md section 3).
AS_OF_LOOKBACK = timedelta(days=21)
EVALUATION_CHUNK = 500
MAX_SOURCE_NAME = 32  # characters: the store's source columns are String(32)


@dataclass(frozen=True)
class IngestResult:
    """The outcome of one batch: accepted (and what changed) or rejected (with every reason)."""

    accepted: bool
    batch_seq: int | None = None
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    students_changed: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


@dataclass(frozen=True)
class EvaluationResult:
    """What an evaluation did: who was evaluated, meldingen created and withdrawn."""

    students_evaluated: int
    created: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    signals: int = 0


# --- schools --------------------------------------------------------------------------------


CONFIG_SOURCE = "config"  # the source name of what the school's configuration file delivers


def register_school(store: Store, config: SchoolConfig, actor: str) -> bool:
    """Register or update a school's configuration; a change is an audit entry with its diff.

    A calendar in the configuration is stored as the school's calendar (a source may replace it later).
    """
    new = config.model_dump(mode="json")
    text = json.dumps(new, sort_keys=True)
    with store.write() as conn:
        old_text = conn.scalar(sa.select(schools.c.config).where(schools.c.id == config.id).with_for_update())
        if old_text == text:
            return False
        old = json.loads(old_text) if old_text else {}
        # No personal data in the audit: contact person and names (school, holidays) stay out of the diff.
        diff = without_personal_data({
            k: {"oud": old.get(k), "nieuw": new.get(k)}
            for k in sorted(set(old) | set(new))
            if old.get(k) != new.get(k)
        })
        if old_text is None:
            conn.execute(schools.insert().values(id=config.id, config=text, updated_at=utcnow()))
        else:
            conn.execute(
                schools.update().where(schools.c.id == config.id).values(config=text, updated_at=utcnow())
            )
            if {"profile", "profile_overrides"} & set(diff):
                students_repo.mark_all_dirty(conn, config.id)
        if config.calendar is not None and "calendar" in diff:
            # The configured calendar counts as a batch of its own, so its history is kept like any other.
            seq = _open_batch(conn, config.id, CONFIG_SOURCE, actor, None)
            _store_calendar(conn, config.id, config.calendar, seq)
        audit.append(
            conn,
            actor=actor,
            action="config.school",
            school_id=config.id,
            subject=config.id,
            data={"diff": diff},
        )
    return True


# --- ingest -----------------------------------------------------------------------------------


class _Rejected(Exception):
    def __init__(self, rejected: list[Rejection]) -> None:
        self.rejected = rejected


def _unknown_students(
    conn: sa.Connection, school_id: str, batch: SourceBatch, candidates: set[str]
) -> list[Rejection]:
    unknown = candidates - students_repo.existing_ids(conn, school_id, candidates)
    return [
        Rejection(r.id, r.student_id, f"onbekende leerling '{r.student_id}'", f"records[{i}].student_id")
        for i, r in enumerate(batch.records)
        if r.student_id in unknown
    ]


def ingest(  # noqa: PLR0913  the batch, where it goes, and how strictly it is checked
    store: Store, school_id: str, source: str, batch: SourceBatch, actor: str, *,
    as_of: date | None = None, strict_withdrawals: bool = False,
) -> IngestResult:
    """Store one source batch all or nothing, idempotent by source and record id, history kept.

    The batch is first checked as a whole (``gateway.intake.batch_checks``): duplicate ids and
    lessons after ``as_of`` (default: today in Europe/Amsterdam) plus a day reject it. With
    ``strict_withdrawals`` (the push API) so does a withdrawn id this source never delivered; an
    adapter may withdraw ids it held back earlier (Eduarte), which were never stored.
    """
    if not source or len(source) > MAX_SOURCE_NAME:
        raise GatewayError("bronnaam ontbreekt of is te lang")
    try:
        return _ingest(store, school_id, source, batch, actor,
                       as_of=as_of or amsterdam_today(), strict_withdrawals=strict_withdrawals)
    except _Rejected as rejected:
        with store.write() as conn:  # the batch was rolled back; only the refusal is recorded
            audit.append(
                conn,
                actor=actor,
                action="ingest.afgewezen",
                school_id=school_id,
                subject=source,
                data={
                    "records": len(batch.records),
                    "afgewezen": len(rejected.rejected),
                    "redenen": sorted({r.reason for r in rejected.rejected})[:20],
                },
            )
        return IngestResult(accepted=False, rejected=rejected.rejected)


def _ingest(  # noqa: PLR0913  ingest's arguments, passed on
    store: Store, school_id: str, source: str, batch: SourceBatch, actor: str, *,
    as_of: date, strict_withdrawals: bool,
) -> IngestResult:
    faults = check_batch(batch, as_of)
    if faults:
        raise _Rejected(faults)
    with store.write() as conn:
        load_school(conn, school_id)
        seq = _open_batch(conn, school_id, source, actor, batch.cursor)
        changed = students_repo.upsert_students(conn, store.cipher, school_id, batch.students, seq)
        counts = attendance_repo.upsert_records(conn, school_id, source, batch.records, seq)
        if batch.withdrawn_record_ids:
            unknown = (unknown_withdrawals(conn, school_id, source, batch.withdrawn_record_ids)
                       if strict_withdrawals else [])
            if unknown:
                raise _Rejected(unknown)
            counts.merge(attendance_repo.withdraw_records(
                conn, school_id, source, batch.withdrawn_record_ids, seq))
        touched = counts.students - changed
        if touched and students_repo.mark_changed(conn, school_id, touched, seq) < len(touched):
            raise _Rejected(_unknown_students(conn, school_id, batch, touched))
        if batch.calendar is not None:
            _store_calendar(conn, school_id, batch.calendar, seq)
        elif (
            counts.new
            and conn.scalar(sa.select(calendars.c.school_id).where(calendars.c.school_id == school_id))
            is None
        ):
            raise _Rejected(
                [Rejection(None, None, "geen schoolkalender bekend; lever die mee in de eerste batch")]
            )
        _store_cursor(conn, school_id, source, batch.cursor, seq)
        summary = {
            "new": counts.new,
            "changed": counts.changed,
            "unchanged": counts.unchanged,
            "withdrawn": counts.withdrawn,
            "students": len(batch.students),
            "source_problems": len(batch.problems),
            **({"mapping": batch.mapping} if batch.mapping else {}),
        }
        conn.execute(
            ingest_batches.update()
            .where(ingest_batches.c.seq == seq)
            .values(counts=json.dumps(summary, sort_keys=True))
        )
        audit.append(
            conn,
            actor=actor,
            action="ingest.batch",
            school_id=school_id,
            subject=f"batch:{seq}",
            data={"source": source, "batch_seq": seq, **summary},
        )
    return IngestResult(
        True,
        seq,
        counts.new,
        counts.changed,
        counts.unchanged,
        counts.withdrawn,
        sorted(changed | counts.students),
    )


def _open_batch(conn: sa.Connection, school_id: str, source: str, actor: str, cursor: str | None) -> int:
    return int(
        conn.execute(
            ingest_batches.insert().values(
                school_id=school_id, source=source, actor=actor, created_at=utcnow(), counts="{}",
                cursor=cursor,
            ).returning(ingest_batches.c.seq)
        ).scalar_one()
    )


def _store_calendar(conn: sa.Connection, school_id: str, calendar: Calendar, seq: int) -> None:
    text = calendar.model_dump_json()
    old = conn.scalar(sa.select(calendars.c.data).where(calendars.c.school_id == school_id))
    if old == text:
        return
    if old is None:
        conn.execute(calendars.insert().values(school_id=school_id, data=text, batch_seq=seq))
    else:
        conn.execute(
            calendars.update().where(calendars.c.school_id == school_id).values(data=text, batch_seq=seq)
        )
    students_repo.mark_all_dirty(conn, school_id)


def _store_cursor(conn: sa.Connection, school_id: str, source: str, cursor: str | None, seq: int) -> None:
    key = (source_cursors.c.school_id == school_id, source_cursors.c.source == source)
    if conn.scalar(sa.select(sa.func.count()).select_from(source_cursors).where(*key)):
        conn.execute(source_cursors.update().where(*key).values(cursor=cursor, batch_seq=seq))
    else:
        conn.execute(
            source_cursors.insert().values(school_id=school_id, source=source, cursor=cursor, batch_seq=seq)
        )


# --- evaluation -------------------------------------------------------------------------------


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
            made, gone = apply_signals(conn, context, chunk, signals)
            created += made
            withdrawn += gone
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
    conn: sa.Connection, context: DecisionContext, student_ids: Sequence[str], signals: Sequence[Signal]
) -> tuple[list[str], list[str]]:
    """Reconcile the meldingen of ``student_ids`` with a fresh signal list (inside a transaction):
    a new signal becomes a melding, an active melding whose signal vanished is withdrawn."""
    active = {
        r.business_id.split("#", 1)[0]: (r.id, r.trigger_date)
        for r in conn.execute(
            sa.select(meldingen.c.id, meldingen.c.business_id, meldingen.c.trigger_date).where(
                meldingen.c.school_id == context.school_id,
                meldingen.c.student_id.in_(list(student_ids)),
                meldingen.c.status != State.INGETROKKEN.value,
            )
        )
    }
    fresh = {s.business_id: s for s in signals}
    policy = context.config.routing_policy(context.profile.routes)
    created: list[str] = []
    for business_id, signal in fresh.items():
        if business_id not in active:
            route = policy.route_for(signal) if signal.kind == "melding" else None
            created.append(_create_melding(conn, context, route, signal))
    withdrawn: list[str] = []
    for business_id, (melding_id, trigger) in active.items():
        if business_id in fresh or trigger > context.as_of:
            continue
        withdraw(conn, melding_id, context.actor, "signaal vervallen na correctie")
        withdrawn.append(melding_id)
    return created, withdrawn


def _create_melding(conn: sa.Connection, context: DecisionContext, route: str | None, signal: Signal) -> str:
    """Store a new signal as a melding (with its delivery queued when it goes out); its message id."""
    business_id = _free_business_id(conn, context.school_id, signal.business_id)
    message_id = (
        signal.message_id
        if business_id == signal.business_id
        else str(uuid.uuid5(MESSAGE_ID_NAMESPACE, business_id))
    )
    review = context.config.review_required
    status = State.INTERN if route is None else State.CONCEPT if review else State.KLAAR
    melding = NewMelding(school_id=context.school_id, business_id=business_id, message_id=message_id,
                         signal=signal, status=status, route=route, profile_stamp=context.profile.stamp)
    insert_melding(conn, melding)
    if route is not None:
        outbox.queue_delivery(conn, message_id, school_id=context.school_id, route=route, held=review)
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
    return message_id


def withdraw(conn: sa.Connection, melding_id: str, actor: str, reason: str) -> bool:
    """Withdraw a melding; queue a withdrawal when the receiver may hold it (returns whether it did).

    The melding is locked first (``set_status``), then ``outbox.withdraw_deliveries`` changes its
    outbox rows, and the audit entry comes last: the lock order of ``gateway.delivery.outbox``.
    """
    previous = set_status(conn, melding_id, State.INGETROKKEN)
    routes = outbox.withdraw_deliveries(conn, melding_id, previous, outbox.Request(actor, reason))
    audit.append(
        conn,
        actor=actor,
        action="melding.ingetrokken",
        school_id=conn.scalar(sa.select(meldingen.c.school_id).where(meldingen.c.id == melding_id)),
        subject=melding_id,
        data={
            "vorige_status": previous.value,
            "intrekking_verstuurd": bool(routes),
            "routes": routes,
            "reden": reason,
        },
    )
    return bool(routes)


# --- review and feedback ----------------------------------------------------------------------


def approve(store: Store, school_id: str, melding_id: str, actor: str) -> None:
    """Approve a concept melding: it becomes ``klaar`` and its outbox row is released."""
    with store.write() as conn:
        owner = conn.scalar(sa.select(meldingen.c.school_id).where(meldingen.c.id == melding_id))
        if owner != school_id:
            raise GatewayError(f"melding {melding_id} bestaat niet bij school {school_id}")
        set_status(conn, melding_id, State.KLAAR, approved_by=actor)
        outbox.release_held(conn, melding_id)
        audit.append(
            conn, actor=actor, action="melding.goedgekeurd", school_id=school_id, subject=melding_id, data={}
        )


def record_feedback(
    store: Store, message_id: str, status: str, actor: str, detail: str | None = None
) -> State:
    """Apply a receiver's status update (DUO or DSP) to a melding; returns its new state."""
    key = status.strip().lower()
    with store.write() as conn:
        try:
            current = lock_status(conn, message_id)
        except KeyError as exc:
            raise GatewayError(f"onbekende melding {message_id}") from exc
        target = FEEDBACK_STATES.get(key)
        school_id = conn.scalar(sa.select(meldingen.c.school_id).where(meldingen.c.id == message_id))
        values = {"receiver_status": status}
        if target is not None and target is not current:
            if current is State.ONZEKER:
                set_status(conn, message_id, State.VERZONDEN)
                current = State.VERZONDEN
            if current is State.VERZONDEN and target is not State.ONTVANGEN:
                set_status(conn, message_id, State.ONTVANGEN)
            set_status(conn, message_id, target, **values)
        else:
            note(conn, message_id, **values)
        audit.append(
            conn,
            actor=actor,
            action="terugkoppeling",
            school_id=school_id,
            subject=message_id,
            data={"status": status, "detail": detail},
        )
        return target or current
