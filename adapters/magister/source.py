"""The Magister source: re-reads a rolling window, upserts by id, withdraws what vanished.

Magister has no change tracking. Every pull reads, per student, the absence items (``absenties``)
of the window ending today, and the lessons (``afspraken``) of the days not read before (from the
last pull's day on); every ``lesson_recheck_days`` it reads the lessons of the whole window again.
Lessons of new days are yielded as records with a stable id (person + lesson); on days read before,
only a lesson whose absence changed (a correction, a new or a removed absence) is yielded again,
under the same id, so a daily pull of a large college costs a day, not the window. Ids seen earlier
on days whose lessons were read again and gone now (a lesson taken off the timetable) are withdrawn.

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
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import structlog

from adapters.magister.client import CountMismatch, MagisterClient
from adapters.magister.config import MagisterConfig
from adapters.magister.convert import (
    Mark,
    Person,
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


def _pack(value: Any) -> str:
    """JSON, zlib, base64: what the cursor carries."""
    packed = zlib.compress(json.dumps(value, sort_keys=True, separators=(",", ":")).encode(), 6)
    return base64.urlsafe_b64encode(packed).decode("ascii")


def _unpack(text: str) -> Any:
    try:
        return json.loads(zlib.decompress(base64.urlsafe_b64decode(text.encode("ascii"))))
    except (ValueError, TypeError, AttributeError, binascii.Error, zlib.error) as exc:
        raise InvalidInput(f"onleesbare cursor ({type(exc).__name__})", where="magister") from exc


class SeenIds(Mapping[str, str]):
    """The record ids a pull has seen, by lesson day (id -> ISO day), packed per day: a daily pull
    unpacks only the days whose lessons it reads again and passes the others on as they came (a
    month of a 20,000-student college is some 2 M ids)."""

    def __init__(self, brin: str, packed: Mapping[str, str] | None = None) -> None:
        self.brin = brin
        self._prefix = tenant_prefix(brin)
        self._packed = dict(packed or {})
        self._plain: dict[str, dict[str, set[int]]] = {}

    @classmethod
    def of(cls, brin: str, ids: Mapping[str, str]) -> SeenIds:
        """Seen ids from a plain mapping (id -> ISO day)."""
        seen = cls(brin)
        for rid, day in ids.items():
            seen.add(rid, day)
        return seen

    def days(self) -> list[str]:
        """The days with ids, in order."""
        return sorted(set(self._packed) | set(self._plain))

    def _day(self, day: str) -> dict[str, set[int]]:
        if day not in self._plain:
            text = self._packed.pop(day, None)
            plain = _unpack(text) if text else {}
            try:
                self._plain[day] = {str(person): {int(a) for a in ids} for person, ids in plain.items()}
            except (AttributeError, TypeError, ValueError) as exc:
                raise InvalidInput(f"onleesbare cursor (dag {day})", where="magister") from exc
        return self._plain[day]

    def on(self, day: str) -> Iterator[tuple[int, str]]:
        """(person id, record id) of every id seen on ``day``."""
        for person, ids in self._day(day).items():
            for afspraak in sorted(ids):
                yield int(person), record_id(self.brin, int(person), afspraak)

    def _split(self, rid: str) -> tuple[str, int]:
        person, _, afspraak = rid.removeprefix(self._prefix).partition(":")
        return person, int(afspraak)

    def add(self, rid: str, day: str) -> None:
        """Remember ``rid`` on ``day``."""
        person, afspraak = self._split(rid)
        self._day(day).setdefault(person, set()).add(afspraak)

    def discard(self, rid: str, day: str) -> None:
        """Forget ``rid`` (withdrawn) on ``day``."""
        person, afspraak = self._split(rid)
        self._day(day).get(person, set()).discard(afspraak)

    def keep_from(self, first: str) -> None:
        """Forget the days before ``first`` (the next window cannot reach them)."""
        for day in [d for d in self.days() if d < first]:
            self._packed.pop(day, None)
            self._plain.pop(day, None)

    def packed(self) -> dict[str, str]:
        """Per day the packed ids: days not unpacked go out as they came."""
        out = dict(self._packed)
        for day, persons in self._plain.items():
            if any(persons.values()):
                out[day] = _pack({p: sorted(ids) for p, ids in persons.items() if ids})
        return dict(sorted(out.items()))

    def __getitem__(self, rid: str) -> str:
        person, afspraak = self._split(rid)
        for day in self.days():
            if afspraak in self._day(day).get(person, ()):
                return day
        raise KeyError(rid)

    def __iter__(self) -> Iterator[str]:
        for day in self.days():
            for _, rid in self.on(day):
                yield rid

    def __len__(self) -> int:
        return sum(len(ids) for day in self.days() for ids in self._day(day).values())


@dataclass(frozen=True)
class Cursor:
    """Where the last ingested pull ended, the record ids it had seen (id -> lesson day), the day
    it last read the lessons of its whole window (``checked``; None: never), and the lessons of the
    window that were absent or late (``marked``: id -> ``Mark``)."""

    until: date
    seen: Mapping[str, str] = field(default_factory=dict)
    checked: date | None = None
    marked: dict[str, Mark] = field(default_factory=dict)


def _pack_marked(brin: str, marked: dict[str, Mark]) -> str:
    prefix = tenant_prefix(brin)
    return _pack({rid.removeprefix(prefix): list(mark) for rid, mark in marked.items()})


def _unpack_marked(brin: str, text: str) -> dict[str, Mark]:
    prefix = tenant_prefix(brin)
    return {prefix + key: (str(m[0]), str(m[1]), str(m[2]), str(m[3]), m[4], m[5])
            for key, m in _unpack(text).items()}


def encode_cursor(brin: str, cursor: Cursor) -> str:
    """The cursor as text, for the gateway to store with the batch."""
    seen = cursor.seen if isinstance(cursor.seen, SeenIds) else SeenIds.of(brin, cursor.seen)
    data: dict[str, Any] = {"until": cursor.until.isoformat(), "seen_days": seen.packed(),
                            "marked": _pack_marked(brin, cursor.marked)}
    if cursor.checked is not None:
        data["checked"] = cursor.checked.isoformat()
    return json.dumps(data)


def _old_seen(brin: str, text: str) -> SeenIds:
    """``seen`` as cursors carried it before it was packed per day: one blob, day -> person -> ids."""
    seen = SeenIds(brin)
    for day, persons in _unpack(text).items():
        for person, ids in persons.items():
            for afspraak in ids:
                seen.add(record_id(brin, int(person), int(afspraak)), str(date.fromisoformat(day)))
    return seen


def parse_cursor(cursor: str | None, brin: str) -> Cursor | None:
    """The previous pull's cursor, or None for a full pull. A cursor from before the seen ids
    travelled in it has only ``until``: nothing is known to withdraw on that one pull."""
    if not cursor:
        return None
    try:
        data = json.loads(cursor)
        until = date.fromisoformat(data["until"])
        if "seen_days" in data:
            seen = SeenIds(brin, {str(day): str(text) for day, text in data["seen_days"].items()})
        else:
            seen = _old_seen(brin, data["seen"]) if "seen" in data else SeenIds(brin)
        # Without "checked" (an older cursor) the next pull reads the lessons of its whole window.
        checked = date.fromisoformat(data["checked"]) if "checked" in data else None
        marked = _unpack_marked(brin, data["marked"]) if "marked" in data else {}
    except (InvalidInput, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise InvalidInput(f"onbekende cursor {cursor[:80]!r}", where="magister") from exc
    return Cursor(until=until, seen=seen, checked=checked, marked=marked)


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

    def lesson_window(self, previous: Cursor | None, window: Window) -> Window:
        """The days whose lessons this pull reads: the whole window on a first pull, after an older
        cursor, or when the last full read is ``lesson_recheck_days`` old; else the days after the
        last pull's (empty when it was today: start after end). Absences of those earlier days are
        read every time; a lesson added to or taken off one waits for the recheck."""
        if previous is None or previous.checked is None:
            return window
        if (window.end - previous.checked).days >= self.config.lesson_recheck_days:
            return window
        return Window(start=max(window.start, previous.until + timedelta(days=1)), end=window.end)

    def fetch(self, cursor: str | None, progress: Progress = no_progress) -> SourceBatch:
        """Read the window and return the records that are new or changed in it, plus the ids that
        vanished from it; ``progress`` hears the students read so far (two requests each: the slow
        part, made ``concurrency`` at a time)."""
        previous = parse_cursor(cursor, self.config.brin)
        window = self.window(previous)
        lessons = self.lesson_window(previous, window)
        marked = _by_person(previous.marked if previous is not None else {}, self.config.brin)
        problems: list[SourceProblem] = []
        students: list[Student] = []
        records: list[AttendanceRecord] = []
        held: set[str] = set()
        marks: dict[str, Mark] = {}
        complete: set[int] = set()  # persons whose window was read in full
        people = self._people(students, problems)

        def read(person: Person) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | CountMismatch:
            try:
                return (self.client.get_window(f"/api/personen/{person.person_id}/afspraken",
                                               lessons.start, lessons.end)
                        if lessons.start <= lessons.end else [],
                        self.client.get_window(f"/api/personen/{person.person_id}/absenties",
                                               window.start, window.end))
            except CountMismatch as exc:
                return exc

        progress(0, len(people))
        pool = ThreadPoolExecutor(max_workers=self.config.concurrency)
        try:
            # ``map`` keeps the students' order; a failure other than a count mismatch ends the pull
            # (the students not yet read are cancelled, not read in vain).
            for done, (person, answer) in enumerate(zip(people, pool.map(read, people), strict=True)):
                progress(done, len(people))
                if isinstance(answer, CountMismatch):
                    problems.append(SourceProblem(where=f"leerling {person.student_id}", message=str(answer)))
                    marks.update(marked.get(person.person_id, {}))
                    continue
                afspraken, absenties = answer
                result = person_records(person, afspraken=afspraken, absenties=absenties,
                                        mapping=self.mapping, until=window.end,
                                        lessons_from=lessons.start if previous is not None else None,
                                        marked=marked.get(person.person_id, {}))
                records.extend(result.records)
                problems.extend(result.problems)
                held |= result.held_ids
                marks.update(result.marks)
                complete.add(person.person_id)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        progress(len(people), len(people))
        seen = previous.seen if previous is not None else {}
        if not isinstance(seen, SeenIds):
            seen = SeenIds.of(self.config.brin, seen)
        gone = _vanished(seen, lessons, records, held, complete)
        withdrawn = sorted(gone)
        log.info("magister.fetched", start=str(window.start), end=str(window.end),
                 lessons_from=str(lessons.start), students=len(students), records=len(records),
                 withdrawn=len(withdrawn), problems=len(problems), requests=self.client.requests)
        first = (window.end - timedelta(days=self.config.window_days)).isoformat()
        checked = window.end if lessons == window else previous.checked if previous is not None else None
        after = Cursor(until=window.end, seen=self._still_seen(seen, gone, records, lessons),
                       checked=checked, marked={rid: m for rid, m in marks.items() if m[0] >= first})
        return SourceBatch(mapping=self.mapping.stamp, students=students, records=records,
                           withdrawn_record_ids=withdrawn,
                           calendar=self.config.load_calendar(),
                           cursor=encode_cursor(self.config.brin, after), problems=problems)

    def _people(self, students: list[Student], problems: list[SourceProblem]) -> list[Person]:
        """The student list: each readable student goes into ``students``, the others into
        ``problems``; the persons whose lessons are read next."""
        people: list[Person] = []
        for item in self.client.get_paged("/api/leerlingen"):
            try:
                student = to_student(item, self.config.brin, self.today())
                person_id = int(item["Id"])
            except (InvalidInput, KeyError, TypeError, ValueError) as exc:
                problems.append(SourceProblem(where=getattr(exc, "where", None) or "leerlingen",
                                              message=str(exc)))
                continue
            students.append(student)
            people.append(Person(self.config.brin, person_id, student.id))
        return people

    def _still_seen(self, seen: SeenIds, gone: dict[str, str], records: list[AttendanceRecord],
                    lessons: Window) -> SeenIds:
        """What the next pull must remember: the ids seen minus those withdrawn, plus the records of
        the days whose lessons this pull read (a record of an earlier day was seen when that day
        was read), limited to the days the next window can reach."""
        for rid, day in gone.items():
            seen.discard(rid, day)
        first, last = lessons.start.isoformat(), lessons.end.isoformat()
        for r in records:
            day = r.date.isoformat()
            if first <= day <= last:
                seen.add(r.id, day)
        seen.keep_from((lessons.end - timedelta(days=self.config.window_days)).isoformat())
        return seen

    def close(self) -> None:
        """Release the HTTP connections."""
        self.client.close()


def _by_person(marked: dict[str, Mark], brin: str) -> dict[int, dict[str, Mark]]:
    """The remembered absent or late lessons, per Magister person id."""
    prefix = tenant_prefix(brin)
    out: dict[int, dict[str, Mark]] = defaultdict(dict)
    for rid, mark in marked.items():
        person, _, _ = rid.removeprefix(prefix).partition(":")
        out[int(person)][rid] = mark
    return out


def _vanished(seen: SeenIds, window: Window, records: list[AttendanceRecord], held: set[str],
              complete: set[int]) -> dict[str, str]:
    """Ids (-> day) seen before on a day of ``window`` that this pull did not yield. Only persons
    whose window was read in full (``complete``) count, and held-back ids are not gone."""
    if not complete:
        return {}
    current = {r.id for r in records}
    start, end = window.start.isoformat(), window.end.isoformat()
    return {rid: day for day in seen.days() if start <= day <= end
            for person, rid in seen.on(day)
            if person in complete and rid not in current and rid not in held}

