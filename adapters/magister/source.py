"""The Magister source: re-reads a rolling window, upserts by id, withdraws what vanished.

Magister has no change tracking. Every pull reads, per student, the lessons (``afspraken``) and
absence items (``absenties``) of the window ending today, and yields every lesson as a record with
a stable id (person + lesson), so a correction replaces the earlier record. Ids seen earlier in
the window that are gone now (a lesson taken off the timetable) are reported as withdrawn.

The ids seen travel in the cursor, not in a file: the gateway stores a batch's cursor in the same
transaction as the batch, so what the adapter remembers is exactly what was ingested. A rejected or
crashed ingest leaves the previous cursor, and the next pull withdraws the vanished ids again.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import structlog

from adapters.magister.client import CountMismatch, MagisterClient
from adapters.magister.config import MagisterConfig
from adapters.magister.convert import (
    Person,
    person_prefix,
    person_records,
    record_id,
    tenant_prefix,
    to_student,
)
from gateway.domain.calendar import school_year_start
from gateway.domain.errors import InvalidInput
from gateway.domain.model import AttendanceRecord, Student
from gateway.domain.ports import SourceBatch, SourceProblem
from gateway.domain.progress import Progress, no_progress
from gateway.intake.mapping import CodeMapping, late_minutes, load_code_mapping

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Window:
    """The days one pull reads (inclusive)."""

    start: date
    end: date


@dataclass(frozen=True)
class Cursor:
    """Where the last ingested pull ended, and the record ids it had seen (id -> lesson day)."""

    until: date
    seen: dict[str, str] = field(default_factory=dict)


def _pack_seen(brin: str, seen: dict[str, str]) -> str:
    """Seen ids, grouped by day and person and compressed: a window of a large school stays small."""
    by_day: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    prefix = tenant_prefix(brin)
    for rid, day in seen.items():
        person, _, afspraak = rid.removeprefix(prefix).partition(":")
        by_day[day][person].append(int(afspraak))
    plain = {day: {person: sorted(ids) for person, ids in persons.items()} for day, persons in by_day.items()}
    packed = zlib.compress(json.dumps(plain, sort_keys=True, separators=(",", ":")).encode(), 9)
    return base64.urlsafe_b64encode(packed).decode("ascii")


def _unpack_seen(brin: str, text: str) -> dict[str, str]:
    plain = json.loads(zlib.decompress(base64.urlsafe_b64decode(text.encode("ascii"))))
    return {record_id(brin, int(person), int(afspraak)): str(date.fromisoformat(day))
            for day, persons in plain.items() for person, ids in persons.items() for afspraak in ids}


def encode_cursor(brin: str, cursor: Cursor) -> str:
    """The cursor as text, for the gateway to store with the batch."""
    return json.dumps({"until": cursor.until.isoformat(), "seen": _pack_seen(brin, cursor.seen)})


def parse_cursor(cursor: str | None, brin: str) -> Cursor | None:
    """The previous pull's cursor, or None for a full pull. A cursor from before the seen ids
    travelled in it has only ``until``: nothing is known to withdraw on that one pull."""
    if not cursor:
        return None
    try:
        data = json.loads(cursor)
        until = date.fromisoformat(data["until"])
        seen = _unpack_seen(brin, data["seen"]) if "seen" in data else {}
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, zlib.error) as exc:
        raise InvalidInput(f"onbekende cursor {cursor[:80]!r}", where="magister") from exc
    return Cursor(until=until, seen=seen)


class MagisterSource:
    """``gateway.domain.ports.Source`` over one Magister tenant."""

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
        late_minutes(self.mapping)  # a bad school setting stops the adapter here, not mid-pull
        if config.state_file is not None:
            log.warning("magister.state_file_ignored", reason="seen ids travel in the cursor")

    # --- the pull -----------------------------------------------------------------------------

    def today(self) -> date:
        """The adapter's clock (fixed in tests and the demo)."""
        return self.config.today or date.today()

    def window(self, previous: Cursor | None) -> Window:
        """Full pull: from ``since``; later pulls: ``window_days`` before the last pull's end."""
        today = self.today()
        if previous is None:
            start = self.config.since or school_year_start(today)
        else:
            start = min(previous.until, today) - timedelta(days=self.config.window_days)
            if self.config.since:
                start = max(start, self.config.since)
        return Window(start=min(start, today), end=today)

    def fetch(self, cursor: str | None, progress: Progress = no_progress) -> SourceBatch:
        """Read the window and return every record in it, plus the ids that vanished from it;
        ``progress`` hears the students read so far (two requests each: the slow part)."""
        previous = parse_cursor(cursor, self.config.brin)
        window = self.window(previous)
        problems: list[SourceProblem] = []
        students: list[Student] = []
        records: list[AttendanceRecord] = []
        held: set[str] = set()
        complete: list[str] = []  # students whose window was read in full
        items = self.client.get_paged("/api/leerlingen")
        for done, item in enumerate(items):
            progress(done, len(items))
            try:
                student = to_student(item, self.config.brin, self.today())
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
            result = person_records(Person(self.config.brin, person_id, student.id), afspraken=afspraken,
                                    absenties=absenties, mapping=self.mapping, until=window.end)
            records.extend(result.records)
            problems.extend(result.problems)
            held |= result.held_ids
            complete.append(person_prefix(self.config.brin, person_id))
        progress(len(items), len(items))
        seen = previous.seen if previous is not None else {}
        withdrawn = vanished(seen, window, records, held, tuple(complete))
        log.info("magister.fetched", start=str(window.start), end=str(window.end), students=len(students),
                 records=len(records), withdrawn=len(withdrawn), problems=len(problems),
                 requests=self.client.requests)
        after = Cursor(until=window.end, seen=self._still_seen(seen, withdrawn, records, window))
        return SourceBatch(mapping=self.mapping.stamp, students=students, records=records,
                           withdrawn_record_ids=withdrawn,
                           calendar=self.config.load_calendar(),
                           cursor=encode_cursor(self.config.brin, after), problems=problems)

    def _still_seen(self, seen: dict[str, str], withdrawn: list[str], records: list[AttendanceRecord],
                    window: Window) -> dict[str, str]:
        """What the next pull must remember: the ids seen minus those withdrawn, plus this pull's,
        limited to the days the next window can reach (it starts ``window_days`` before this end)."""
        first = (window.end - timedelta(days=self.config.window_days)).isoformat()
        gone = set(withdrawn)
        kept = {rid: day for rid, day in seen.items() if rid not in gone}
        kept.update({r.id: r.date.isoformat() for r in records})
        return {rid: day for rid, day in kept.items() if day >= first}

    def close(self) -> None:
        """Release the HTTP connections."""
        self.client.close()


def vanished(seen: dict[str, str], window: Window, records: list[AttendanceRecord], held: set[str],
             complete: tuple[str, ...]) -> list[str]:
    """Ids seen before on a day of ``window`` that this pull did not yield. Only students whose
    window was read in full (``complete``: id prefixes) count, and held-back ids are not gone."""
    if not complete:
        return []
    current = {r.id for r in records}
    start, end = window.start.isoformat(), window.end.isoformat()
    return sorted(rid for rid, day in seen.items()
                  if start <= day <= end and rid not in current and rid not in held
                  and rid.startswith(complete))
