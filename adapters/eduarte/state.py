"""What the adapter remembers of the export it last delivered, kept in a file the cursor names.

The gateway stores one text cursor per source, in the same transaction as the batch. A year of a
college's waarnemingen is too much to carry in it, so the state lives in a file in the state folder
(``state_dir``, by default ``.verzuim-gateway`` in the drop folder) and the cursor names that file:
``<stamp>+<file>``. A new file is written for every pull and the one the stored cursor names is kept,
so a batch that is never stored (a crash, a rejection) leaves the stored cursor and its state as
they were: the next pull compares with what the gateway really holds.
"""

from __future__ import annotations

import json
import os
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from adapters.eduarte.lines import LineIndex

STATE_VERSION = 2
_SUFFIX = ".npz"
_CURSOR = re.compile(r"^(\d{8}T\d{6})(?:\+([A-Za-z0-9_.-]+))?$")


class StateUnusable(Exception):
    """The state a cursor names is missing or damaged; ``reason`` says which, for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ExportState:
    """The previous export as delivered: how it was read (``settings``), a hash per deelnemer, per
    report row (its hash) the deelnemer and the days it may cover (date ordinals), the waarnemingen
    file's size and digest, and its line index."""

    stamp: str
    settings: str
    students: dict[str, str] = field(default_factory=dict)
    reports: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    file: tuple[int, str] = (0, "")
    lines: LineIndex = field(default_factory=LineIndex.empty)


def split_cursor(cursor: str | None) -> tuple[str | None, str | None]:
    """The snapshot stamp and the state file a cursor names (either may be None)."""
    if not cursor:
        return None, None
    match = _CURSOR.match(cursor)
    if match is None:
        return cursor, None  # not ours: compared as a stamp, which no snapshot will match
    return match.group(1), match.group(2)


def make_cursor(stamp: str, name: str | None) -> str:
    """The cursor for snapshot ``stamp`` with its state file ``name`` (None: no state kept)."""
    return f"{stamp}+{name}" if name else stamp


def save(state: ExportState, folder: Path, prefix: str) -> str:
    """Write ``state`` to a new file in ``folder`` (written whole, then renamed); returns its name."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}-{state.stamp}-{uuid.uuid4().hex[:12]}"
    meta = {"version": STATE_VERSION, "stamp": state.stamp, "settings": state.settings,
            "students": state.students, "reports": state.reports, "file": list(state.file),
            "numbers": state.lines.numbers}
    tmp = folder / f".{name}.tmp"
    with tmp.open("wb") as handle:
        lines = state.lines
        np.savez(handle, hashes=lines.hashes, ids=lines.ids, students=lines.students, days=lines.days,
                 flags=lines.flags, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    os.replace(tmp, folder / f"{name}{_SUFFIX}")
    return name


def load(folder: Path, name: str) -> ExportState:
    """Read the state file ``name``; raises StateUnusable when it is missing or damaged."""
    path = folder / f"{name}{_SUFFIX}"
    if not path.is_file():
        raise StateUnusable(f"toestandsbestand {path} ontbreekt")
    try:
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            meta: dict[str, Any] = json.loads(bytes(data["meta"]).decode())
            _check_version(meta)
            lines = LineIndex(data["hashes"], data["ids"], data["students"], data["days"], data["flags"],
                              [str(n) for n in meta["numbers"]])
        lines.check()
        size, sha = meta["file"]
        return ExportState(stamp=str(meta["stamp"]), settings=str(meta["settings"]),
                           students=dict(meta["students"]),
                           reports={k: (str(n), int(lo), int(hi))
                                    for k, (n, lo, hi) in meta["reports"].items()},
                           file=(int(size), str(sha)), lines=lines)
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        raise StateUnusable(f"toestandsbestand {path} is onleesbaar ({exc})") from exc


def _check_version(meta: dict[str, Any]) -> None:
    if meta.get("version") != STATE_VERSION:
        raise ValueError(f"versie {meta.get('version')}, verwacht {STATE_VERSION}")


def prune(folder: Path, prefix: str, keep: set[str]) -> None:
    """Remove this source's state files except those named in ``keep`` (best effort)."""
    for path in folder.glob(f"{prefix}-*{_SUFFIX}"):
        if path.name[: -len(_SUFFIX)] not in keep:
            path.unlink(missing_ok=True)
