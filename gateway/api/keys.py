"""Per-school API keys for the push API, stored hashed in the store (table ``api_keys``, migration 0004).

A key reads ``vg_<key id>_<secret>``; the table keeps the key id, the school, and the SHA-256 of
the whole key (the secret is 32 random bytes, so a fast hash is enough; it is never stored, logged
or audited). A key sees only its own school. Every API host reads the same table, so a key made or
revoked on one host counts on all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from gateway.access_keys import issue_key, key_id_of, key_matches
from gateway.domain.errors import ConfigurationError
from gateway.store import Store, audit, list_schools, utcnow
from gateway.store.face_tables import api_keys


@dataclass(frozen=True)
class ApiKey:
    """A stored key (without its secret)."""

    key_id: str
    school_id: str
    label: str
    created_at: datetime
    revoked: bool


def create_api_key(store: Store, school_id: str, label: str = "", *, actor: str) -> tuple[ApiKey, str]:
    """A new key for a registered school; returns the stored entry and the key (shown once). Audited."""
    if school_id not in list_schools(store):
        raise ConfigurationError(f"school '{school_id}' is niet geregistreerd")
    issued = issue_key("vg")
    entry = ApiKey(issued.key_id, school_id, label, utcnow(), False)
    with store.write() as conn:
        conn.execute(api_keys.insert().values(key_id=issued.key_id, school_id=school_id, sha256=issued.sha256,
                                              label=label, created_at=entry.created_at, revoked_at=None))
        audit.append(conn, actor=actor, action="api-sleutel.aangemaakt", school_id=school_id,
                     subject=issued.key_id, data={"label": label})
    return entry, issued.key


def revoke_api_key(store: Store, key_id: str, *, actor: str) -> bool:
    """Revoke a key (audited the first time); False when there is no such key."""
    with store.write() as conn:
        row = conn.execute(sa.select(api_keys.c.school_id, api_keys.c.revoked_at)
                           .where(api_keys.c.key_id == key_id)).one_or_none()
        if row is None:
            return False
        if row.revoked_at is None:
            conn.execute(api_keys.update().where(api_keys.c.key_id == key_id).values(revoked_at=utcnow()))
            audit.append(conn, actor=actor, action="api-sleutel.ingetrokken", school_id=row.school_id,
                         subject=key_id, data={})
    return True


def list_api_keys(store: Store) -> list[ApiKey]:
    """Every stored key (no secrets), by school and age."""
    with store.read() as conn:
        rows = conn.execute(sa.select(api_keys).order_by(api_keys.c.school_id, api_keys.c.created_at))
        return [ApiKey(r.key_id, r.school_id, r.label, r.created_at, r.revoked_at is not None) for r in rows]


def school_of(store: Store, key: str) -> str | None:
    """The school a presented key belongs to, or None for an unknown or revoked key."""
    key_id = key_id_of(key, "vg")
    if key_id is None:
        return None
    with store.read() as conn:
        row = conn.execute(sa.select(api_keys.c.school_id, api_keys.c.sha256, api_keys.c.revoked_at)
                           .where(api_keys.c.key_id == key_id)).one_or_none()
    if row is None or row.revoked_at is not None or not key_matches(row.sha256, key):
        return None
    return str(row.school_id)
