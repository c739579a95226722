"""Reading Eduarte's export files: semicolon CSV with a header row, Dutch dates, naive local times.

Three exports form one snapshot, named ``<kind>_<stamp>.csv`` with the same stamp
(``YYYYMMDDTHHMMSS``): ``deelnemers``, ``absentiemeldingen`` and ``waarnemingen``. A row that cannot
be read becomes a problem naming the file and line; the rest of the file still loads. Such a row is
still handed to the caller (with ``error`` set and whatever fields could be read), because what it
*was* matters: a held-back observation must not look withdrawn, a broken report may cover lessons.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from gateway.domain.errors import InvalidInput
from gateway.domain.ports import SourceProblem
from gateway.intake.jsonsafe import MIB, too_large

KINDS = ("deelnemers", "absentiemeldingen", "waarnemingen")
COLUMNS = {
    "deelnemers": ("deelnemernummer", "geboortedatum", "leerweg", "niveau", "inschrijfdatum",
                   "eerste_lesdag", "intro_gevolgd", "startkwalificatie", "studiefinanciering",
                   "woongemeente", "doktersverklaring", "roepnaam", "achternaam", "crebo", "leerjaar"),
    "absentiemeldingen": ("id", "deelnemernummer", "begindatum", "begintijd", "einddatum", "eindtijd",
                          "beginlesuur", "eindlesuur", "reden", "afgehandeld", "opmerkingen"),
    "waarnemingen": ("id", "deelnemernummer", "datum", "begintijd", "eindtijd", "lesuur", "soort",
                     "absentiemelding"),
}
# Columns read when an export has them, not required (older exports and layouts lack them): the
# onderwijsnummer, and what a melding needs from the SIS (adapters.eduarte.deelnemers).
OPTIONAL_COLUMNS = {"deelnemers": ("onderwijsnummer", "telefoonnummer", "locatie", "verbintenis_status",
                                   "verbintenis_einddatum")}
# The largest export read: a college of 20,000 students has some 19 M waarnemingen in a year, about
# 1 GB. A file beyond it is refused whole, before a line of it is read.
MAX_EXPORT_BYTES = 2048 * MIB
_NAME = re.compile(r"^(deelnemers|absentiemeldingen|waarnemingen)_(\d{8}T\d{6})\.csv$")
T = TypeVar("T")


@lru_cache(maxsize=8192)  # a year of waarnemingen repeats some 200 dates and 20 times millions of times
def parse_date(value: str) -> date:
    """``dd-mm-jjjj`` (Eduarte) or ISO ``jjjj-mm-dd``."""
    value = value.strip()
    for fmt in ("%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{value}' is geen datum (dd-mm-jjjj)")


@lru_cache(maxsize=8192)
def parse_time(value: str) -> time:
    """``HH:MM`` or ``HH:MM:SS``, naive local time (Europe/Amsterdam)."""
    value = value.strip()
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).time()
        except ValueError:
            continue
    raise ValueError(f"'{value}' is geen tijd (UU:MM)")


def parse_bool(value: str) -> bool:
    """J/N, ja/nee, true/false, 1/0."""
    text = value.strip().lower()
    if text in {"j", "ja", "true", "1", "waar"}:
        return True
    if text in {"n", "nee", "false", "0", "onwaar", ""}:
        return False
    raise ValueError(f"'{value}' is geen ja/nee")


def snapshots(folder: Path) -> list[str]:
    """Stamps of complete snapshots (all three exports present), oldest first."""
    found: dict[str, set[str]] = {}
    for path in folder.glob("*.csv"):
        match = _NAME.match(path.name)
        if match:
            found.setdefault(match.group(2), set()).add(match.group(1))
    return sorted(stamp for stamp, kinds in found.items() if kinds == set(KINDS))


def export_path(folder: Path, kind: str, stamp: str) -> Path:
    """The file of one export of one snapshot."""
    return folder / f"{kind}_{stamp}.csv"


@dataclass(frozen=True)
class Row:
    """One data row with its place in the file; ``error`` says why it cannot be used as it is."""

    where: str
    values: dict[str, str]
    error: str | None = None


def read_rows(path: Path, kind: str, encoding: str, delimiter: str, *,
              max_bytes: int = MAX_EXPORT_BYTES) -> Iterator[Row]:
    """Rows of an export as dicts; a header without the required columns, or a file over
    ``max_bytes``, is an error for the file. A line with the wrong number of fields comes as a row
    with ``error`` and its fields taken by position (best effort: enough to name its id); an
    undecodable line as one without values."""
    columns = COLUMNS[kind]
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InvalidInput(too_large(size, max_bytes), where=path.name)
        handle = path.open(encoding=encoding, newline="")
    except OSError as exc:
        raise InvalidInput(f"niet te lezen ({exc.strerror})", where=path.name) from exc
    with handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = [h.strip().lower() for h in next(reader, [])]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InvalidInput(f"kopregel onleesbaar ({exc})", where=f"{path.name}:1") from exc
        missing = [c for c in columns if c not in header]
        if missing:
            raise InvalidInput(f"kolommen ontbreken: {', '.join(missing)}", where=f"{path.name}:1")
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                yield Row(where=f"{path.name}:{reader.line_num}", values={},
                          error=f"regel onleesbaar ({exc}); tegengehouden")
                continue
            where = f"{path.name}:{reader.line_num}"
            if not any(f.strip() for f in fields):
                continue
            values = {h: f.strip() for h, f in zip(header, fields, strict=False)}
            if len(fields) != len(header):
                yield Row(where=where, values=values,
                          error=f"{len(fields)} velden in plaats van {len(header)}; tegengehouden")
                continue
            yield Row(where=where, values=values)


def parse_row(row: Row, parse: Callable[[dict[str, str]], T], problems: list[SourceProblem], *,
              record_id: str | None = None) -> T | None:
    """Apply ``parse``; a row that could not be read, or a ValueError, becomes a problem naming the
    file and line (and ``record_id``, the canonical record the row would have been)."""
    if row.error is not None:
        problems.append(SourceProblem(where=row.where, message=row.error, record_id=record_id))
        return None
    try:
        return parse(row.values)
    except (ValueError, KeyError) as exc:
        problems.append(SourceProblem(where=row.where, message=f"{exc}; regel tegengehouden",
                                      record_id=record_id))
        return None


def check_size(path: Path, max_bytes: int = MAX_EXPORT_BYTES) -> int:
    """The size of an export; a file over ``max_bytes`` (or unreadable) is an error for the file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(f"niet te lezen ({exc.strerror})", where=path.name) from exc
    if size > max_bytes:
        raise InvalidInput(too_large(size, max_bytes), where=path.name)
    return size


