"""Ingest a source batch: all or nothing, idempotent by source and record id, history kept."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from gateway.config.school import load_school
from gateway.domain.errors import GatewayError
from gateway.domain.ports import SourceBatch
from gateway.intake.batch_checks import Rejection, amsterdam_today, check_batch, unknown_withdrawals
from gateway.pipeline.batches import open_batch, store_calendar, store_cursor
from gateway.store import attendance as attendance_repo
from gateway.store import audit, statistics
from gateway.store import students as students_repo
from gateway.store.engine import Store
from gateway.store.schema import calendars, ingest_batches

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
        result = _ingest(store, school_id, source, batch, actor,
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
    _refresh_statistics(store, result, len(batch.students))
    return result


def _refresh_statistics(store: Store, result: IngestResult, students: int) -> None:
    """After a batch that changed a large share of a table, analyse it (in its own short transaction,
    once the batch is committed, so no ingest holds the table's ANALYZE lock while it writes)."""
    written = {
        "attendance": result.new + result.changed + result.withdrawn,
        "attendance_history": result.changed + result.withdrawn,
        "students": students,
    }
    if not any(written.values()):
        return  # nothing written (a re-delivery): the statistics are as current as they were
    with store.write() as conn:
        statistics.analyze_after_bulk(conn, written)


def _ingest(  # noqa: PLR0913  ingest's arguments, passed on
    store: Store, school_id: str, source: str, batch: SourceBatch, actor: str, *,
    as_of: date, strict_withdrawals: bool,
) -> IngestResult:
    faults = check_batch(batch, as_of)
    if faults:
        raise _Rejected(faults)
    with store.write() as conn:
        load_school(conn, school_id)
        seq = open_batch(conn, school_id, source, actor, batch.cursor)
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
            store_calendar(conn, school_id, batch.calendar, seq)
        elif (
            counts.new
            and conn.scalar(sa.select(calendars.c.school_id).where(calendars.c.school_id == school_id))
            is None
        ):
            raise _Rejected(
                [Rejection(None, None, "geen schoolkalender bekend; lever die mee in de eerste batch")]
            )
        store_cursor(conn, school_id, source, batch.cursor, seq)
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


