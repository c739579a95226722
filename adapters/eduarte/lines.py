"""Reading a large export by what changed: each line is known by a hash of its bytes.

Eduarte exports are full snapshots without change dates, and a college's year of waarnemingen is
some 19 M lines. Parsing them all every day costs minutes; hashing their bytes costs seconds. A
``LineIndex`` remembers, per line of the previous export, its hash, its waarneming id, its
deelnemer and two flags. ``scan`` reads the new export in chunks, hashes every line in C (CRC-32
and Adler-32 of its bytes, 64 bits together) and hands on only the lines that are new or changed,
or that the caller marks to read again; the rest keep what the index says about them. The ids of
lines that were there and are gone are what the caller withdraws.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from adapters.eduarte.exports import MAX_EXPORT_BYTES, Row, check_size, header_columns, parse_lines
from gateway.domain.errors import InvalidInput
from gateway.intake.jsonsafe import MIB

# Flags of a line in the index.
IN_IDS = 1  # the line is a record or held back: its id is in the export (gone later: withdrawn)
REREAD = 2  # held back or without a readable id: read again on every sync (it is reported again)
LINKED = 4  # linked to a report by id: it depends on that report, whatever the report's dates
CHUNK_BYTES = 16 * MIB  # read at a time; a line longer than this is read whole all the same
_QUOTE = b'"'
_FEW = 64  # gone ids checked one by one against the kept lines; more are checked by sorting

Hashes = NDArray[np.uint64]


class Digest(Protocol):
    """A hashlib object: fed the bytes read."""

    def update(self, data: bytes, /) -> None: ...


@dataclass
class LineIndex:
    """What the previous export's lines were, sorted by ``hashes``: per line its waarneming id (raw
    field, empty when unreadable), its deelnemer (an index into ``numbers``), its day (a date
    ordinal, 0 when unknown) and its flags."""

    hashes: Hashes
    ids: NDArray[np.bytes_]
    students: NDArray[np.uint32]
    days: NDArray[np.int32]
    flags: NDArray[np.uint8]
    numbers: list[str]

    @classmethod
    def empty(cls) -> LineIndex:
        """An index of no lines (a first read)."""
        return cls(np.zeros(0, np.uint64), np.zeros(0, "S1"), np.zeros(0, np.uint32),
                   np.zeros(0, np.int32), np.zeros(0, np.uint8), [])

    def __len__(self) -> int:
        return len(self.hashes)

    def check(self) -> None:
        """Raise ValueError when the arrays do not fit together (a damaged state file)."""
        n = len(self.hashes)
        if not (len(self.ids) == len(self.students) == len(self.days) == len(self.flags) == n):
            raise ValueError("arrays van ongelijke lengte")
        types = [str(a.dtype) for a in (self.hashes, self.students, self.days, self.flags)]
        if types != ["uint64", "uint32", "int32", "uint8"]:
            raise ValueError("onverwacht type")
        if n and bool(np.any(self.hashes[1:] < self.hashes[:-1])):
            raise ValueError("index niet gesorteerd")
        if n and int(self.students.max()) >= len(self.numbers):
            raise ValueError("deelnemer buiten de lijst")


class LineInfo(NamedTuple):
    """What the caller made of a line it read: its waarneming id (None: unreadable), deelnemer,
    flags, and day (a date ordinal, 0 when unknown)."""

    id: str | None
    number: str | None
    flags: int
    day: int = 0


@dataclass
class ScanResult:
    """The new export's index, the ids gone since the previous one, and how much was read."""

    index: LineIndex
    gone: list[str] = field(default_factory=list)  # waarneming ids (raw) that were in, and are not now
    lines: int = 0  # data lines in the export
    rows_read: int = 0  # lines parsed; the others were recognised by their hash
    sha256: str = ""


def line_hashes(lines: list[bytes]) -> Hashes:
    """A 64-bit hash per line: CRC-32 and Adler-32 of its bytes (both computed in C)."""
    crc = np.fromiter(map(zlib.crc32, lines), dtype=np.uint64, count=len(lines))
    adler = np.fromiter(map(zlib.adler32, lines), dtype=np.uint64, count=len(lines))
    hashes: Hashes = (crc << np.uint64(32)) | adler
    return hashes


def _merge_quoted(lines: list[bytes], first_no: int) -> tuple[list[bytes], list[int], list[bytes]]:
    """Join physical lines into CSV records where a quoted field spans a line break; returns the
    records, the number of each record's last line, and an unfinished record's lines."""
    records: list[bytes] = []
    numbers: list[int] = []
    open_parts: list[bytes] = []
    for k, line in enumerate(lines):
        if open_parts:
            open_parts.append(line)
        elif line.count(_QUOTE) % 2:
            open_parts = [line]
        else:
            records.append(line)
            numbers.append(first_no + k)
            continue
        if open_parts and sum(p.count(_QUOTE) for p in open_parts) % 2 == 0:
            records.append(b"".join(open_parts))
            numbers.append(first_no + k)
            open_parts = []
    return records, numbers, open_parts


