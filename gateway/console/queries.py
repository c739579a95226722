"""Read helpers for the console pages: names, evidence, deadlines, the audit trail of a student,
the dead letters page by page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import sqlalchemy as sa

from gateway.domain.age import age_on
from gateway.domain.calendar import working_days_until
from gateway.domain.lifecycle import State
from gateway.domain.outbox_lifecycle import OutboxState
from gateway.store import MeldingView, Store, list_meldingen
from gateway.store.schema import attendance, audit_log, meldingen, outbox
from gateway.store.student_names import search_condition
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
    minutes_late: int | None = None


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
    query = (sa.select(a.record_id, a.day, a.start_min, a.end_min, a.status, a.reason, a.minutes_late)
             .where(a.school_id == school_id, a.record_id.in_(record_ids[:MAX_ROWS]))
             .order_by(a.day, a.start_min))
    with store.read() as conn:
        return [EvidenceRow(r.record_id, r.day, time(r.start_min // 60, r.start_min % 60),
                            time(r.end_min // 60, r.end_min % 60), r.status, r.reason, r.minutes_late)
                for r in conn.execute(query)]


def deadline_of(melding: MeldingView, as_of: date) -> Deadline:
    """A melding with the working days left until its due date on ``as_of`` (none: due today)."""
    due = melding.due_date or as_of
    return Deadline(melding, working_days_until(as_of, due), due < as_of)


def deadlines(store: Store, school_id: str, as_of: date) -> list[Deadline]:
    """Meldingen not yet delivered that have a due date, the most urgent first."""
    rows = [m for m in list_meldingen(store, school_id, status=list(NOT_YET_SENT), limit=MAX_ROWS)
            if m.due_date is not None]
    return sorted((deadline_of(m, as_of) for m in rows),
                  key=lambda d: (d.melding.due_date or as_of, d.melding.id))


def overdue_count(store: Store, school_id: str, as_of: date) -> int:
    """How many of the school's meldingen not yet delivered are past their due date on ``as_of``."""
    m = meldingen.c
    query = (sa.select(sa.func.count()).select_from(meldingen)
             .where(m.school_id == school_id, m.status.in_(NOT_YET_SENT), m.due_date < as_of))
    with store.read() as conn:
        return int(conn.scalar(query) or 0)


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


@dataclass(frozen=True)
class DeadLetterQuery:
    """Which dead letters of a school, in which order, which page. Empty tuples and None: no filter."""

    rules: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    search: str = ""  # words of the student's name, or the start of the student number
    trigger_from: date | None = None
    trigger_to: date | None = None
    sort: str = "bijgewerkt"
    descending: bool = True
    limit: int = MAX_ROWS
    offset: int = 0


@dataclass(frozen=True)
class DeadLetterPage:
    """One page of dead letters (outbox rows with their melding) and how many match in all."""

    rows: list[dict[str, Any]]
    total: int


# Sort keys of the dead letters list -> their column.
DEAD_LETTER_SORTS: dict[str, sa.ColumnElement[Any]] = {
    "bijgewerkt": outbox.c.updated_at, "datum": meldingen.c.trigger_date, "regel": meldingen.c.rule,
    "leerling": meldingen.c.student_id, "aan": meldingen.c.recipient, "pogingen": outbox.c.attempts,
}
_DEAD_COLUMNS = (outbox.c.id, outbox.c.melding_id, outbox.c.route, outbox.c.operation, outbox.c.state,
                 outbox.c.attempts, outbox.c.last_error, outbox.c.parent_id, outbox.c.updated_at,
                 meldingen.c.student_id, meldingen.c.rule, meldingen.c.recipient, meldingen.c.status,
                 meldingen.c.trigger_date, meldingen.c.due_date)


def _dead_letter_filter(store: Store, school_id: str, query: DeadLetterQuery) -> list[sa.ColumnElement[bool]]:
    # A dead row that was offered again (or fell back) has a child row pointing to it: not dead any more.
    child = outbox.alias("child")
    where = [outbox.c.school_id == school_id, outbox.c.state == OutboxState.DEAD.value,
             ~sa.exists().where(child.c.parent_id == outbox.c.id)]
    if query.rules:
        where.append(meldingen.c.rule.in_(query.rules))
    if query.recipients:
        where.append(meldingen.c.recipient.in_(query.recipients))
    if query.search.strip():
        where.append(search_condition(store.cipher, school_id, query.search, meldingen.c.student_id))
    if query.trigger_from is not None:
        where.append(meldingen.c.trigger_date >= query.trigger_from)
    if query.trigger_to is not None:
        where.append(meldingen.c.trigger_date <= query.trigger_to)
    return where


def dead_letters_page(store: Store, school_id: str, query: DeadLetterQuery) -> DeadLetterPage:
    """One page of a school's dead outbox rows not offered again yet, with the total."""
    joined = outbox.join(meldingen, meldingen.c.id == outbox.c.melding_id)
    where = _dead_letter_filter(store, school_id, query)
    column = DEAD_LETTER_SORTS.get(query.sort, outbox.c.updated_at)
    rows = (sa.select(*_DEAD_COLUMNS).select_from(joined).where(*where)
            .order_by(column.desc() if query.descending else column.asc(), outbox.c.id)
            .limit(query.limit).offset(query.offset))
    with store.read() as conn:
        total = int(conn.scalar(sa.select(sa.func.count()).select_from(joined).where(*where)) or 0)
        return DeadLetterPage([dict(r._mapping) for r in conn.execute(rows)], total)


def dead_letters_of(store: Store, school_id: str) -> list[dict[str, Any]]:
    """Dead outbox rows of a school that were not offered again yet (no replay points to them);
    the first ``MAX_ROWS``, most recently changed first."""
    return dead_letters_page(store, school_id, DeadLetterQuery()).rows


def student_age(store: Store, school_id: str, student_id: str, on: date) -> int | None:
    """A student's age in years on ``on`` (None when the student is not stored)."""
    with store.read() as conn:
        details = student_details(conn, store.cipher, school_id, student_id)
    return None if details is None else age_on(details.birth_date, on)
