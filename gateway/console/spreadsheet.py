"""CSV as a Dutch spreadsheet opens it as it is: ``;``-separated, decimal comma, UTF-8 with a BOM,
CRLF line ends; a text cell never runs as a formula. The monitor's and the report's downloads."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Final

from fastapi.responses import Response

from gateway.console.pages.common import SECURITY_HEADERS

BOM: Final = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@")
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9_-]+")


def text_cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula (names and leslocaties are typed by people)."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def decimal(value: float | None) -> str:
    """``60,0``: one decimal with a comma; empty when there is no value."""
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """The header and rows as the file's bytes: BOM, ``;``, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (BOM + out.getvalue()).encode("utf-8")


def csv_download(body: bytes, stem: str) -> Response:
    """A CSV download named ``<stem>.csv`` (only letters, digits, ``-`` and ``_`` kept), with the
    console's security headers."""
    safe = _UNSAFE_IN_FILENAME.sub("-", stem)
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{safe}.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