def raw_records(path: Path, digest: Digest | None = None,
                chunk_bytes: int = CHUNK_BYTES) -> Iterator[tuple[list[bytes], list[int] | range]]:
    """The file's CSV records as raw bytes (line ends kept), a chunk at a time, with the number of
    each record's last physical line (as ``csv`` counts them); the first record is the header.
    ``digest`` is fed every byte read."""
    with path.open("rb") as handle:
        carry, line_no, eof = b"", 0, False
        while not eof:
            block = handle.read(chunk_bytes)
            eof = not block
            if digest is not None and block:
                digest.update(block)
            data = carry + block
            cut = len(data) if eof else data.rfind(b"\n") + 1
            if cut == 0:  # no line end yet: a line longer than a chunk
                carry = data
                continue
            piece, carry = data[:cut], data[cut:]
            lines = piece.splitlines(keepends=True)
            if _QUOTE not in piece:
                yield lines, range(line_no + 1, line_no + 1 + len(lines))
                line_no += len(lines)
                continue
            records, numbers, unfinished = _merge_quoted(lines, line_no + 1)
            if unfinished and not eof:
                carry = b"".join(unfinished) + carry
                line_no += len(lines) - len(unfinished)
            else:
                if unfinished:  # an unclosed quote at the end: the csv module reads it as one record
                    records.append(b"".join(unfinished))
                    numbers.append(line_no + len(lines))
                line_no += len(lines)
            yield records, numbers


Handler = Callable[[list[Row]], list[LineInfo]]


@dataclass
class _Parsed:
    """The lines read and handed on, a chunk at a time: the new part of the index."""

    hashes: list[Hashes] = field(default_factory=list)
    ids: list[bytes] = field(default_factory=list)
    students: list[int] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)

    def merged_into(self, kept: LineIndex) -> LineIndex:
        """``kept`` (sorted by hash) with these lines merged in, still sorted."""
        if not self.ids:
            return kept
        hashes = np.concatenate(self.hashes)
        order = np.argsort(hashes)
        ids = np.array(self.ids, dtype=np.bytes_)[order]
        width = max(ids.dtype.itemsize, kept.ids.dtype.itemsize)  # never cut an id short
        at = np.searchsorted(kept.hashes, hashes[order])
        return LineIndex(
            np.insert(kept.hashes, at, hashes[order]),
            np.insert(kept.ids.astype(f"S{width}"), at, ids.astype(f"S{width}")),
            np.insert(kept.students, at, np.array(self.students, dtype=np.uint32)[order]),
            np.insert(kept.days, at, np.array(self.days, dtype=np.int32)[order]),
            np.insert(kept.flags, at, np.array(self.flags, dtype=np.uint8)[order]), kept.numbers)


def _records(path: Path, kind: str, encoding: str, delimiter: str,
             digest: Digest | None) -> Iterator[tuple[list[str], list[bytes], list[int] | range]]:
    """The export's data records a chunk at a time, with the header's columns."""
    header: list[str] | None = None
    for records, line_nos in raw_records(path, digest):
        if header is None:
            if not records:
                continue
            header = header_columns(records[0], kind, path.name, encoding, delimiter)
            yield header, records[1:], line_nos[1:]
        else:
            yield header, records, line_nos
    if header is None:
        raise InvalidInput("kolommen ontbreken: het bestand is leeg", where=f"{path.name}:1")


def _known(previous: LineIndex, reread: NDArray[np.bool_], hashes: Hashes) -> tuple[
        NDArray[np.bool_], NDArray[np.intp]]:
    """Which lines (in file order) ``previous`` knows and need not be read again, and where they
    are in it (ascending). The hashes are looked up sorted: in file order every lookup lands
    somewhere else in a large index, and that, not the hashing, is what costs."""
    keep = np.zeros(len(hashes), dtype=bool)
    if not len(previous) or not len(hashes):
        return keep, np.zeros(0, dtype=np.intp)
    order = np.argsort(hashes)
    ordered = hashes[order]
    pos = np.minimum(np.searchsorted(previous.hashes, ordered), len(previous) - 1)
    keep_sorted = (previous.hashes[pos] == ordered) & ~reread[pos]
    keep[order] = keep_sorted
    return keep, pos[keep_sorted]


