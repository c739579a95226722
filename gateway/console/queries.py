"""Read helpers for the console pages: names, evidence, deadlines, the dead letters page by page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

import sqlalchemy as sa

from gateway.domain.age import age_on
from gateway.domain.calendar import working_days_until
from gateway.domain.lifecycle import State
from gateway.domain.outbox_lifecycle import OutboxState
from gateway.store import MeldingView, Store
from gateway.store.melding_search import MeldingQuery, melding_filters
from gateway.store.schema import attendance, meldingen, outbox
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


def overdue_count(store: Store, school_id: str, as_of: date) -> int:
    """How many of the school's meldingen not yet delivered are past their due date on ``as_of``."""
    m = meldingen.c
    query = (sa.select(sa.func.count()).select_from(meldingen)
             .where(m.school_id == school_id, m.status.in_(NOT_YET_SENT), m.due_date < as_of))
    with store.read() as conn:
        return int(conn.scalar(query) or 0)


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


def dead_letters_page(store: Store, school_id: str, query: MeldingQuery) -> DeadLetterPage:
    """One page of a school's dead outbox rows not offered again yet, filtered on their melding as
    ``query`` filters a meldingen list, with the total; ``query.sort`` is one of ``DEAD_LETTER_SORTS``."""
    joined = outbox.join(meldingen, meldingen.c.id == outbox.c.melding_id)
    # A dead row that was offered again (or fell back) has a child row pointing to it: not dead any more.
    child = outbox.alias("child")
    where = [*melding_filters(store, school_id, query), outbox.c.state == OutboxState.DEAD.value,
             ~sa.exists().where(child.c.parent_id == outbox.c.id)]
    column = DEAD_LETTER_SORTS.get(query.sort, outbox.c.updated_at)
    rows = (sa.select(*_DEAD_COLUMNS).select_from(joined).where(*where)
            .order_by(column.desc() if query.descending else column.asc(), outbox.c.id)
            .limit(query.limit).offset(query.offset))
    with store.read() as conn:
        total = int(conn.scalar(sa.select(sa.func.count()).select_from(joined).where(*where)) or 0)
        return DeadLetterPage([dict(r._mapping) for r in conn.execute(rows)], total)


def student_age(store: Store, school_id: str, student_id: str, on: date) -> int | None:
    """A student's age in years on ``on`` (None when the student is not stored)."""
    with store.read() as conn:
        details = student_details(conn, store.cipher, school_id, student_id)
    return None if details is None else age_on(details.birth_date, on)
