"""Per-school API keys for the push API, stored hashed in a JSON file in the data folder.

A key reads ``vg_<key id>_<secret>``; the file keeps the key id, the school, and the SHA-256 of
the whole key (the secret is 32 random bytes, so a fast hash is enough; it is never stored or
logged). A key sees only its own school.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from gateway.errors import ConfigurationError

KEYS_FILE_NAME = "api_keys.json"


@dataclass(frozen=True)
class ApiKey:
    """A stored key (without its secret)."""

    key_id: str
    school_id: str
    sha256: str
    label: str = ""
    created_at: str = ""
    revoked: bool = False


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyStore:
    """The keys file; safe for concurrent readers in one process (writes replace the file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _load(self) -> dict[str, ApiKey]:
        if not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {k["key_id"]: ApiKey(**k) for k in data.get("keys", [])}
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ConfigurationError(f"{self.path}: sleutelbestand onleesbaar ({exc})") from exc

    def _save(self, keys: dict[str, ApiKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"keys": [asdict(k) for k in keys.values()]}, fh, indent=2)
        tmp.replace(self.path)

    def create(self, school_id: str, label: str = "") -> tuple[ApiKey, str]:
        """A new key for ``school_id``; returns the stored entry and the key (shown once)."""
        key_id = secrets.token_hex(4)
        key = f"vg_{key_id}_{secrets.token_urlsafe(32)}"
        entry = ApiKey(key_id=key_id, school_id=school_id, sha256=_digest(key), label=label,
                       created_at=datetime.now(UTC).isoformat(timespec="seconds"))
        with self._lock:
            keys = self._load()
            keys[key_id] = entry
            self._save(keys)
        return entry, key

    def revoke(self, key_id: str) -> bool:
        """Revoke a key; False when there is no such key."""
        with self._lock:
            keys = self._load()
            if key_id not in keys:
                return False
            keys[key_id] = ApiKey(**{**asdict(keys[key_id]), "revoked": True})
            self._save(keys)
        return True

    def list(self) -> list[ApiKey]:
        """Every stored key (no secrets)."""
        return sorted(self._load().values(), key=lambda k: (k.school_id, k.created_at))

    def school_of(self, key: str) -> str | None:
        """The school a presented key belongs to, or None for an unknown or revoked key."""
        parts = key.split("_", 2)
        if len(parts) != 3 or parts[0] != "vg":
            return None
        entry = self._load().get(parts[1])
        if entry is None or entry.revoked or not hmac.compare_digest(entry.sha256, _digest(key)):
            return None
        return entry.school_id
