"""The append-only, hash-chained audit log.

Each entry holds the SHA-256 of the previous entry's hash plus its own canonical serialisation,
so altering, removing or reordering any row breaks the chain from that row on. Entries never hold
plain personal data (``append`` refuses the keys of ``gateway.domain.personal_data``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from gateway.domain.personal_data import is_personal
from gateway.store.engine import Store
from gateway.store.schema import audit_head, audit_log

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """The canonical serialisation: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _check_no_personal_data(value: Any, path: str = "data") -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if is_personal(key):
                raise ValueError(f"audit: '{path}.{key}' is persoonsgegeven en hoort niet in de audit")
            _check_no_personal_data(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for item in value:
            _check_no_personal_data(item, path)


@dataclass(frozen=True)
class EntryBody:
    """What an entry's hash covers besides the previous hash; ``data`` is its canonical JSON."""

    seq: int
    ts: str
    actor: str
    action: str
    school_id: str | None
    subject: str | None
    data: str

    @classmethod
    def of_row(cls, row: sa.Row[Any]) -> EntryBody:
        """The body of a stored entry."""
        return cls(row.seq, row.ts, row.actor, row.action, row.school_id, row.subject, row.data)


def entry_hash(prev_hash: str, body: EntryBody) -> str:
    """SHA-256 over the previous hash and the entry's canonical form."""
    return hashlib.sha256(f"{prev_hash}\n{canonical_json(asdict(body))}".encode()).hexdigest()


_HEAD = sa.select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
_INSERT = audit_log.insert()
_MOVE_HEAD = (
    audit_head.update()
    .where(audit_head.c.id == 1)
    .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
)


@dataclass(frozen=True)
class Entry:
    """One entry to append: who did what, for which school and subject, with what data."""

    actor: str
    action: str
    data: Mapping[str, Any]
    school_id: str | None = None
    subject: str | None = None


def append(  # noqa: PLR0913  the entry's own fields, keyword-only, named at every call site
    conn: sa.Connection,
    *,
    actor: str,
    action: str,
    data: Mapping[str, Any],
    school_id: str | None = None,
    subject: str | None = None,
) -> int:
    """Append one entry inside the caller's transaction; returns its sequence number."""
    return append_many(conn, [Entry(actor, action, data, school_id, subject)])


def append_many(conn: sa.Connection, entries: Sequence[Entry]) -> int:
    """Append entries in order inside the caller's transaction, taking the audit head once (a
    worker records a whole batch of outcomes this way); returns the last sequence number.

    The chain is the same as with one ``append`` per entry: each entry hashes the previous one.
    """
    for entry in entries:
        _check_no_personal_data(entry.data)
    head = conn.execute(_HEAD).one()
    seq, prev_hash = int(head.seq), str(head.hash)
    if not entries:
        return seq
    rows = []
    for entry in entries:
        seq += 1
        body = EntryBody(
            seq=seq,
            ts=datetime.now(UTC).isoformat(timespec="microseconds"),
            actor=entry.actor,
            action=entry.action,
            school_id=entry.school_id,
            subject=entry.subject,
            data=canonical_json(dict(entry.data)),
        )
        digest = entry_hash(prev_hash, body)
        rows.append({**asdict(body), "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    conn.execute(_INSERT, rows[0] if len(rows) == 1 else rows)
    conn.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev_hash})
    return seq


@dataclass(frozen=True)
class Verification:
    """The outcome of checking the chain: how many entries, the first broken one if any, and the
    newest entry's hash (what a checkpoint signs)."""

    entries: int
    first_broken: int | None = None
    problem: str | None = None
    head_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        """True when the whole chain verifies."""
        return self.first_broken is None


def verify(store: Store, batch_size: int = 5000) -> Verification:
    """Recompute the chain from the start; stop at the first entry that does not verify."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    with _snapshot(store) as conn:
        head = conn.execute(sa.select(audit_head.c.seq, audit_head.c.hash)).one()
        for row in _rows(conn, batch_size):
            if row.seq != expected_seq:
                return Verification(count, expected_seq, f"regel {expected_seq} ontbreekt")
            if row.prev_hash != prev_hash:
                return Verification(count, row.seq, "verwijzing naar de vorige regel klopt niet")
            if entry_hash(prev_hash, EntryBody.of_row(row)) != row.hash:
                return Verification(count, row.seq, "inhoud past niet bij de opgeslagen hash")
            prev_hash, expected_seq, count = row.hash, row.seq + 1, count + 1
        if head.seq != count or head.hash != prev_hash:
            return Verification(count, count + 1, "laatste regels ontbreken (kop van de keten wijkt af)")
    return Verification(count, head_hash=prev_hash)


@contextmanager
def _snapshot(store: Store) -> Iterator[sa.Connection]:
    """One read transaction that sees a single moment of the chain.

    PostgreSQL reads committed data statement by statement by default, so entries appended while
    the batches are read would make the head look wrong; REPEATABLE READ fixes the snapshot at
    the first read. SQLite's WAL read transaction is a snapshot already.
    """
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")  # set on this connection itself
        with conn.begin():
            yield conn


def _rows(conn: sa.Connection, batch_size: int) -> Iterator[sa.Row[Any]]:
    last = 0
    while True:
        rows = conn.execute(
            sa.select(audit_log).where(audit_log.c.seq > last).order_by(audit_log.c.seq).limit(batch_size)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def entries(
    store: Store, *, subject: str | None = None, school_id: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest entries, optionally for one subject (melding id, batch) or school."""
    query = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if subject is not None:
        query = query.where(audit_log.c.subject == subject)
    if school_id is not None:
        query = query.where(audit_log.c.school_id == school_id)
    with store.read() as conn:
        return [
            {
                "seq": r.seq,
                "ts": r.ts,
                "actor": r.actor,
                "action": r.action,
                "school_id": r.school_id,
                "subject": r.subject,
                "data": json.loads(r.data),
            }
            for r in conn.execute(query)
        ]
