"""A school's calendar file (JSON) as both source adapters import it: within the JSON limits,
validated, and every failure one Dutch ``ConfigurationError`` naming the file."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from gateway.domain.errors import ConfigurationError, InvalidInput
from gateway.domain.model import Calendar
from gateway.intake.jsonsafe import MIB, read_json_file
from gateway.intake.validation import describe

# A school year's calendar is a few KiB; a larger file is not a calendar.
MAX_CALENDAR_BYTES = 4 * MIB


def read_calendar(path: Path, *, max_bytes: int = MAX_CALENDAR_BYTES) -> Calendar:
    """The calendar in ``path``; ``ConfigurationError`` if it is too large, too deep or invalid."""
    where = f"kalender {path}"
    try:
        return Calendar.model_validate(read_json_file(path, max_bytes=max_bytes, where=where))
    except InvalidInput as exc:
        raise ConfigurationError(str(exc)) from exc
    except ValidationError as exc:
        raise ConfigurationError(f"{where}: geen geldige kalender: {describe(exc)}") from exc
