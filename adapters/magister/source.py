"""The Magister source: re-reads a rolling window, upserts by id, withdraws what vanished.

Magister has no change tracking. Every pull reads, per student, the lessons (``afspraken``) and
absence items (``absenties``) of the window ending today, and yields every lesson as a record with
a stable id (person + lesson), so a correction replaces the earlier record. Ids seen earlier in
the window that are gone now (a lesson taken off the timetable) are reported as withdrawn.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import structlog

from adapters.magister.client import CountMismatch, MagisterClient
from adapters.magister.config import MagisterConfig
from adapters.magister.convert import person_records, to_student
from gateway.errors import InvalidInput, SourceError
from gateway.mapping import CodeMapping, load_code_mapping
from gateway.model import AttendanceRecord, Student
from gateway.ports import SourceBatch, SourceProblem

log = structlog.get_logger(__name__)


def school_year_start(today: date) -> date:
    """1 August of the school year ``today`` falls in."""
    return date(today.year if today.month >= 8 else today.year - 1, 8, 1)


@dataclass(frozen=True)
class Window:
    """The days one pull reads (inclusive)."""

    start: date
    end: date


def parse_cursor(cursor: str | None) -> date | None:
    """The last day a previous pull read up to, or None for a full pull."""
    if not cursor:
        return None
    try:
        return date.fromisoformat(json.loads(cursor)["until"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"onbekende cursor {cursor!r}", where="magister") from exc


class MagisterSource:
    """``gateway.ports.Source`` over one Magister tenant."""

    name = "magister"

    def __init__(self, config: MagisterConfig, *, mapping: CodeMapping | None = None,
                 sleep: Callable[[float], None] | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self.mapping = mapping or load_code_mapping(
            "magister", school=config.school_id, overrides=config.code_overrides,
            **({"directory": config.codes_dir} if config.codes_dir else {}))
        kwargs: dict[str, Any] = {"transport": transport}
        if sleep is not None:
            kwargs["sleep"] = sleep
        self.client = MagisterClient(config, **kwargs)
        self._seen: dict[str, str] = self._load_state()

    # --- state of ids seen, to detect vanished items --------------------------------------

    def _load_state(self) -> dict[str, str]:
        path = self.config.state_file
        if path is None or not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SourceError(f"toestand van de Magister-adapter ({path}) is onleesbaar") from exc
        return {str(k): str(v) for k, v in data.get("seen", {}).items()}

    def _save_state(self) -> None:
        path = self.config.state_file
        if path is None:
            return
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"seen": self._seen}), encoding="utf-8")
        tmp.replace(path)

    # --- the pull -----------------------------------------------------------------------------

    def today(self) -> date:
        """The adapter's clock (fixed in tests and the demo)."""
        return self.config.today or date.today()

    def window(self, cursor: str | None) -> Window:
        """Full pull: from ``since``; later pulls: ``window_days`` before the last pull's end."""
        today = self.today()
        previous = parse_cursor(cursor)
        if previous is None:
            start = self.config.since or school_year_start(today)
        else:
            start = min(previous, today) - timedelta(days=self.config.window_days)
            if self.config.since:
                start = max(start, self.config.since)
        return Window(start=min(start, today), end=today)

    def fetch(self, cursor: str | None) -> SourceBatch:
        """Read the window and return every record in it, plus the ids that vanished from it."""
        window = self.window(cursor)
        problems: list[SourceProblem] = []
        students: list[Student] = []
        records: list[AttendanceRecord] = []
        held: set[str] = set()
        complete: list[str] = []  # students whose window was read in full
        for item in self.client.get_paged("/api/leerlingen"):
            try:
                student = to_student(item, self.config.brin)
                person_id = int(item["Id"])
            except (InvalidInput, KeyError, TypeError, ValueError) as exc:
                problems.append(SourceProblem(where=getattr(exc, "where", None) or "leerlingen",
                                              message=str(exc)))
                continue
            students.append(student)
            try:
                afspraken = self.client.get_window(f"/api/personen/{person_id}/afspraken",
                                                   window.start, window.end)
                absenties = self.client.get_window(f"/api/personen/{person_id}/absenties",
                                                   window.start, window.end)
            except CountMismatch as exc:
                problems.append(SourceProblem(where=f"leerling {student.id}", message=str(exc)))
                continue
            result = person_records(brin=self.config.brin, person_id=person_id, student_id=student.id,
                                    afspraken=afspraken, absenties=absenties, mapping=self.mapping,
                                    until=window.end)
            records.extend(result.records)
            problems.extend(result.problems)
            held |= result.held_ids
            complete.append(f"magister:{self.config.brin}:{person_id}:")
        withdrawn = self._withdrawn(window, records, held, complete)
        log.info("magister.fetched", start=str(window.start), end=str(window.end), students=len(students),
                 records=len(records), withdrawn=len(withdrawn), problems=len(problems),
                 requests=self.client.requests)
        return SourceBatch(students=students, records=records, withdrawn_record_ids=withdrawn,
                           calendar=self.config.load_calendar(),
                           cursor=json.dumps({"until": window.end.isoformat()}), problems=problems)

    def _withdrawn(self, window: Window, records: list[AttendanceRecord], held: set[str],
                   complete: list[str]) -> list[str]:
        current = {r.id for r in records}
        prefixes = tuple(complete)
        start, end = window.start.isoformat(), window.end.isoformat()
        gone = sorted(
            rid for rid, day in self._seen.items()
            if start <= day <= end and rid not in current and rid not in held and rid.startswith(prefixes)
        ) if prefixes else []
        for rid in gone:
            del self._seen[rid]
        self._seen.update({r.id: r.date.isoformat() for r in records})
        self._save_state()
        return gone

    def close(self) -> None:
        """Release the HTTP connections."""
        self.client.close()
