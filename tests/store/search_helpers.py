"""Builders for the console's list queries: students with names and leslocaties, meldingen of any shape."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from gateway import pipeline
from gateway.domain.lifecycle import State
from gateway.domain.ports import SourceBatch
from gateway.domain.signals import Signal
from gateway.store import Store
from gateway.store.meldingen import NewMelding, insert_melding
from gateway.store.schema import meldingen
from tests.store.helpers import SCHOOL, fake_signal, student


def add_students(store: Store, *students: tuple[str, str, str], school_id: str = SCHOOL.id,
                 **facts: object) -> None:
    """Store students given as (id, given names, family name), with ``facts`` for each."""
    batch = [student(sid, given_names=given, family_name=family, **facts) for sid, given, family in students]
    pipeline.ingest(store, school_id, "test", SourceBatch(students=batch), "test")


def add_melding(store: Store, sid: str, n: int = 0, *, status: State = State.KLAAR,
                school_id: str = SCHOOL.id, leslocatie: str | None = None, updated_at: datetime | None = None,
                **signal: object) -> str:
    """Store a melding of ``sid`` (a verzuim-16u signal with ``signal`` fields changed); its id."""
    made: Signal = replace(fake_signal(sid, n), **signal)  # type: ignore[arg-type]
    with store.write() as conn:
        insert_melding(conn, NewMelding(school_id, made.business_id, made.message_id, made, status,
                                        "duo", "test"))
        values: dict[str, object] = {"leslocatie": leslocatie}
        if updated_at is not None:
            values["updated_at"] = updated_at
        conn.execute(meldingen.update().where(meldingen.c.id == made.message_id).values(**values))
    return made.message_id


def day(n: int) -> date:
    """A September day of the test school year."""
    return date(2026, 9, n)
