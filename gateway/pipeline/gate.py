"""The completeness gate in the store: judge a melding, record what it misses, release it when complete.

A melding to a receiver starts in the review queue (``concept``) with its outbox row held. The gate
resolves its content (``gateway.domain.completeness.resolve``: the person's, else the SIS's, else
what the profile and the school's settings decided) and stores the fields still missing. A melding
whose profile lets its kind go without review, and that misses nothing, is released at once;
every other one waits for a person to fill in and approve. Released content is frozen in the
melding: the worker sends exactly what was approved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cached_property

import sqlalchemy as sa

from gateway.config.school import SchoolConfig, school_profile
from gateway.delivery import outbox
from gateway.domain.age import ADULT_AGE, age_on
from gateway.domain.completeness import Requirements, describe_missing, missing_fields, resolve
from gateway.domain.errors import GatewayError, IncompleteMelding
from gateway.domain.lifecycle import FEEDBACK_STATES, State
from gateway.domain.melding_content import MeldingContent
from gateway.domain.ports import StudentDetails
from gateway.domain.signals import Signal
from gateway.domain.soort_verzuim import NO_SHOW_MELDINGEN, UITSCHRIJVING
from gateway.rules.profiles import ALL_KINDS, Profile, melding_defaults, requirements
from gateway.store import audit
from gateway.store.content import decode_content, encode_content
from gateway.store.crypto import FieldCipher
from gateway.store.meldingen import lock_status, note, set_status
from gateway.store.schema import meldingen
from gateway.store.students import student_details

# A no-show with one of these statuses has the receiver's outcome; before that, deregistering the
# student waits until it is agreed with Leerplicht/DSP (seed 000, step 7).
OUTCOME_STATES = frozenset(FEEDBACK_STATES.values()) - {State.ONTVANGEN}
DEREGISTRATION_HOLD = "deregistration_agreed"


@dataclass(frozen=True)
class GateContext:
    """The school's settings the gate reads, and its profile (built once per use case)."""

    config: SchoolConfig

    @cached_property
    def profile(self) -> Profile:
        """The school's rule profile with its overrides."""
        return school_profile(self.config)

    @cached_property
    def requirements(self) -> Requirements:
        """What a melding must hold under the profile."""
        return requirements(self.profile)


@dataclass(frozen=True)
class Judgement:
    """What the gate found: the content resolved from every source, the fields still missing, and
    whether the melding may go without review."""

    content: MeldingContent
    missing: tuple[str, ...]
    automatic: bool


def sis_content(details: StudentDetails, config: SchoolConfig) -> MeldingContent:
    """What the SIS knows of a melding's content: the phone, and the leslocatie when the school lists it."""
    leslocatie = details.leslocatie if details.leslocatie in config.leslocaties else None
    return MeldingContent(phone=details.phone, leslocatie=leslocatie)


def decided_defaults(gate: GateContext, signal: Signal) -> MeldingContent:
    """What is decided without a person: the rule's actie gewenst (catalogue, profile), the
    profile's defaults for the kind, the school's melder, and its leslocatie when it has only one."""
    base = melding_defaults(gate.profile, signal.rule)
    config = gate.config
    return replace(
        base,
        actie_gewenst=signal.actie_gewenst if signal.actie_gewenst is not None else base.actie_gewenst,
        melder=base.melder or config.melder(),
        leslocatie=base.leslocatie or (config.leslocaties[0] if len(config.leslocaties) == 1 else None),
    )


def judge(gate: GateContext, signal: Signal, person: MeldingContent, details: StudentDetails, *,
          hold: frozenset[str] = frozenset()) -> Judgement:
    """Resolve a melding's content and name what it still misses; ``hold`` adds required fields."""
    content = resolve(person, sis_content(details, gate.config), decided_defaults(gate, signal))
    adult = age_on(details.birth_date, signal.trigger_date) >= ADULT_AGE
    required = gate.requirements.fields_for(signal.rule, adult=adult) | hold
    missing = missing_fields(content, required, enrolled_on=details.enrolled_on,
                             toelichting_when=gate.requirements.toelichting_when)
    without_review = gate.profile.send_without_review
    automatic = (not missing and not gate.config.review_required
                 and (signal.rule in without_review or ALL_KINDS in without_review))
    return Judgement(content, missing, automatic)


def deregistration_hold(conn: sa.Connection, school_id: str, signal: Signal) -> frozenset[str]:
    """The extra field an uitschrijving waits for: agreement with Leerplicht/DSP while the student's
    no-show melding has no receiver's outcome yet."""
    if signal.rule != UITSCHRIJVING:
        return frozenset()
    statuses = set(conn.scalars(sa.select(meldingen.c.status).where(
        meldingen.c.school_id == school_id, meldingen.c.student_id == signal.student_id,
        meldingen.c.rule.in_(sorted(NO_SHOW_MELDINGEN)), meldingen.c.status != State.INGETROKKEN.value)))
    waiting = any(State(s) not in OUTCOME_STATES for s in statuses)
    return frozenset({DEREGISTRATION_HOLD}) if waiting else frozenset()


