"""A push integration as the conformance kit sees it: a folder of the JSON bodies a vendor POSTs.

``students*.json`` (body of ``POST .../students``), ``calendar*.json`` (``PUT .../calendar``) and
``attendance*.json`` (``POST .../attendance``), read in name order, validated with the API's own
models, checked body by body as the API checks one push (``gateway.intake.batch_checks``: an id
twice in a body, a lesson after ``as_of`` plus a day, a reportable student without BSN or
onderwijsnummer) and turned into a ``SourceBatch`` by the same functions the API uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
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
from gateway.intake.batch_checks import Rejection, amsterdam_today, check_batch
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


def _refuse(path: Path, rejected: Sequence[Rejection]) -> None:
    """What the API would answer with a 422, as an error naming the file and the first field."""
    if rejected:
        first = rejected[0]
        more = f" (en {len(rejected) - 1} meer)" if len(rejected) > 1 else ""
        raise InvalidInput(f"veld '{first.field}': {first.reason}{more}", where=path.name)


class PushFolderSource:
    """``gateway.domain.ports.Source`` over a folder of push payloads."""

    name = "push"

    def __init__(self, folder: Path, as_of: date | None = None) -> None:
        self.folder = folder
        self.as_of = as_of or amsterdam_today()  # the push API's as-of day: today, in Amsterdam

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
                people = students_batch(_read(path, StudentsIn))
                _refuse(path, check_batch(people, self.as_of))
                students.update({s.id: s for s in people.students})
            elif path.name.startswith("calendar"):
                batch_calendar = calendar_batch(_read(path, CalendarIn)).calendar
            elif path.name.startswith("attendance"):
                part = attendance_batch(_read(path, AttendanceIn))
                _refuse(path, check_batch(part, self.as_of))
                for rid in part.withdrawn_record_ids:
                    records.pop(rid, None)
                withdrawn.extend(part.withdrawn_record_ids)
                records.update({r.id: r for r in part.records})
                last_cursor = part.cursor or last_cursor
        return SourceBatch(students=list(students.values()), records=list(records.values()),
                           withdrawn_record_ids=withdrawn, calendar=batch_calendar, cursor=last_cursor)


def create_source(config: Mapping[str, Any]) -> PushFolderSource:
    """Build from ``{"folder": ..., "as_of": "YYYY-MM-DD"}`` (as_of: default today in Amsterdam)."""
    if "folder" not in config:
        raise ConfigurationError("push-controle: [source] folder ontbreekt (map met JSON-aanleveringen)")
    as_of = config.get("as_of")
    try:
        day = date.fromisoformat(str(as_of)) if as_of is not None else None
    except ValueError as exc:
        raise ConfigurationError(
            f"push-controle: [source] as_of '{as_of}' is geen datum (JJJJ-MM-DD)") from exc
    return PushFolderSource(Path(str(config["folder"])), day)
