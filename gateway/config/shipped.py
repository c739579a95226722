"""Where the data shipped with the gateway lives: the ``mappings`` package, found as a resource."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from gateway.domain.errors import ConfigurationError


def shipped_folder(name: str) -> Path:
    """The folder ``mappings/<name>`` as installed (a checkout or a wheel)."""
    root = files("mappings")
    if not isinstance(root, Path):  # a zipped install has no folders to read TOML files from
        raise ConfigurationError(f"de meegeleverde gegevens (mappings/) staan niet als map op schijf: {root}")
    return root / name
