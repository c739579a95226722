"""Checks on a whole batch, before anything of it is stored: one set for the push API and every adapter.

A record dated in the future (beyond ``as_of`` plus a day), two records (or students) with one id,
an id both delivered and withdrawn, a student who could get a melding but has neither a BSN nor an
onderwijsnummer, or a withdrawn id the gateway never received from that source: each refuses the
whole batch (all or nothing), naming the field as ``records[3].date`` so the
push API can answer with it and the conformance kit can show it. Messages are Dutch and carry ids
and dates only, never personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from gateway.domain.age import REPORTABLE_BELOW_AGE, age_on
from gateway.domain.calendar import AMSTERDAM
from gateway.domain.model import AttendanceRecord, Student
from gateway.domain.ports import SourceBatch
from gateway.store.schema import attendance

# A lesson may be registered up to a day ahead (a school near midnight, a clock a little off);
# anything later is a typing error or a timetable sent as attendance.
FUTURE_MARGIN = timedelta(days=1)
_LOOKUP_CHUNK = 500  # ids per lookup statement (bound parameters stay under every driver's limit)


@dataclass(frozen=True)
class Rejection:
    """A record (or student) the batch could not take, and why (Dutch, for school staff).

    ``field`` is where in the batch, e.g. ``records[3].date`` or ``withdrawn_record_ids[0]``.
    """

    record_id: str | None
    student_id: str | None
    reason: str
    field: str | None = None


def amsterdam_today(now: datetime | None = None) -> date:
    """Today in Europe/Amsterdam (the day a school lives in, whatever the server's zone)."""
    return (now or datetime.now(AMSTERDAM)).astimezone(AMSTERDAM).date()


def _duplicates(ids: Iterable[str], where: str, what: str) -> list[Rejection]:
    first: dict[str, int] = {}
    out: list[Rejection] = []
    for i, value in enumerate(ids):
        if value in first:
            reason = f"id '{value}' komt twee keer voor in de batch (ook in {where}[{first[value]}])"
            out.append(Rejection(value if what == "record" else None, value if what == "student" else None,
                                 reason, f"{where}[{i}].id"))
        else:
            first[value] = i
    return out


def future_records(records: Sequence[AttendanceRecord], as_of: date) -> list[Rejection]:
    """Records dated after ``as_of`` plus a day."""
    latest = as_of + FUTURE_MARGIN
    return [Rejection(r.id, r.student_id, f"datum {r.date} ligt in de toekomst (na {latest})",
                      f"records[{i}].date")
            for i, r in enumerate(records) if r.date > latest]


def _delivered_and_withdrawn(batch: SourceBatch) -> list[Rejection]:
    delivered = {r.id for r in batch.records}
    return [Rejection(rid, None, f"record '{rid}' wordt in dezelfde batch geleverd en ingetrokken",
                      f"withdrawn_record_ids[{i}]")
            for i, rid in enumerate(batch.withdrawn_record_ids) if rid in delivered]


def check_batch(batch: SourceBatch, as_of: date) -> list[Rejection]:
    """Everything wrong with ``batch`` that needs no store: duplicate ids, future dates, contradictions,
    reportable students without an identity number."""
    return [*_duplicates((s.id for s in batch.students), "students", "student"),
            *_duplicates((r.id for r in batch.records), "records", "record"),
            *future_records(batch.records, as_of),
            *_delivered_and_withdrawn(batch),
            *missing_identifiers(batch.students, as_of)]


def unknown_withdrawals(conn: sa.Connection, school_id: str, source: str,
                        withdrawn: Sequence[str]) -> list[Rejection]:
    """Withdrawn ids the store never received from ``source`` for this school (already withdrawn is known)."""
    wanted = list(dict.fromkeys(withdrawn))
    known: set[str] = set()
    for i in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[i:i + _LOOKUP_CHUNK]
        known.update(conn.scalars(sa.select(attendance.c.record_id).where(
            attendance.c.school_id == school_id, attendance.c.source == source,
            attendance.c.record_id.in_(chunk))))
    return [Rejection(rid, None, f"onbekend record '{rid}': nooit geleverd door bron '{source}'",
                      f"withdrawn_record_ids[{i}]")
            for i, rid in enumerate(withdrawn) if rid not in known]


def reportable(student: Student, as_of: date) -> bool:
    """Could this student get a melding that goes to DUO? Younger than 23 without startkwalificatie
    (Leerplicht, RMC), or receiving studiefinanciering (the DUO-IB meldingen)."""
    young = age_on(student.birth_date, as_of) < REPORTABLE_BELOW_AGE and not student.startkwalificatie
    return young or student.studiefinanciering


def missing_identifiers(students: Sequence[Student], as_of: date) -> list[Rejection]:
    """Reportable students with neither a BSN nor an onderwijsnummer: a melding could not name them."""
    return [Rejection(None, s.id, f"student '{s.id}' kan een melding krijgen en heeft dan een BSN of "
                      "onderwijsnummer nodig; beide ontbreken", f"students[{i}].bsn")
            for i, s in enumerate(students) if not (s.bsn or s.onderwijsnummer) and reportable(s, as_of)]
