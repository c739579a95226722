"""What an attacker with database access does to the audit chain, for the checkpoint tests."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from gateway.store import audit
from gateway.store.engine import Store
from gateway.store.schema import audit_head, audit_log


def cut_tail(store: Store, keep: int) -> None:
    """Delete every entry after ``keep`` and rewrite ``audit_head`` to the last one left."""
    with store.write() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.seq > keep))
        last = conn.execute(sa.select(audit_log.c.hash).where(audit_log.c.seq == keep)).scalar_one()
        conn.execute(audit_head.update().where(audit_head.c.id == 1).values(seq=keep, hash=last))


def rewrite_history(store: Store, seq: int, actor: str) -> None:
    """Change entry ``seq``'s actor and recompute every hash from there on, head included, so that
    the chain on its own still verifies."""
    with store.write() as conn:
        rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq)).all()
        prev = audit.GENESIS
        for row in rows:
            body = audit.EntryBody.of_row(row)
            if row.seq == seq:
                body = dataclasses.replace(body, actor=actor)
            digest = audit.entry_hash(prev, body)
            conn.execute(
                audit_log.update()
                .where(audit_log.c.seq == row.seq)
                .values(actor=body.actor, prev_hash=prev, hash=digest)
            )
            prev = digest
        conn.execute(audit_head.update().where(audit_head.c.id == 1).values(hash=prev))
