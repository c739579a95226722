"""The Eduarte source: reads the newest complete export snapshot from the drop folder, by what changed.

Exports are full snapshots without change dates, so the adapter keeps what it last delivered (see
``adapters.eduarte.state``; the cursor names it) and compares. The small exports (deelnemers,
absentiemeldingen) are read whole; a deelnemer goes into the batch when its row reads differently.
Of the waarnemingen, a college's year of lines, only new or changed lines are parsed and joined
(``adapters.eduarte.lines``), plus the lines whose records may have changed although the lines did
not: a deelnemer's lines on the days a new, changed or removed report of theirs covers (a report
explains lessons by time), their lines linked to a report, every line of a deelnemer who appeared or
vanished, and the lines held back before. An id that was in the previous export and is gone now is
withdrawn. A row held back (it could not be read) is not gone: its earlier version stands until a
readable one arrives. Without a usable state (a first pull, a lost or damaged state file, other settings) the
whole export is read, and withdrawals are found by reading the previous snapshot, if still there.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path

import numpy as np
import structlog
from numpy.typing import NDArray

from adapters.eduarte import state as states
from adapters.eduarte.config import EduarteConfig
from adapters.eduarte.deelnemers import parse_student
from adapters.eduarte.exports import Row, export_path, parse_row, read_rows, snapshots
from adapters.eduarte.join import (
    Exports,
    Joiner,
    JoinResult,
    Period,
    broken_melding,
    join_some,
    parse_melding,
    parse_waarneming,
    prepare,
    record_id,
)
from adapters.eduarte.lines import (
    IN_IDS,
    LINKED,
    REREAD,
    LineIndex,
    LineInfo,
    ScanResult,
    file_unchanged,
    scan,
)
from gateway.domain.errors import InvalidInput, SourceError
from gateway.domain.model import AttendanceRecord, Student
from gateway.domain.ports import SourceBatch, SourceProblem
from gateway.domain.progress import Progress, no_progress
from gateway.intake.mapping import CodeMapping, late_minutes, load_code_mapping

log = structlog.get_logger(__name__)
Sink = Callable[[list[AttendanceRecord]], None]
_ALWAYS = date.max.toordinal()  # the last day of an open-ended report, or of one without a period


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _days(period: Period | None) -> tuple[int, int]:
    """The days (date ordinals) a report may cover: all of them when its period is unknown."""
    if period is None:
        return 0, _ALWAYS
    return period.start.date().toordinal(), period.end.date().toordinal() if period.end else _ALWAYS


def _discard(records: list[AttendanceRecord]) -> None:
    """Records of a snapshot read only for its ids."""


@dataclass
class ReadStats:
    """How much of the newest export a pull read (the waarnemingen file)."""

    lines: int = 0  # data lines in the export
    rows_read: int = 0  # lines parsed and joined; the others were recognised by their hash
    file_skipped: bool = False  # the file was byte for byte the last one: not even hashed
    full: bool = True  # read whole: there was nothing usable to compare with
    seconds: dict[str, float] = field(default_factory=dict)  # per stage, for benchmarks and logs


@dataclass
class _Read:
    """One snapshot read against a previous state."""

    state: states.ExportState
    students: list[Student]
    problems: list[SourceProblem]
    scan: ScanResult
    unnamed: list[str] = field(default_factory=list)  # observation lines without a readable id
    file_skipped: bool = False
    seconds: dict[str, float] = field(default_factory=dict)


class EduarteSource:
    """``gateway.domain.ports.Source`` over an Eduarte export drop folder."""

    name = "eduarte"

    def __init__(self, config: EduarteConfig, *, mapping: CodeMapping | None = None) -> None:
        self.config = config
        self.mapping = mapping or load_code_mapping(
            "eduarte", school=config.school_id, overrides=config.code_overrides,
            **({"directory": config.codes_dir} if config.codes_dir else {}))
        late_minutes(self.mapping)  # a bad school setting stops the adapter here, not mid-read
        self.last_read = ReadStats()
        self._prefix = f"eduarte-{config.brin}"

    def _rows(self, stamp: str, kind: str) -> Iterator[Row]:
        cfg = self.config
        try:
            yield from read_rows(export_path(cfg.drop_folder, kind, stamp), kind, cfg.encoding, cfg.delimiter)
        except InvalidInput as exc:
            raise SourceError(f"Eduarte-export onbruikbaar: {exc}") from exc

    def _settings(self, stamp: str) -> str:
        """How a snapshot is read: another brin, code mapping or layout makes every line read again."""
        cfg = self.config
        path = export_path(cfg.drop_folder, "waarnemingen", stamp)
        try:
            with path.open("rb") as handle:
                header = handle.readline(64 * 1024)
        except OSError as exc:
            raise SourceError(f"Eduarte-export onbruikbaar: {path.name}: niet te lezen ({exc.strerror})"
                              ) from exc
        return _digest(json.dumps([states.STATE_VERSION, cfg.brin, self.mapping.stamp, cfg.require_handled,
                                   cfg.encoding, cfg.delimiter, header.hex()]))

    def _small_exports(self, stamp: str, problems: list[SourceProblem]) -> tuple[
            Exports, dict[str, str], dict[str, tuple[str, int, int]]]:
        """Deelnemers and reports, read whole, with a hash per deelnemer,
        and per report row (its hash) the deelnemer (``""``: none) and the days it may cover."""
        cfg = self.config
        exports = Exports()
        exported_on = datetime.strptime(stamp, "%Y%m%dT%H%M%S").date()  # a verbintenis ended before it
        students: dict[str, str] = {}
        for row in self._rows(stamp, "deelnemers"):
            student = parse_row(row, lambda v: parse_student(v, cfg.brin, exported_on), problems)
            if student is not None:
                number = row.values["deelnemernummer"]
                exports.students[number] = student
                students[number] = _digest(student.model_dump_json())
        reports: dict[str, tuple[str, int, int]] = {}
        for row in self._rows(stamp, "absentiemeldingen"):
            melding = parse_row(row, partial(parse_melding, where=row.where), problems)
            if melding is not None:
                exports.meldingen.append(melding)
                period: Period | None = melding
            else:
                broken = broken_melding(row.values, row.where, readable=row.error is None)
                exports.broken.append(broken)
                period = broken.period
            key = _digest(json.dumps([sorted(row.values.items()), row.error is not None]))
            reports[key] = (row.values.get("deelnemernummer") or "", *_days(period))
        return exports, students, reports

    def _handler(self, joiner: Joiner, problems: list[SourceProblem], unnamed: list[str],
                 sink: Sink) -> Callable[[list[Row]], list[LineInfo]]:
        """Parse and join waarnemingen rows; say per row what it was (record, held back, unreadable)."""
        brin = self.config.brin

        def handle(rows: list[Row]) -> list[LineInfo]:
            waarnemingen, pending = [], []
            for row in rows:
                wid = row.values.get("id") or None
                rid = record_id(brin, wid) if wid else None
                w = parse_row(row, partial(parse_waarneming, where=row.where), problems, record_id=rid)
                if w is not None:
                    waarnemingen.append(w)
                elif rid is None:
                    unnamed.append(row.where)
                pending.append((wid, row.values.get("deelnemernummer") or None, rid, w))
            result = JoinResult()
            join_some(joiner, waarnemingen, brin, result)
            problems.extend(result.problems)
            sink(result.records)
            produced = {r.id for r in result.records}
            infos = []
            for wid, number, rid, w in pending:
                if rid is None:
                    infos.append(LineInfo(None, number, REREAD))
                    continue
                held = w is None or rid in result.held_ids  # not gone: it must not read as withdrawn
                flags = (IN_IDS if held or rid in produced else 0) | (REREAD if held else 0)
                if w is not None and w.melding_id:
                    flags |= LINKED
                infos.append(LineInfo(wid, number, flags, w.day.toordinal() if w is not None else 0))
            return infos

        return handle

    def _reread(self, previous: states.ExportState | None, settings: str, students: dict[str, str],
                reports: dict[str, tuple[str, int, int]], everything: bool) -> NDArray[np.bool_] | None:
        """Which lines of the previous export to read again even if unchanged; None: no previous.
        Besides the lines held back: every line of a deelnemer who appeared or vanished, and of a
        deelnemer whose reports changed the lines on the days the old or new report covers (a
        report explains lessons by time) and the lines linked to a report (by id)."""
        if previous is None:
            return None
        old = previous.lines
        changed = [reports.get(k) or previous.reports[k] for k in reports.keys() ^ previous.reports.keys()]
        if everything or previous.settings != settings or any(not n for n, _, _ in changed):
            return np.ones(len(old), dtype=bool)  # another way of reading, or a report of anyone
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for number in students.keys() ^ previous.students.keys():
            spans[number].append((0, _ALWAYS))
        for number, first, last in changed:
            spans[number].append((first, last))
        reread: NDArray[np.bool_] = (old.flags & REREAD) != 0
        code_of = {n: i for i, n in enumerate(old.numbers)}
        codes = np.array([code_of[n] for n in spans if n in code_of], dtype=np.uint32)
        lines = np.flatnonzero(np.isin(old.students, codes))
        lines = lines[np.argsort(old.students[lines], kind="stable")]
        bounds = np.searchsorted(old.students[lines], codes, side="left"), np.searchsorted(
            old.students[lines], codes, side="right")
        for code, lo, hi in zip(codes.tolist(), *bounds, strict=True):
            mine = lines[lo:hi]
            days, linked = old.days[mine], (old.flags[mine] & LINKED) != 0
            hit = linked | (days == 0)
            for first, last in spans[old.numbers[code]]:
                hit |= (days >= first) & (days <= last)
            reread[mine[hit]] = True
        return reread

    def _read(self, stamp: str, previous: states.ExportState | None, sink: Sink, *,
              reread_all: bool = False) -> _Read:
        """Read snapshot ``stamp`` against ``previous`` (None: read everything)."""
        cfg = self.config
        problems: list[SourceProblem] = []
        started = time.perf_counter()
        exports, students, reports = self._small_exports(stamp, problems)
        joiner = prepare(exports, mapping=self.mapping, require_handled=cfg.require_handled,
                         problems=problems)
        settings = self._settings(stamp)
        reread = self._reread(previous, settings, students, reports, reread_all)
        old = previous.lines if previous is not None else LineIndex.empty()
        path = export_path(cfg.drop_folder, "waarnemingen", stamp)
        read = _Read(state=states.ExportState(stamp, settings, students, reports), students=[],
                     problems=problems, scan=ScanResult(old))
        read.seconds["deelnemers en absentiemeldingen"] = time.perf_counter() - started
        started = time.perf_counter()
        if (previous is not None and reread is not None and not reread.any() and previous.file[1]
                and file_unchanged(path, *previous.file)):
            read.scan = ScanResult(old, lines=len(old), sha256=previous.file[1])
            read.file_skipped = True
        else:
            try:
                read.scan = scan(path, "waarnemingen", encoding=cfg.encoding, delimiter=cfg.delimiter,
                                 previous=old, reread=reread,
                                 handle=self._handler(joiner, problems, read.unnamed, sink))
            except InvalidInput as exc:
                raise SourceError(f"Eduarte-export onbruikbaar: {exc}") from exc
        read.seconds["waarnemingen"] = time.perf_counter() - started
        read.state.file = (path.stat().st_size, read.scan.sha256)
        read.state.lines = read.scan.index
        same = previous is not None and previous.settings == settings and not reread_all
        known = previous.students if previous is not None and same else {}
        read.students = [s for n, s in exports.students.items() if known.get(n) != students[n]]
        return read

    def _previous(self, cursor: str | None, stamps: list[str], progress: Progress) -> tuple[
            states.ExportState | None, list[SourceProblem], int]:
        """The state to compare with: the one the cursor names, else the previous snapshot read whole
        (if still there). Returns it, what people should know, and the snapshots read so far."""
        folder = self.config.state_folder()
        stamp, name = states.split_cursor(cursor)
        if not cursor or stamp is None:
            return None, [], 0
        if name is None:
            reason = "de cursor noemt geen toestand (van een eerdere versie)"
        else:
            try:
                return states.load(folder, name), [], 0
            except states.StateUnusable as exc:
                reason = exc.reason
        log.warning("eduarte.state_unusable", reason=reason)
        if stamp not in stamps:
            return None, [SourceProblem(where=str(folder), message=(
                f"{reason}; vorige export {stamp} is niet meer aanwezig: de hele export is gelezen, "
                "ingetrokken waarnemingen zijn niet te bepalen"))], 0
        progress(0, 2)
        previous = self._read(stamp, None, _discard).state
        return previous, [SourceProblem(where=str(folder), message=(
            f"{reason}; de hele export is gelezen en vergeleken met de vorige export {stamp}"))], 1

    def _keep_state(self, current: states.ExportState, cursor: str | None) -> str | None:
        """Write the new state, keep the one the stored cursor names, drop the rest; the name."""
        folder = self.config.state_folder()
        try:
            name = states.save(current, folder, self._prefix)
            states.prune(folder, self._prefix, {name, states.split_cursor(cursor)[1] or ""})
        except OSError as exc:  # the next pull reads everything again: slower, not wrong
            log.warning("eduarte.state_not_written", folder=str(folder), error=exc.strerror)
            return None
        return name

    def fetch(self, cursor: str | None, progress: Progress = no_progress) -> SourceBatch:
        """What changed in the newest snapshot since the one ``cursor`` names; an empty batch when
        there is no newer one. ``progress`` hears the snapshots read (two when one is read whole
        to compare with)."""
        folder = self.config.drop_folder
        if not folder.is_dir():
            raise SourceError(f"aflevermap {folder} bestaat niet")
        stamps = snapshots(folder)
        if not stamps or stamps[-1] == states.split_cursor(cursor)[0]:
            return SourceBatch(cursor=cursor, mapping=self.mapping.stamp)
        previous, notes, done = self._previous(cursor, stamps, progress)
        total = done + 1
        progress(done, total)
        records: list[AttendanceRecord] = []
        current = self._read(stamps[-1], previous, records.extend, reread_all=bool(notes))
        progress(total, total)
        problems = notes + current.problems
        withdrawn: list[str] = []
        if previous is not None and current.unnamed:
            # A line without a readable id may be any observation: withdrawing would be a guess.
            problems.append(SourceProblem(
                where=current.unnamed[0], message="waarneming zonder leesbaar id; ingetrokken waarnemingen "
                "zijn in deze export niet te bepalen"))
        elif previous is not None:
            withdrawn = [record_id(self.config.brin, wid) for wid in current.scan.gone]
        started = time.perf_counter()
        name = self._keep_state(current.state, cursor)
        current.seconds["toestand bewaren"] = time.perf_counter() - started
        self.last_read = ReadStats(lines=current.scan.lines, rows_read=current.scan.rows_read,
                                   file_skipped=current.file_skipped, full=previous is None or bool(notes),
                                   seconds=current.seconds)
        log.info("eduarte.fetched", snapshot=current.state.stamp, lines=current.scan.lines,
                 rows_read=current.scan.rows_read, students=len(current.students), records=len(records),
                 withdrawn=len(withdrawn), problems=len(problems), full=self.last_read.full)
        return SourceBatch(mapping=self.mapping.stamp, students=current.students, records=records,
                           withdrawn_record_ids=withdrawn, calendar=self.config.load_calendar(),
                           cursor=states.make_cursor(current.state.stamp, name), problems=problems)

    def baseline(self, stamp: str | None = None) -> SourceBatch:
        """Snapshot ``stamp``'s (default: the newest) students and calendar, with a cursor as if its
        attendance had been delivered: for a store that already holds that attendance (and benchmarks)."""
        stamps = snapshots(self.config.drop_folder)
        if not stamps or (stamp is not None and stamp not in stamps):
            raise SourceError(f"geen volledige export {stamp or ''} in {self.config.drop_folder}")
        current = self._read(stamp or stamps[-1], None, _discard)
        name = self._keep_state(current.state, None)
        return SourceBatch(mapping=self.mapping.stamp, students=current.students,
                           calendar=self.config.load_calendar(),
                           cursor=states.make_cursor(current.state.stamp, name), problems=current.problems)

    def close(self) -> None:
        """Nothing to release (files are closed after reading)."""


def state_files(config: EduarteConfig) -> list[Path]:
    """The state files this source keeps (for people looking into the state folder)."""
    return sorted(config.state_folder().glob(f"eduarte-{config.brin}-*.npz"))
