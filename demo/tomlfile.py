"""A small TOML writer for the school files the demo writes (strings, numbers, dates, tables)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _key(key: str) -> str:
    return key if key.replace("-", "").replace("_", "").isalnum() else json.dumps(key)


def _table(lines: list[str], prefix: str, data: Mapping[str, Any]) -> None:
    plain = {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    nested = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    if prefix and (plain or not nested):
        lines.append(f"\n[{prefix}]")
    lines.extend(f"{_key(k)} = {_value(v)}" for k, v in plain.items())
    for key, value in nested.items():
        _table(lines, f"{prefix}.{_key(key)}" if prefix else _key(key), value)


def dumps(data: Mapping[str, Any], header: str = "") -> str:
    """TOML text for ``data``; nested mappings become tables, ``header`` lines become comments."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    _table(lines, "", data)
    return "\n".join(lines).lstrip("\n") + "\n"
