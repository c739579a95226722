"""Read helpers for the console pages: names, evidence, deadlines, the audit trail of a student."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import sqlalchemy as sa

from gateway.delivery import outbox
from gateway.domain.age import age_on
from gateway.domain.calendar import working_days_until
from gateway.domain.lifecycle import State
from gateway.domain.outbox_lifecycle import OutboxState
from gateway.store import MeldingView, Store, list_meldingen
from gateway.store.schema import attendance, audit_log
from gateway.store.students import student_details

NOT_YET_SENT = (State.CONCEPT.value, State.KLAAR.value, State.OPNIEUW.value, State.ONZEKER.value,
                State.ONBESTELBAAR.value)
MAX_ROWS = 500


@dataclass(frozen=True)
class EvidenceRow:
    """One counted attendance record."""

    record_id: str
    day: date
    start: time
    end: time
    status: str
    reason: str | None


@dataclass(frozen=True)
class Deadline:
    """A melding not yet delivered, with the working days left until its due date."""

    melding: MeldingView
    working_days_left: int
    overdue: bool


def display_names(store: Store, school_id: str, student_ids: set[str]) -> dict[str, str]:
    """Readable names of students (personal data: only for pages of signed-in users of the school)."""
    out: dict[str, str] = {}
    with store.read() as conn:
        for sid in sorted(student_ids):
            details = student_details(conn, store.cipher, school_id, sid)
            if details is None:
                continue
            name = " ".join(p for p in (details.given_names, details.family_name) if p)
            out[sid] = name or sid
    return out


def evidence_rows(store: Store, school_id: str, record_ids: list[str]) -> list[EvidenceRow]:
    """The live attendance records named as evidence, in time order."""
    if not record_ids:
        return []
    a = attendance.c
    query = (sa.select(a.record_id, a.day, a.start_min, a.end_min, a.status, a.reason)
             .where(a.school_id == school_id, a.record_id.in_(record_ids[:MAX_ROWS]))
             .order_by(a.day, a.start_min))
    with store.read() as conn:
        return [EvidenceRow(r.record_id, r.day, time(r.start_min // 60, r.start_min % 60),
                            time(r.end_min // 60, r.end_min % 60), r.status, r.reason)
                for r in conn.execute(query)]


def deadlines(store: Store, school_id: str, as_of: date) -> list[Deadline]:
    """Meldingen not yet delivered that have a due date, the most urgent first."""
    rows = [m for m in list_meldingen(store, school_id, status=list(NOT_YET_SENT), limit=MAX_ROWS)
            if m.due_date is not None]
    out = [Deadline(m, working_days_until(as_of, m.due_date), m.due_date < as_of)
           for m in rows if m.due_date is not None]
    return sorted(out, key=lambda d: (d.melding.due_date or as_of, d.melding.id))


def student_trail(store: Store, school_id: str,
                  student_id: str) -> tuple[list[MeldingView], list[dict[str, Any]]]:
    """A student's meldingen and every audit entry about them, oldest first."""
    views = list_meldingen(store, school_id, student_id=student_id, limit=MAX_ROWS)
    ids = [m.id for m in views]
    if not ids:
        return views, []
    query = sa.select(audit_log).where(audit_log.c.subject.in_(ids)).order_by(audit_log.c.seq)
    with store.read() as conn:
        entries = [{"seq": r.seq, "ts": r.ts, "actor": r.actor, "action": r.action, "subject": r.subject,
                    "data": json.loads(r.data)} for r in conn.execute(query)]
    return views, entries


def dead_letters_of(store: Store, school_id: str) -> list[dict[str, Any]]:
    """Dead outbox rows of a school that were not offered again yet (no replay points to them)."""
    every = outbox.list_rows(store, school_id=school_id, limit=100_000,
                             states=tuple(OutboxState))
    replayed = {r["parent_id"] for r in every if r["parent_id"] is not None}
    return [r for r in every if r["state"] == OutboxState.DEAD and r["id"] not in replayed][:MAX_ROWS]


def student_age(store: Store, school_id: str, student_id: str, on: date) -> int | None:
    """A student's age in years on ``on`` (None when the student is not stored)."""
    with store.read() as conn:
        details = student_details(conn, store.cipher, school_id, student_id)
    return None if details is None else age_on(details.birth_date, on)
