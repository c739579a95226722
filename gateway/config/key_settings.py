"""Reading the field-encryption keys from ``VERZUIM_KEYS`` and ``keys.toml``, with messages that
never hold key material.

An error about a key names the source and the key's id, never the key: not the one that is
wrong, not another one that is right. A key id is named only once it has the form of an id
(``gateway.store.crypto.KEY_ID``).
"""

from __future__ import annotations

import base64
import binascii
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.domain.errors import ConfigurationError
from gateway.store.crypto import KEY_BYTES, KEY_ID, KEY_ID_RULE

ENV_KEYS, ENV_ACTIVE = "VERZUIM_KEYS", "VERZUIM_ACTIVE_KEY"
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def checked_id(key_id: object, where: str) -> str:
    """``key_id`` when it has the form of a key id; the error does not repeat it."""
    if not isinstance(key_id, str) or not KEY_ID.match(key_id):
        raise ConfigurationError(f"{where}: geen geldige sleutel-id ({KEY_ID_RULE})")
    return key_id


def checked_key(encoded: object, key_id: str, source: str) -> str:
    """``encoded`` when it is a base64 AES-256 key; the error names only ``key_id``."""
    if not isinstance(encoded, str):
        raise ConfigurationError(f"{source}: sleutel '{key_id}' moet tekst (base64) zijn")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"{source}: sleutel '{key_id}' is geen geldige base64") from None
    if len(raw) != KEY_BYTES:
        raise ConfigurationError(f"{source}: sleutel '{key_id}' moet {KEY_BYTES} bytes zijn "
                                 f"(AES-256), niet {len(raw)}")
    return encoded


def env_keys(text: str) -> dict[str, str]:
    """The keys of ``VERZUIM_KEYS`` (``id:base64,...``), each checked."""
    keys: dict[str, str] = {}
    for number, item in enumerate(filter(None, (part.strip() for part in text.split(","))), 1):
        key_id, sep, value = item.partition(":")
        where = f"{ENV_KEYS}, onderdeel {number}"
        if not sep:
            raise ConfigurationError(f"{where}: verwacht 'sleutel-id:base64' (meerdere met komma's)")
        checked = checked_id(key_id.strip(), where)
        keys[checked] = checked_key(value.strip(), checked, ENV_KEYS)
    return keys


def file_keys(path: Path) -> tuple[dict[str, str], str | None]:
    """The keys and the active key id of a ``keys.toml``, each checked."""
    try:
        loaded: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        # Only the position: the parser's text can quote a line of the file.
        position = _TOML_POSITION.search(str(exc))
        where = f" (regel {position[1]}, kolom {position[2]})" if position else ""
        raise ConfigurationError(f"{path}: geen geldige TOML{where}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: niet te lezen ({type(exc).__name__})") from None
    table = loaded.get("keys", {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path}: [keys] moet een tabel zijn (sleutel-id = \"base64\")")
    keys: dict[str, str] = {}
    for number, (key_id, value) in enumerate(table.items(), 1):
        checked = checked_id(key_id, f"{path}, sleutel {number} in [keys]")
        keys[checked] = checked_key(value, checked, str(path))
    active = loaded.get("active")
    if active is not None:
        active = checked_id(active, f"{path}: active")
    return keys, active


def active_key(keys: Mapping[str, str], active: str | None, source: str) -> str | None:
    """The active key id, checked against the keys there are (``None``: the newest id)."""
    if active is None:
        return None
    checked = checked_id(active, source)
    if keys and checked not in keys:
        raise ConfigurationError(f"{source}: actieve sleutel '{checked}' staat niet tussen de "
                                 f"sleutels ({', '.join(sorted(keys))})")
    return checked
