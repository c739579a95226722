"""The console's lists in the store: meldingen and students found by filters and by name or number,
sorted and paged in SQL with the total.

Names are encrypted at rest, so a name is found through a blind index (``student_names``): keyed
hashes of the normalised words of a student's names and their beginnings. The index shows which
students share a word, never the word itself. Sorting by name is not offered: it would need names
in order, in the clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import sqlalchemy as sa

from gateway.domain.errors import InvalidInput
from gateway.domain.lifecycle import NEEDS_ACTION, OPEN_TASK_STATE, State
from gateway.store.engine import Store
from gateway.store.meldingen import MeldingView, fallback_from_column, melding_view
from gateway.store.schema import meldingen, students
from gateway.store.student_names import search_condition

# Sort keys of the meldingen list -> what they sort on (the helper maps them to columns).
MELDING_SORTS: Final = ("datum", "uiterlijk", "regel", "status", "leerling", "aan", "uren", "bijgewerkt")
STUDENT_SORTS: Final = ("leerling", "meldingen", "open", "laatste")
_MELDING_COLUMNS: Final[dict[str, sa.Column[Any]]] = {
    "datum": meldingen.c.trigger_date,
    "uiterlijk": meldingen.c.due_date,
    "regel": meldingen.c.rule,
    "status": meldingen.c.status,
    "leerling": meldingen.c.student_id,
    "aan": meldingen.c.recipient,
    "uren": meldingen.c.hours,
    "bijgewerkt": meldingen.c.updated_at,
}
# A melding no longer open: withdrawn, or closed by the receiver.
CLOSED_STATES: Final = (State.INGETROKKEN.value, State.AFGESLOTEN.value)
MAX_PAGE: Final = 1000


@dataclass(frozen=True)
class MeldingQuery:
    """Which meldingen of a school, in which order, which page. Empty tuples and None: no filter."""

    statuses: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # rule ids and kinds beyond them (``meldingen.rule``)
    kinds: tuple[str, ...] = ()  # melding, taak, signaal
    recipients: tuple[str, ...] = ()
    leslocatie: str | None = None  # the melding's leslocatie, else its student's
    trigger_from: date | None = None
    trigger_to: date | None = None
    due_only: bool = False  # only meldingen with a due date
    search: str = ""  # words of the student's name, or the start of the student number
    needs_action: bool = False  # lifecycle.NEEDS_ACTION, or a taak still open
    sort: str = "datum"
    descending: bool = True
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class MeldingPage:
    """One page of meldingen and how many match in all."""

    rows: list[MeldingView]
    total: int


@dataclass(frozen=True)
class StudentQuery:
    """Which students of a school: by name or number, leslocatie, with meldingen only."""

    search: str = ""
    leslocatie: str | None = None
    with_meldingen: bool = False
    sort: str = "leerling"
    descending: bool = False
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class StudentRow:
    """A student in the list: number, leslocatie (from the SIS), their meldingen and the newest."""

    student_id: str
    leslocatie: str | None
    meldingen: int
    open_meldingen: int
    last_trigger: date | None


@dataclass(frozen=True)
class StudentPage:
    """One page of students and how many match in all."""

    rows: list[StudentRow]
    total: int


def _check_page(sort: str, sorts: tuple[str, ...], limit: int, offset: int) -> None:
    if sort not in sorts:
        raise InvalidInput(f"onbekende sortering '{sort}' (bekend: {', '.join(sorts)})", "sorteer")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"een pagina telt 1 tot {MAX_PAGE} regels, niet {limit}", "per")
    if offset < 0:
        raise InvalidInput(f"de eerste regel kan niet voor het begin liggen ({offset})", "pagina")


def _ordered(column: sa.ColumnElement[Any], descending: bool) -> sa.UnaryExpression[Any]:
    """An order by ``column`` with empty values last, either way."""
    return (column.desc() if descending else column.asc()).nulls_last()


def with_students() -> sa.Join:
    """``meldingen`` with each one's student (when stored), for what is read of the student."""
    return meldingen.outerjoin(students, sa.and_(students.c.school_id == meldingen.c.school_id,
                                                  students.c.id == meldingen.c.student_id))


def melding_leslocatie() -> sa.ColumnElement[str | None]:
    """A melding's leslocatie: its own (what the gate resolved), else its student's from the SIS
    (needs ``with_students``)."""
    return sa.func.coalesce(meldingen.c.leslocatie, students.c.leslocatie)


def melding_filters(store: Store, school_id: str, query: MeldingQuery) -> list[sa.ColumnElement[bool]]:
    """The conditions on ``meldingen`` of ``query``'s filters (its sort and page aside); the
    leslocatie filter needs ``students`` joined."""
    m = meldingen.c
    where: list[sa.ColumnElement[bool]] = [m.school_id == school_id]
    for column, values in ((m.status, query.statuses), (m.rule, query.rules), (m.kind, query.kinds),
                           (m.recipient, query.recipients)):
        if values:
            where.append(column.in_(values))
    if query.trigger_from is not None:
        where.append(m.trigger_date >= query.trigger_from)
    if query.trigger_to is not None:
        where.append(m.trigger_date <= query.trigger_to)
    if query.due_only:
        where.append(m.due_date.is_not(None))
    if query.needs_action:
        where.append(sa.or_(m.status.in_(sorted(s.value for s in NEEDS_ACTION)),
                            sa.and_(m.status == OPEN_TASK_STATE.value, m.kind == "taak")))
    if query.leslocatie is not None:
        where.append(melding_leslocatie() == query.leslocatie)
    if query.search.strip():
        where.append(search_condition(store.cipher, school_id, query.search, m.student_id))
    return where


