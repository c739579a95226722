"""A push integration as the conformance kit sees it: a folder of the JSON bodies a vendor POSTs.

``students*.json`` (body of ``POST .../students``), ``calendar*.json`` (``PUT .../calendar``) and
``attendance*.json`` (``POST .../attendance``), read in name order, validated with the API's own
models and turned into a ``SourceBatch`` by the same functions the API uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gateway.api.problems import field_path
from gateway.api.schemas import (
    AttendanceIn,
    CalendarIn,
    StudentsIn,
    attendance_batch,
    calendar_batch,
    students_batch,
)
from gateway.domain.errors import ConfigurationError, InvalidInput
from gateway.domain.model import AttendanceRecord, Student
from gateway.domain.ports import SourceBatch
from gateway.intake.validation import dutch_message

M = TypeVar("M", bound=BaseModel)


def _read(path: Path, model: type[M]) -> M:
    try:
        return model.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(f"veld '{field_path(first['loc'])}': {dutch_message(first)}",
                           where=path.name) from exc
    except OSError as exc:
        raise InvalidInput(f"niet te lezen ({exc.strerror})", where=path.name) from exc


class PushFolderSource:
    """``gateway.domain.ports.Source`` over a folder of push payloads."""

    name = "push"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def fetch(self, cursor: str | None) -> SourceBatch:
        """Everything in the folder as one batch (later records replace earlier ones by id)."""
        if not self.folder.is_dir():
            raise ConfigurationError(f"map met aanleveringen {self.folder} bestaat niet")
        students: dict[str, Student] = {}
        records: dict[str, AttendanceRecord] = {}
        withdrawn: list[str] = []
        batch_calendar = None
        last_cursor = cursor
        for path in sorted(self.folder.glob("*.json")):
            if path.name.startswith("students"):
                students.update({s.id: s for s in students_batch(_read(path, StudentsIn)).students})
            elif path.name.startswith("calendar"):
                batch_calendar = calendar_batch(_read(path, CalendarIn)).calendar
            elif path.name.startswith("attendance"):
                part = attendance_batch(_read(path, AttendanceIn))
                for rid in part.withdrawn_record_ids:
                    records.pop(rid, None)
                withdrawn.extend(part.withdrawn_record_ids)
                records.update({r.id: r for r in part.records})
                last_cursor = part.cursor or last_cursor
        return SourceBatch(students=list(students.values()), records=list(records.values()),
                           withdrawn_record_ids=withdrawn, calendar=batch_calendar, cursor=last_cursor)


def create_source(config: Mapping[str, Any]) -> PushFolderSource:
    """Build from ``{"folder": ...}``."""
    if "folder" not in config:
        raise ConfigurationError("push-controle: [source] folder ontbreekt (map met JSON-aanleveringen)")
    return PushFolderSource(Path(str(config["folder"])))