@dataclass(frozen=True)
class _Row:
    school_id: str
    status: State
    signal: Signal
    person: MeldingContent
    details: StudentDetails


def _row(conn: sa.Connection, cipher: FieldCipher, melding_id: str) -> _Row:
    found = conn.execute(sa.select(meldingen.c.school_id, meldingen.c.status, meldingen.c.signal,
                                   meldingen.c.content, meldingen.c.student_id)
                         .where(meldingen.c.id == melding_id)).one_or_none()
    if found is None:
        raise GatewayError(f"melding {melding_id} bestaat niet")
    details = student_details(conn, cipher, found.school_id, found.student_id)
    if details is None:
        raise GatewayError(f"leerling van melding {melding_id} ontbreekt in de opslag")
    return _Row(found.school_id, State(found.status), Signal.from_json(json.loads(found.signal)),
                decode_content(cipher, melding_id, found.content), details)


def judge_melding(conn: sa.Connection, cipher: FieldCipher, gate: GateContext, melding_id: str,
                  person: MeldingContent | None = None) -> Judgement:
    """Judge a stored melding (with ``person`` instead of its stored content, when given)."""
    row = _row(conn, cipher, melding_id)
    return judge(gate, row.signal, row.person if person is None else person, row.details,
                 hold=deregistration_hold(conn, row.school_id, row.signal))


def settle(conn: sa.Connection, cipher: FieldCipher, gate: GateContext, melding_id: str,
           actor: str) -> Judgement | None:
    """Judge a melding in the review queue, store what it misses, and release it when it may go
    without review. None for a melding that is not (or no longer) in the queue."""
    if lock_status(conn, melding_id) is not State.CONCEPT:
        return None
    judgement = judge_melding(conn, cipher, gate, melding_id)
    note(conn, melding_id, missing=json.dumps(list(judgement.missing)),
         leslocatie=judgement.content.leslocatie)
    if judgement.automatic:
        how = Release(actor=actor, approved_by=f"profiel:{gate.profile.name}", action="melding.vrijgegeven")
        release(conn, cipher, melding_id, judgement.content, how)
    return judgement


@dataclass(frozen=True)
class Release:
    """Who releases a melding, whom it names as approver, and the audit action."""

    actor: str
    approved_by: str
    action: str = "melding.goedgekeurd"


def release(conn: sa.Connection, cipher: FieldCipher, melding_id: str, content: MeldingContent,
            how: Release) -> None:
    """Move a complete melding to ``klaar`` with its resolved content frozen, and free its outbox row."""
    set_status(conn, melding_id, State.KLAAR, approved_by=how.approved_by, missing="[]",
               leslocatie=content.leslocatie, content=encode_content(cipher, melding_id, content))
    outbox.release_held(conn, melding_id)
    school_id = conn.scalar(sa.select(meldingen.c.school_id).where(meldingen.c.id == melding_id))
    audit.append(conn, actor=how.actor, action=how.action, school_id=school_id, subject=melding_id,
                 data={"velden": list(content.decided_fields())})


def approve_melding(conn: sa.Connection, cipher: FieldCipher, gate: GateContext, melding_id: str,
                    actor: str) -> None:
    """A person approves a melding: refused with the missing fields named while it is incomplete."""
    status = lock_status(conn, melding_id)
    if status is not State.CONCEPT:
        set_status(conn, melding_id, State.KLAAR)  # raises IllegalTransition with the states named
    judgement = judge_melding(conn, cipher, gate, melding_id)
    if judgement.missing:
        raise IncompleteMelding(f"melding kan nog niet weg; {describe_missing(judgement.missing)}",
                                judgement.missing)
    release(conn, cipher, melding_id, judgement.content, Release(actor=actor, approved_by=actor))


def settle_queue(conn: sa.Connection, cipher: FieldCipher, gate: GateContext, actor: str,
                 student_ids: list[str] | None = None) -> int:
    """Settle every melding in the school's review queue (of ``student_ids``, when given); returns
    how many were released."""
    query = sa.select(meldingen.c.id).where(meldingen.c.school_id == gate.config.id,
                                            meldingen.c.status == State.CONCEPT.value)
    ids: list[str] = []
    if student_ids is None:
        ids = list(conn.scalars(query.order_by(meldingen.c.id)))
    else:
        for i in range(0, len(student_ids), 500):
            ids += conn.scalars(query.where(meldingen.c.student_id.in_(student_ids[i : i + 500])))
        ids.sort()
    # Lock them all, in id order, before the first release takes the audit head (the lock order of
    # gateway.delivery.outbox: meldingen first).
    for i in range(0, len(ids), 500):
        conn.execute(sa.select(meldingen.c.id).where(meldingen.c.id.in_(ids[i : i + 500]))
                     .order_by(meldingen.c.id).with_for_update()).all()
    released = 0
    for melding_id in ids:
        judgement = settle(conn, cipher, gate, melding_id, actor)
        released += bool(judgement and judgement.automatic)
    return released
