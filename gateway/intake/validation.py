"""pydantic validation errors in Dutch, for the people who fix the input (one wording everywhere)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

_DUTCH = {
    "missing": "ontbreekt",
    "extra_forbidden": "is een onbekende sleutel",
    "date_parsing": "is geen geldige datum (JJJJ-MM-DD)",
    "date_from_datetime_parsing": "is geen geldige datum (JJJJ-MM-DD)",
    "date_from_datetime_inexact": "is geen geldige datum (JJJJ-MM-DD)",
    "date_type": "is geen geldige datum (JJJJ-MM-DD)",
    "time_parsing": "is geen geldige tijd (UU:MM)",
    "time_type": "is geen geldige tijd (UU:MM)",
    "bool_parsing": "moet true of false zijn",
    "bool_type": "moet true of false zijn",
    "int_parsing": "moet een geheel getal zijn",
    "int_type": "moet een geheel getal zijn",
    "int_from_float": "moet een geheel getal zijn",
    "float_parsing": "moet een getal zijn",
    "float_type": "moet een getal zijn",
    "string_type": "moet tekst zijn",
    "string_too_short": "mag niet leeg zijn",
    "list_type": "moet een lijst zijn",
    "dict_type": "moet een object (tabel) zijn",
    "model_type": "moet een object (tabel) zijn",
    "url_parsing": "is geen geldige URL",
    "url_scheme": "heeft een URL-schema dat niet is toegestaan",
}
# Error kinds where the given value says nothing new (or is a whole table).
_NO_VALUE = frozenset({"missing", "value_error", "extra_forbidden"})


def dutch_message(err: Mapping[str, Any]) -> str:
    """One pydantic error in words a school administrator reads, with the value that was given."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "value_error":
        text = str(err["msg"]).removeprefix("Value error, ")
    elif kind == "literal_error":
        text = f"moet een van {str(ctx.get('expected', '')).replace(' or ', ' of ')} zijn"
    elif kind == "string_pattern_mismatch":
        text = f"heeft niet de juiste vorm (patroon {ctx.get('pattern', '')})"
    elif kind in ("greater_than_equal", "greater_than"):
        text = f"moet minstens {ctx.get('ge', ctx.get('gt'))} zijn"
    elif kind in ("less_than_equal", "less_than"):
        text = f"mag hoogstens {ctx.get('le', ctx.get('lt'))} zijn"
    elif kind == "string_too_long":
        text = f"is te lang (hoogstens {ctx.get('max_length')} tekens)"
    else:
        text = _DUTCH.get(kind, str(err["msg"]))
    given = err.get("input")
    if kind not in _NO_VALUE and isinstance(given, (str, int, float, bool)):
        text += f" (gekregen: {json.dumps(given, ensure_ascii=False)})"
    return text


def field_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """``calendar.holidays[2].start`` from a pydantic location."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(geheel)"


def describe(exc: ValidationError) -> str:
    """Every problem of a validation error, ``key: what is wrong``, joined by ``; ``."""
    return "; ".join(f"{field_path(tuple(err['loc']))}: {dutch_message(err)}" for err in exc.errors())