def header_columns(raw: bytes, kind: str, name: str, encoding: str, delimiter: str) -> list[str]:
    """The columns named by an export's first line (its raw bytes); missing required columns, or an
    unreadable line, are an error for the file."""
    try:
        fields = next(csv.reader(io.StringIO(raw.decode(encoding), newline=""), delimiter=delimiter), [])
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(f"kopregel onleesbaar ({exc})", where=f"{name}:1") from exc
    header = [h.strip().lower() for h in fields]
    missing = [c for c in COLUMNS[kind] if c not in header]
    if missing:
        raise InvalidInput(f"kolommen ontbreken: {', '.join(missing)}", where=f"{name}:1")
    return header


def _row(fields: list[str] | None, header: list[str], where: str) -> Row | None:
    if fields is None or not any(f.strip() for f in fields):
        return None
    values = {h: f.strip() for h, f in zip(header, fields, strict=False)}
    if len(fields) != len(header):
        return Row(where=where, values=values,
                   error=f"{len(fields)} velden in plaats van {len(header)}; tegengehouden")
    return Row(where=where, values=values)


def parse_line(raw: bytes, header: list[str], where: str, encoding: str, delimiter: str) -> Row | None:
    """One data line (its raw bytes, one CSV record) as ``read_rows`` would give it; None when blank."""
    try:
        fields = next(csv.reader(io.StringIO(raw.decode(encoding), newline=""), delimiter=delimiter), None)
    except (csv.Error, UnicodeDecodeError) as exc:
        return Row(where=where, values={}, error=f"regel onleesbaar ({exc}); tegengehouden")
    return _row(fields, header, where)


def parse_lines(raws: list[bytes], wheres: list[str], header: list[str], encoding: str,
                delimiter: str) -> list[Row | None]:
    """Many data lines at once (one decode, one CSV reader); line by line when any is unreadable."""
    try:
        text = b"".join(raws).decode(encoding)
        fields = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (csv.Error, UnicodeDecodeError):
        fields = []
    if len(fields) != len(raws):  # an unreadable line among them: find it, and read the rest
        return [parse_line(raw, header, where, encoding, delimiter)
                for raw, where in zip(raws, wheres, strict=True)]
    return [_row(f, header, where) for f, where in zip(fields, wheres, strict=True)]
