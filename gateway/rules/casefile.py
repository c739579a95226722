"""Reading and validating an evaluate case file, with errors that name the field and the record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gateway.domain.errors import InvalidInput
from gateway.domain.model import CaseFile
from gateway.intake.validation import dutch_message, parse_json

# Validation problems named in one error; a badly broken file would otherwise give a wall of text.
_SHOWN_PROBLEMS = 10


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """``attendance[12] (id 'L13'), veld 'date'`` from a pydantic error location."""
    parts: list[str] = []
    node = data
    field_parts: list[str] = []
    for i, key in enumerate(loc):
        if isinstance(key, int):
            parts[-1] = f"{parts[-1]}[{key}]"
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and "id" in node and i + 1 <= len(loc):
                parts[-1] += f" (id '{node['id']}')"
        elif not parts or field_parts or not isinstance(node, list):
            if isinstance(node, dict) and key in node and isinstance(node[key], (list, dict)):
                parts.append(str(key))
                node = node[key]
            else:
                field_parts.append(str(key))
                node = node.get(key) if isinstance(node, dict) else None
        else:
            field_parts.append(str(key))
    where = ".".join(parts) if parts else "bestand"
    if field_parts:
        where += f", veld '{'.'.join(field_parts)}'"
    return where


def parse_case_file(text: str, source: str = "casefile") -> CaseFile:
    """Parse and validate case-file JSON; raises ``InvalidInput`` naming what is wrong and where.

    Nothing is guessed: an unknown field, a ``"yes"`` for a boolean or a ``"12"`` for a number is
    an error naming the field and the record (``gateway.domain.model``).
    """
    data = parse_json(text, where=source)
    if not isinstance(data, dict):
        raise InvalidInput("verwacht een JSON-object met as_of, calendar, students en attendance",
                           where=source)
    try:
        case = CaseFile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(data, tuple(err['loc']))}: {dutch_message(err)}" for err in exc.errors()]
        shown = problems[:_SHOWN_PROBLEMS]
        more = (f" (en nog {len(problems) - _SHOWN_PROBLEMS} fouten)"
                if len(problems) > _SHOWN_PROBLEMS else "")
        raise InvalidInput("; ".join(shown) + more, where=source) from exc
    _check_references(case, source)
    return case


def _check_references(case: CaseFile, source: str) -> None:
    seen: set[str] = set()
    for i, student in enumerate(case.students):
        if student.id in seen:
            raise InvalidInput(f"students[{i}] (id '{student.id}'): student-id komt twee keer voor",
                               where=source)
        seen.add(student.id)
    for i, record in enumerate(case.attendance):
        if record.student_id not in seen:
            raise InvalidInput(
                f"attendance[{i}] (id '{record.id}'), veld 'student_id': onbekende student "
                f"'{record.student_id}'", where=source)


def load_case_file(path: Path) -> CaseFile:
    """Read a case file from disk (see ``parse_case_file``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"kan het bestand niet lezen ({exc.strerror})", where=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput("het bestand is geen UTF-8-tekst", where=str(path)) from exc
    return parse_case_file(text, source=str(path))
