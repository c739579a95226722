"""Bearer keys ``<kind>_<key id>_<secret>``: schools' push keys (``vg``) and receivers' keys (``vr``).

The secret is 32 random bytes, so a fast hash is enough: only ``token_digest`` of the whole key is
stored, never the key. The key id finds the stored row; the digests are compared in constant time.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

_KEY_PARTS = 3  # kind, key id, secret


@dataclass(frozen=True)
class IssuedKey:
    """A new key: its id, the key itself (shown once, never stored) and the digest to store."""

    key_id: str
    key: str
    sha256: str


def token_digest(token: str) -> str:
    """SHA-256 (hex) of a high-entropy token: what is stored in its place."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_key(kind: str) -> IssuedKey:
    """A new random key of ``kind`` (``vg`` or ``vr``)."""
    key_id = secrets.token_hex(4)
    key = f"{kind}_{key_id}_{secrets.token_urlsafe(32)}"
    return IssuedKey(key_id, key, token_digest(key))


def key_id_of(key: str, kind: str) -> str | None:
    """The key id of a presented key of ``kind``; None when it does not have that form."""
    parts = key.split("_", _KEY_PARTS - 1)
    if len(parts) != _KEY_PARTS or parts[0] != kind:
        return None
    return parts[1]


def key_matches(stored_sha256: str, key: str) -> bool:
    """Whether ``key`` hashes to the stored digest (constant time: the answer time says nothing)."""
    return secrets.compare_digest(stored_sha256, token_digest(key))
