"""Runtime settings: database URL, data folder, field-encryption keys, log format.

Read once at the edge (CLI, API start-up) with ``Settings.from_env`` and passed in; nothing deep in
the core reads the environment.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gateway.config.key_settings import (
    ENV_ACTIVE,
    ENV_KEYS,
    active_key,
    checked_id,
    checked_key,
    env_keys,
    file_keys,
)
from gateway.domain.errors import ConfigurationError
from gateway.intake.validation import describe
from gateway.store.crypto import KEY_BYTES, FieldCipher
from gateway.store.engine import Store

KEY_FILE_NAME = "keys.toml"


class Settings(BaseModel):
    """Everything the store, worker and logging need to start."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Path("data")
    database_url: str | None = None
    # key id -> 32-byte AES key, base64; the active key encrypts, all keys decrypt (rotation).
    encryption_keys: dict[str, str] = Field(default_factory=dict)
    active_key_id: str | None = None
    log_format: Literal["json", "console"] = "console"
    log_level: str = "info"

    @field_validator("encryption_keys")
    @classmethod
    def _keys_are_aes256(cls, value: dict[str, str]) -> dict[str, str]:
        # ConfigurationError passes through pydantic untouched, so no input value is attached.
        for key_id, encoded in value.items():
            checked_key(encoded, checked_id(key_id, "encryption_keys"), "encryption_keys")
        return value

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or an SQLite file in the data folder (the embedded default)."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'gateway.db').resolve()}"

    def keys(self) -> dict[str, bytes]:
        """The decoded encryption keys by key id."""
        return {kid: base64.b64decode(v) for kid, v in self.encryption_keys.items()}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``VERZUIM_*`` variables, plus keys from the data folder's key file.

        ``VERZUIM_DATA_DIR``, ``VERZUIM_DATABASE_URL``, ``VERZUIM_KEYS`` (``id:base64,...``),
        ``VERZUIM_ACTIVE_KEY``, ``VERZUIM_LOG_FORMAT`` (json|console), ``VERZUIM_LOG_LEVEL``.
        """
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("VERZUIM_DATA_DIR", "data"))
        keys: dict[str, str] = {}
        active: str | None = None
        key_file = data_dir / KEY_FILE_NAME
        if key_file.is_file():
            keys, active = file_keys(key_file)
        keys.update(env_keys(env.get(ENV_KEYS, "")))
        if ENV_ACTIVE in env:
            active = active_key(keys, env[ENV_ACTIVE] or None, ENV_ACTIVE)
        else:
            active = active_key(keys, active, str(key_file))
        try:
            return cls(
                data_dir=data_dir,
                database_url=env.get("VERZUIM_DATABASE_URL") or None,
                encryption_keys=keys,
                active_key_id=active,
                log_format=env.get("VERZUIM_LOG_FORMAT", "console"),
                log_level=env.get("VERZUIM_LOG_LEVEL", "info"),
            )
        except ValidationError as exc:
            # describe() names the field and echoes no key: pydantic's own text would print the
            # whole input, keys included.
            raise ConfigurationError(f"ongeldige instellingen: {describe(exc)}") from None


def new_key() -> str:
    """A fresh random AES-256 key, base64."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def write_key_file(data_dir: Path, key_id: str = "k1") -> Path:
    """Create the data folder's key file with one fresh key (mode 0600); keep an existing one."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        return path
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f'active = "{key_id}"\n\n[keys]\n{key_id} = "{new_key()}"\n')
    return path


def open_store(settings: Settings, *, migrate: bool = False) -> Store:
    """Open the store the settings name (SQLite in the data folder by default)."""
    store = Store.open(settings.effective_database_url, FieldCipher(settings.keys(), settings.active_key_id))
    if migrate:
        store.migrate()
    return store
