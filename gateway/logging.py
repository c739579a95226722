"""structlog set-up: JSON in production, readable in a terminal, never any personal data.

``drop_personal_data`` removes keys that hold personal data (names, BSN, onderwijsnummer,
addresses, contacts: ``gateway.domain.personal_data``) at any depth, and replaces canonical
objects that carry it by their id.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, Literal

import structlog

from gateway.domain.errors import ConfigurationError
from gateway.domain.model import Student
from gateway.domain.personal_data import is_personal
from gateway.domain.ports import OutgoingMelding, StudentDetails

REDACTED = "[verwijderd]"


def _scrub(value: Any) -> Any:
    if isinstance(value, Student | StudentDetails):
        return f"<student {value.student_id if isinstance(value, StudentDetails) else value.id}>"
    if isinstance(value, OutgoingMelding):
        return f"<melding {value.melding_id}>"
    if isinstance(value, Mapping):
        return {k: (REDACTED if is_personal(k) else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(v) for v in value]
    return value


def drop_personal_data(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: drop personal data keys and objects from an event."""
    for key in list(event_dict):
        if is_personal(key):
            del event_dict[key]
        else:
            event_dict[key] = _scrub(event_dict[key])
    return event_dict


# The log levels a person may set (VERZUIM_LOG_LEVEL), lower case as they are written.
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def log_level_number(level: str) -> int:
    """The ``logging`` number of a level name; ``ConfigurationError`` naming the allowed ones."""
    if level.lower() not in LOG_LEVELS:
        raise ConfigurationError(f"logniveau '{level}' (VERZUIM_LOG_LEVEL) bestaat niet; kies uit "
                                 f"{', '.join(LOG_LEVELS)}")
    return logging.getLevelNamesMapping()[level.upper()]


def configure_logging(
    fmt: Literal["json", "console"] = "console", level: str = "info", stream: Any = None
) -> None:
    """Configure structlog globally (called once, at the CLI or API edge); an unknown ``level`` is a
    ``ConfigurationError``."""
    level_number = log_level_number(level)
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            drop_personal_data,
            structlog.processors.format_exc_info
            if fmt == "json"
            else structlog.processors.StackInfoRenderer(),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level_number),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    """A structlog logger bound to a component name."""
    return structlog.get_logger(component=name)
