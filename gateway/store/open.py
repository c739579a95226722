"""Opening the store from settings, and small lookups of schools and source cursors."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.config.settings import Settings
from gateway.store.crypto import FieldCipher
from gateway.store.engine import Store
from gateway.store.schema import schools, source_cursors


def open_store(settings: Settings, *, migrate: bool = False) -> Store:
    """Open the store the settings name (SQLite in the data folder by default)."""
    store = Store.open(settings.effective_database_url, FieldCipher(settings.keys(), settings.active_key_id))
    if migrate:
        store.migrate()
    return store


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
