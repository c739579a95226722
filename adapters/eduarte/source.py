"""The Eduarte source: reads the newest complete export snapshot from the drop folder.

Exports are full snapshots, so there is nothing to page: the cursor is the stamp of the snapshot
last read. A newer snapshot yields every record in it; ids that were in the previous snapshot
(still in the folder) and are gone now are reported as withdrawn. A row held back (it could not be
read) is not gone: its earlier version stands until a readable one arrives.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import structlog

from adapters.eduarte.config import EduarteConfig
from adapters.eduarte.deelnemers import parse_student
from adapters.eduarte.exports import Row, export_path, parse_row, read_rows, snapshots
from adapters.eduarte.join import (
    Exports,
    JoinResult,
    broken_melding,
    join,
    parse_melding,
    parse_waarneming,
    record_id,
)
from gateway.domain.errors import InvalidInput, SourceError
from gateway.domain.model import Student
from gateway.domain.ports import SourceBatch, SourceProblem
from gateway.domain.progress import Progress, no_progress
from gateway.intake.mapping import CodeMapping, late_minutes, load_code_mapping

log = structlog.get_logger(__name__)


@dataclass
class Snapshot:
    """One snapshot, read and joined."""

    stamp: str
    students: list[Student] = field(default_factory=list)
    joined: JoinResult = field(default_factory=JoinResult)
    problems: list[SourceProblem] = field(default_factory=list)
    unnamed: list[str] = field(default_factory=list)  # observation lines held back without an id

    def ids(self) -> set[str]:
        """Every record id this snapshot holds: loaded or held back."""
        return {r.id for r in self.joined.records} | self.joined.held_ids


class EduarteSource:
    """``gateway.domain.ports.Source`` over an Eduarte export drop folder."""

    name = "eduarte"

    def __init__(self, config: EduarteConfig, *, mapping: CodeMapping | None = None) -> None:
        self.config = config
        self.mapping = mapping or load_code_mapping(
            "eduarte", school=config.school_id, overrides=config.code_overrides,
            **({"directory": config.codes_dir} if config.codes_dir else {}))
        late_minutes(self.mapping)  # a bad school setting stops the adapter here, not mid-read

    def read(self, stamp: str) -> Snapshot:
        """Read and join the three exports of snapshot ``stamp``."""
        folder, cfg = self.config.drop_folder, self.config
        snap = Snapshot(stamp=stamp)
        problems = snap.problems

        def rows(kind: str) -> Iterator[Row]:
            try:
                yield from read_rows(export_path(folder, kind, stamp), kind, cfg.encoding, cfg.delimiter)
            except InvalidInput as exc:
                raise SourceError(f"Eduarte-export onbruikbaar: {exc}") from exc

        exports = Exports()
        exported_on = datetime.strptime(stamp, "%Y%m%dT%H%M%S").date()  # a verbintenis ended before it
        for row in rows("deelnemers"):
            student = parse_row(row, lambda v: parse_student(v, cfg.brin, exported_on), problems)
            if student is not None:
                exports.students[row.values["deelnemernummer"]] = student
        for row in rows("absentiemeldingen"):
            melding = parse_row(row, partial(parse_melding, where=row.where), problems)
            if melding is not None:
                exports.meldingen.append(melding)
            else:
                exports.broken.append(broken_melding(row.values, row.where, readable=row.error is None))
        held: set[str] = set()
        for row in rows("waarnemingen"):
            rid = record_id(cfg.brin, row.values["id"]) if row.values.get("id") else None
            waarneming = parse_row(row, partial(parse_waarneming, where=row.where), problems, record_id=rid)
            if waarneming is not None:
                exports.waarnemingen.append(waarneming)
            elif rid is not None:
                held.add(rid)  # held back, not gone: must not read as withdrawn
            else:
                snap.unnamed.append(row.where)
        snap.students = list(exports.students.values())
        snap.joined = join(exports, brin=cfg.brin, mapping=self.mapping, require_handled=cfg.require_handled)
        snap.joined.held_ids |= held
        problems.extend(snap.joined.problems)
        return snap

    def fetch(self, cursor: str | None, progress: Progress = no_progress) -> SourceBatch:
        """Everything in the newest snapshot when it is newer than ``cursor``; else an empty batch.
        ``progress`` hears the snapshots read (the newest, and the previous one to compare with)."""
        folder = self.config.drop_folder
        if not folder.is_dir():
            raise SourceError(f"aflevermap {folder} bestaat niet")
        stamps = snapshots(folder)
        if not stamps or stamps[-1] == cursor:
            return SourceBatch(cursor=cursor, mapping=self.mapping.stamp)
        compare = bool(cursor and cursor in stamps and cursor != stamps[-1])
        progress(0, 2 if compare else 1)
        current = self.read(stamps[-1])
        progress(1, 2 if compare else 1)
        withdrawn: list[str] = []
        if cursor and cursor in stamps and current.unnamed:
            # A line without a readable id may be any observation: withdrawing would be a guess.
            current.problems.append(SourceProblem(
                where=current.unnamed[0], message="waarneming zonder leesbaar id; ingetrokken waarnemingen "
                "zijn in deze export niet te bepalen"))
        elif cursor and cursor in stamps:
            # Held back in the previous snapshot still counts as there: if it is gone now, withdraw it.
            withdrawn = sorted(self.read(cursor).ids() - current.ids())
            progress(2, 2)
        elif cursor:
            current.problems.append(SourceProblem(
                where=f"{folder}", message=f"vorige export {cursor} is niet meer aanwezig; "
                "ingetrokken waarnemingen zijn niet te bepalen"))
        log.info("eduarte.fetched", snapshot=current.stamp, students=len(current.students),
                 records=len(current.joined.records), withdrawn=len(withdrawn),
                 problems=len(current.problems))
        return SourceBatch(mapping=self.mapping.stamp, students=current.students,
                           records=current.joined.records,
                           withdrawn_record_ids=withdrawn, calendar=self.config.load_calendar(),
                           cursor=current.stamp, problems=current.problems)

    def close(self) -> None:
        """Nothing to release (files are closed after reading)."""
