"""Ingest batches, the stored calendar and source cursors: the bookkeeping ingest and the school's
configuration share."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.domain.model import Calendar
from gateway.store import students as students_repo
from gateway.store.engine import utcnow
from gateway.store.schema import calendars, ingest_batches, source_cursors


def lock_school_attendance(conn: sa.Connection, school_id: str) -> None:
    """Serialise ingest and evaluation of one school for this transaction, so an evaluation sees every
    batch up to the newest committed (PostgreSQL; SQLite has one writer already)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"attendance|{school_id}",))


def open_batch(conn: sa.Connection, school_id: str, source: str, actor: str, cursor: str | None) -> int:
    """Start an ingest batch of the school; its sequence number."""
    lock_school_attendance(conn, school_id)
    return int(
        conn.execute(
            ingest_batches.insert().values(
                school_id=school_id, source=source, actor=actor, created_at=utcnow(), counts="{}",
                cursor=cursor,
            ).returning(ingest_batches.c.seq)
        ).scalar_one()
    )


def store_calendar(conn: sa.Connection, school_id: str, calendar: Calendar, seq: int) -> None:
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


def store_cursor(conn: sa.Connection, school_id: str, source: str, cursor: str | None, seq: int) -> None:
    key = (source_cursors.c.school_id == school_id, source_cursors.c.source == source)
    if conn.scalar(sa.select(sa.func.count()).select_from(source_cursors).where(*key)):
        conn.execute(source_cursors.update().where(*key).values(cursor=cursor, batch_seq=seq))
    else:
        conn.execute(
            source_cursors.insert().values(school_id=school_id, source=source, cursor=cursor, batch_seq=seq)
        )


