"""Key rotation: re-encrypt every stored personal value with the active field-encryption key.

Rotating is two steps: add a new key and make it active (``VERZUIM_KEYS`` / ``keys.toml``), then
run ``verzuim-gateway db rotate-keys``; once it reports nothing left, the old key can be dropped.
Each batch is one transaction and a value is only replaced when it is still the one read, so the
command can be interrupted and run again, also while the gateway is working. A student's blind
index of names (``gateway.store.student_names``) is made anew under the active key with their
personal data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gateway.store import Store, audit, student_names
from gateway.store.content import content_context
from gateway.store.crypto import FieldCipher
from gateway.store.face_tables import feedback, feedback_context
from gateway.store.schema import meldingen, students
from gateway.store.students import personal_context


@dataclass(frozen=True)
class EncryptedColumn:
    """One column holding values of ``FieldCipher``, with how to rebuild each value's context."""

    name: str
    table: sa.Table
    column: str
    context: Callable[[Any], str]  # from a row holding the table's primary key (and melding id)
    # What else is made under the key, redone in the same transaction: (conn, cipher, row, plaintext).
    follow: Callable[[sa.Connection, FieldCipher, Any, str], None] | None = None


def _reindex_names(conn: sa.Connection, cipher: FieldCipher, row: Any, plaintext: str) -> None:
    """A student's name index follows their personal data onto the active key."""
    student_names.replace_index(conn, cipher, row.school_id, {row.id: json.loads(plaintext)})


ENCRYPTED_COLUMNS: tuple[EncryptedColumn, ...] = (
    EncryptedColumn("studenten.persoonsgegevens", students, "personal",
                    lambda row: personal_context(row.school_id, row.id), follow=_reindex_names),
    EncryptedColumn("meldingen.inhoud", meldingen, "content", lambda row: content_context(row.id)),
    EncryptedColumn("terugkoppeling.toelichting", feedback, "toelichting",
                    lambda row: feedback_context(row.melding_id)),
    EncryptedColumn("terugkoppeling.contactpersoon", feedback, "contactpersoon",
                    lambda row: feedback_context(row.melding_id)),
)


def _not_under(column: EncryptedColumn, key_id: str) -> sa.ColumnElement[bool]:
    value = column.table.c[column.column]
    return sa.and_(value.is_not(None), ~value.startswith(FieldCipher.prefix_of(key_id)))


def _stale(column: EncryptedColumn, active_key_id: str, limit: int) -> sa.Select[Any]:
    keys = [*column.table.primary_key.columns]
    extra = [column.table.c.melding_id] if "melding_id" in column.table.c else []
    return (sa.select(*keys, *extra, column.table.c[column.column].label("value"))
            .where(_not_under(column, active_key_id))
            .order_by(*keys).limit(limit))


def _rotate_batch(store: Store, column: EncryptedColumn, batch_size: int) -> int:
    """Re-encrypt up to ``batch_size`` values in one transaction; returns how many were replaced."""
    cipher = store.cipher
    value = column.table.c[column.column]
    replaced = 0
    with store.write() as conn:
        for row in conn.execute(_stale(column, cipher.active_key_id, batch_size)).all():
            context = column.context(row)
            plaintext = cipher.decrypt(row.value, context)
            fresh = cipher.encrypt(plaintext, context)
            match = [c == row._mapping[c.name] for c in column.table.primary_key.columns]
            result = conn.execute(column.table.update().where(*match, value == row.value)
                                  .values({column.column: fresh}))
            replaced += result.rowcount
            if result.rowcount and column.follow is not None:
                column.follow(conn, cipher, row, plaintext)
    return replaced


def reencrypt(store: Store, *, actor: str, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every value not under the active key; returns per column how many were replaced.

    A value whose key is not configured stops the run with an ``IntegrityError`` naming the key;
    the batches done before stay done. Each column's work is one audit entry (counts only).
    """
    counts: dict[str, int] = {}
    for column in ENCRYPTED_COLUMNS:
        total = 0
        while (done := _rotate_batch(store, column, batch_size)) > 0:
            total += done
        counts[column.name] = total
        if total:
            with store.write() as conn:
                audit.append(conn, actor=actor, action="sleutels.opnieuw_versleuteld",
                             subject=column.name,
                             data={"aantal": total, "sleutel": store.cipher.active_key_id})
    return counts


def stale_values(store: Store) -> int:
    """How many stored values are not under the active key (0: an old key can be dropped)."""
    active = store.cipher.active_key_id
    total = 0
    with store.read() as conn:
        for column in ENCRYPTED_COLUMNS:
            total += conn.scalar(sa.select(sa.func.count()).select_from(column.table)
                                 .where(_not_under(column, active))) or 0
    return total