def search_meldingen(store: Store, school_id: str, query: MeldingQuery) -> MeldingPage:
    """One page of a school's meldingen that match ``query``, with the total."""
    _check_page(query.sort, MELDING_SORTS, query.limit, query.offset)
    where = melding_filters(store, school_id, query)
    source: sa.FromClause = meldingen
    if query.leslocatie is not None:  # only this filter reads the student
        source = with_students()
    order = [_ordered(_MELDING_COLUMNS[query.sort], query.descending), meldingen.c.id]
    page = (sa.select(meldingen, fallback_from_column()).select_from(source).where(*where).order_by(*order)
            .limit(query.limit).offset(query.offset))
    with store.read() as conn:
        total = conn.scalar(sa.select(sa.func.count()).select_from(source).where(*where)) or 0
        rows = [melding_view(r) for r in conn.execute(page)] if total > query.offset else []
    return MeldingPage(rows, total)


def _student_counts(school_id: str, ids: list[str] | None = None) -> sa.Subquery:
    """Per student of a school (of ``ids``, when given): their meldingen, the open ones, the newest
    trigger date."""
    m = meldingen.c
    open_ones = sa.func.sum(sa.case((m.status.in_(CLOSED_STATES), 0), else_=1))
    query = (sa.select(m.student_id, sa.func.count().label("meldingen"), open_ones.label("open_meldingen"),
                       sa.func.max(m.trigger_date).label("last_trigger"))
             .where(m.school_id == school_id).group_by(m.student_id))
    return (query if ids is None else query.where(m.student_id.in_(ids))).subquery("counts")


def _student_filters(store: Store, school_id: str, query: StudentQuery) -> list[sa.ColumnElement[bool]]:
    s = students.c
    where: list[sa.ColumnElement[bool]] = [s.school_id == school_id]
    if query.leslocatie is not None:
        where.append(s.leslocatie == query.leslocatie)
    if query.search.strip():
        where.append(search_condition(store.cipher, school_id, query.search, s.id))
    if query.with_meldingen:
        where.append(sa.exists().where(meldingen.c.school_id == school_id, meldingen.c.student_id == s.id))
    return where


def _student_page(conn: sa.Connection, school_id: str, query: StudentQuery,
                  where: list[sa.ColumnElement[bool]]) -> list[StudentRow]:
    s = students.c
    by_number = _ordered(s.id, query.descending)
    page = sa.select(s.id, s.leslocatie).where(*where)
    if query.sort == "leerling":
        # By number: the page of students first, then the counts of those students only.
        ids = list(conn.scalars(sa.select(s.id).where(*where).order_by(by_number)
                                .limit(query.limit).offset(query.offset)))
        counts = _student_counts(school_id, ids)
        page = (sa.select(s.id, s.leslocatie).where(s.school_id == school_id, s.id.in_(ids))
                .order_by(by_number))
    else:
        counts = _student_counts(school_id)
        order = _ordered({"meldingen": sa.func.coalesce(counts.c.meldingen, 0),
                          "open": sa.func.coalesce(counts.c.open_meldingen, 0),
                          "laatste": counts.c.last_trigger}[query.sort], query.descending)
        page = page.order_by(order, s.id).limit(query.limit).offset(query.offset)
    page = (page.add_columns(counts.c.meldingen, counts.c.open_meldingen, counts.c.last_trigger)
            .select_from(students.outerjoin(counts, counts.c.student_id == s.id)))
    return [StudentRow(r.id, r.leslocatie, int(r.meldingen or 0), int(r.open_meldingen or 0), r.last_trigger)
            for r in conn.execute(page)]


def search_students(store: Store, school_id: str, query: StudentQuery) -> StudentPage:
    """One page of a school's students that match ``query``, with the total."""
    _check_page(query.sort, STUDENT_SORTS, query.limit, query.offset)
    where = _student_filters(store, school_id, query)
    with store.read() as conn:
        total = conn.scalar(sa.select(sa.func.count()).select_from(students).where(*where)) or 0
        rows = _student_page(conn, school_id, query, where) if total > query.offset else []
    return StudentPage(rows, total)


def leslocaties_in_use(store: Store, school_id: str) -> list[str]:
    """The leslocaties the school's students have in the SIS, sorted (the list filter's choices)."""
    with store.read() as conn:
        return list(conn.scalars(sa.select(students.c.leslocatie).distinct()
                                 .where(students.c.school_id == school_id, students.c.leslocatie.is_not(None))
                                 .order_by(students.c.leslocatie)))
