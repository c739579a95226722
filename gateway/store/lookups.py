"""Small lookups: the registered schools and the source cursors."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.store.engine import Store
from gateway.store.schema import schools, source_cursors


def list_schools(store: Store) -> list[str]:
    """Ids of every registered school."""
    with store.read() as conn:
        return list(conn.scalars(sa.select(schools.c.id).order_by(schools.c.id)))


def get_cursor(store: Store, school_id: str, source: str) -> str | None:
    """The cursor the last accepted batch of ``source`` ended at (None: start from scratch)."""
    with store.read() as conn:
        return conn.scalar(
            sa.select(source_cursors.c.cursor).where(
                source_cursors.c.school_id == school_id, source_cursors.c.source == source
            )
        )