def scan(  # noqa: PLR0913  the file, how to read it, what was known, and what to do with new lines
    path: Path, kind: str, *, encoding: str, delimiter: str, previous: LineIndex,
    reread: NDArray[np.bool_] | None, handle: Handler, max_bytes: int = MAX_EXPORT_BYTES,
) -> ScanResult:
    """Read ``path``: lines whose hash ``previous`` knows (and ``reread`` does not mark) keep what it
    says; the others go to ``handle`` as rows. Two passes: hash every line, look the hashes up,
    then read the file again for the lines to parse (skipped when there are none). Raises
    InvalidInput for a file that cannot be read, or that changed between the passes."""
    check_size(path, max_bytes)
    reread = np.asarray(previous.flags & REREAD, dtype=bool) if reread is None else reread
    digest = hashlib.sha256()
    try:
        chunks = [line_hashes(records) for _, records, _ in _records(path, kind, encoding, delimiter, digest)]
        hashes = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.uint64)
        keep, kept = _known(previous, reread, hashes)
        seen = np.zeros(len(previous), dtype=bool)
        seen[kept] = True
        now = LineIndex(previous.hashes[kept], previous.ids[kept], previous.students[kept],
                        previous.days[kept], previous.flags[kept], list(previous.numbers))
        parsed, rows_read = _read_new(path, kind, encoding, delimiter, hashes=hashes, keep=keep,
                                        numbers=now.numbers, handle=handle)
    except OSError as exc:
        raise InvalidInput(f"niet te lezen ({exc.strerror})", where=path.name) from exc
    if not now.numbers:
        now.numbers.append("")  # an index always has a deelnemer list to point into
    result = ScanResult(parsed.merged_into(now), lines=len(hashes), rows_read=rows_read,
                        sha256=digest.hexdigest())
    parsed_in = [i for i, f in zip(parsed.ids, parsed.flags, strict=True) if f & IN_IDS]
    result.gone = _gone(previous, seen, parsed_in, result.index)
    return result


def _read_new(  # noqa: PLR0913  the file, how to read it, which lines, and where they go
    path: Path, kind: str, encoding: str, delimiter: str, *, hashes: Hashes, keep: NDArray[np.bool_],
    numbers: list[str], handle: Handler,
) -> tuple[_Parsed, int]:
    """Second pass: parse the lines not kept and hand them to ``handle``; returns what it made of
    them (deelnemers new to ``numbers`` are added) and how many rows it read."""
    parsed, rows_read, base = _Parsed(), 0, 0
    if bool(keep.all()):
        return parsed, 0
    code_of = {n: i for i, n in enumerate(numbers)}
    for header, records, line_nos in _records(path, kind, encoding, delimiter, None):
        todo = (np.flatnonzero(~keep[base:base + len(records)]) + base).tolist()
        rows_at = [(row, i) for row, i in zip(parse_lines(
            [records[i - base] for i in todo], [f"{path.name}:{line_nos[i - base]}" for i in todo],
            header, encoding, delimiter), todo, strict=True) if row is not None]
        infos = handle([row for row, _ in rows_at])
        for info in infos:
            if info.number is not None and info.number not in code_of:
                code_of[info.number] = len(numbers)
                numbers.append(info.number)
        parsed.hashes.append(hashes[[i for _, i in rows_at]])
        parsed.ids.extend((info.id or "").encode() for info in infos)
        parsed.students.extend(code_of.get(info.number or "", 0) for info in infos)
        parsed.days.extend(info.day for info in infos)
        parsed.flags.extend(info.flags for info in infos)
        rows_read += len(rows_at)
        base += len(records)
    if base != len(hashes):
        raise InvalidInput("het bestand veranderde tijdens het lezen", where=path.name)
    return parsed, rows_read


def _gone(previous: LineIndex, seen: NDArray[np.bool_], parsed_in: list[bytes], now: LineIndex) -> list[str]:
    """Waarneming ids that counted before and count no more: their lines vanished (or changed) and
    no line read now, nor any line kept, has the id."""
    candidates = previous.ids[((previous.flags & IN_IDS) != 0) & ~seen]
    if not len(candidates):
        return []
    left = candidates[~np.isin(candidates, np.array(parsed_in, dtype=np.bytes_))] if parsed_in else candidates
    if len(left):  # the same id on another, unchanged line (an export with a duplicate id)
        kept_in = now.ids[(now.flags & IN_IDS) != 0]
        if len(left) <= _FEW:  # one pass per id beats sorting millions of ids
            left = np.array([i for i in left.tolist() if not bool(np.any(kept_in == i))], dtype=np.bytes_)
        else:
            left = left[~np.isin(left, kept_in)]
    return sorted({bytes(i).decode() for i in left.tolist()})


def file_unchanged(path: Path, size: int, sha256: str) -> bool:
    """True when ``path`` has exactly ``size`` bytes with digest ``sha256`` (read only if sizes match)."""
    if path.stat().st_size != size:
        return False
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest() == sha256
