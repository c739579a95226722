"""Finding adapters through Python entry points, so the core never imports one by name."""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Any

from gateway.domain.errors import UnknownAdapter


def available(group: str) -> dict[str, EntryPoint]:
    """The entry points registered under ``group``, by name."""
    return {ep.name: ep for ep in entry_points(group=group)}


def load(group: str, name: str) -> Any:
    """Load the object registered as ``name`` in ``group``, or raise ``UnknownAdapter``."""
    eps = available(group)
    if name not in eps:
        known = ", ".join(sorted(eps)) or "geen"
        raise UnknownAdapter(f"onbekende adapter '{name}' in {group} (bekend: {known})")
    return eps[name].load()
