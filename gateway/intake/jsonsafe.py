"""Size and depth limits for JSON the gateway imports (export files, calendars, API answers).

Python's parser recurses once per level, so a file nested 100,000 levels deep ends in a
``RecursionError`` instead of a message; and nothing stops a file of gigabytes from being read
into memory. Every imported JSON text goes through ``load_json`` (or ``read_json_file``), which
refuses both with a Dutch message naming the file (syntax errors are ``parse_json``'s).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gateway.domain.errors import InvalidInput
from gateway.intake.validation import parse_json

# A calendar or an API page is a handful of levels deep; 64 leaves room and stops abuse early.
MAX_DEPTH = 64
MIB = 1024 * 1024


def _megabytes(size: int) -> str:
    return f"{size / MIB:.1f} MB"


def too_large(size: int, limit: int) -> str:
    """The Dutch refusal of a file or answer over its size limit."""
    return (f"is {_megabytes(size)} groot, meer dan de grens van {_megabytes(limit)}; "
            "niet ingelezen")


def _too_deep(limit: int) -> str:
    return f"de JSON is dieper genest dan {limit} niveaus; niet ingelezen"


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests more than ``limit`` levels of lists and objects (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def load_json(text: str | bytes, *, where: str, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON within a size and a depth limit; ``InvalidInput`` naming ``where`` otherwise."""
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    if size > max_bytes:
        raise InvalidInput(too_large(size, max_bytes), where=where)
    # parse_json turns the parser's own RecursionError (far past any limit) into InvalidInput.
    value = parse_json(text, where=where)
    if isinstance(value, dict | list) and (max_depth < 1 or _deeper_than(value, max_depth)):
        raise InvalidInput(_too_deep(max_depth), where=where)
    return value


def read_json_file(path: Path, *, max_bytes: int, max_depth: int = MAX_DEPTH,
                   where: str | None = None) -> Any:
    """Read and parse a JSON file within the limits; a file over the size limit is not read.
    Errors name ``where`` (default: the file's name)."""
    where = where or path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InvalidInput(too_large(size, max_bytes), where=where)
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # a file that grew since stat() stops at the limit
    except OSError as exc:
        raise InvalidInput(f"niet te lezen ({exc.strerror})", where=where) from exc
    return load_json(data, where=where, max_bytes=max_bytes, max_depth=max_depth)
