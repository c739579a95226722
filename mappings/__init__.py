"""Data, not code: vendor absence codes, regional rule profiles, the recipient directory.

A package only so that the data ships inside the wheel and is found as a resource, wherever the
gateway is installed. Every module that reads shipped data asks ``folder`` for its place.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def folder(name: str) -> Path:
    """The shipped data folder ``mappings/<name>`` (``codes``, ``profiles``, ``recipients``)."""
    root = files(__name__)
    # A regular install unpacks the package; only a zipped import (not supported) gives no folder.
    if not isinstance(root, Path):
        raise TypeError(f"mappings/ must be installed as a folder, found {root!r}")
    return root / name
