"""pydantic validation errors and JSON syntax errors in Dutch, for the people who fix the input.

One wording everywhere: ``DUTCH`` is the one translation table of pydantic's error types, so no
English pydantic text reaches a school administrator or a vendor. A check of the domain's own
(``value_error``) already speaks Dutch and is shown as is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from gateway.domain.errors import InvalidInput
from gateway.domain.personal_data import is_personal

_DATE = "is geen geldige datum (JJJJ-MM-DD)"
_TIME = "is geen geldige lokale tijd (UU:MM)"
_MOMENT = "is geen geldig tijdstip (JJJJ-MM-DDTUU:MM)"
_OBJECT = "moet een object (tabel) zijn"

# pydantic error type -> Dutch wording; ``{name}`` is filled from the error's context.
DUTCH: Mapping[str, str] = MappingProxyType({
    "missing": "ontbreekt",
    "extra_forbidden": "is een onbekende sleutel",
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "date_type": _DATE,
    "time_parsing": _TIME,
    "time_type": _TIME,
    "datetime_parsing": _MOMENT,
    "datetime_from_date_parsing": _MOMENT,
    "datetime_type": _MOMENT,
    "timezone_aware": "mist een tijdzone (bijvoorbeeld +02:00)",
    "bool_parsing": "moet true of false zijn",
    "bool_type": "moet true of false zijn",
    "int_parsing": "moet een geheel getal zijn",
    "int_type": "moet een geheel getal zijn",
    "int_from_float": "moet een geheel getal zijn",
    "float_parsing": "moet een getal zijn",
    "float_type": "moet een getal zijn",
    "finite_number": "moet een eindig getal zijn",
    "string_type": "moet tekst zijn",
    "string_too_short": "mag niet leeg zijn",
    "string_too_long": "is te lang (hoogstens {max_length} tekens)",
    "string_pattern_mismatch": "heeft niet de juiste vorm (patroon {pattern})",
    "literal_error": "moet een van {expected} zijn",
    "enum": "moet een van {expected} zijn",
    "greater_than_equal": "moet minstens {ge} zijn",
    "greater_than": "moet groter dan {gt} zijn",
    "less_than_equal": "mag hoogstens {le} zijn",
    "less_than": "moet kleiner dan {lt} zijn",
    "too_short": "moet minstens {min_length} element(en) hebben",
    "too_long": "mag hoogstens {max_length} elementen hebben",
    "list_type": "moet een lijst zijn",
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "json_invalid": "is geen geldige JSON",
    "json_type": "moet JSON-tekst zijn",
    "url_parsing": "is geen geldige URL",
    "url_scheme": "heeft een URL-schema dat niet is toegestaan",
    "recursion_loop": "is te diep genest",
})
# What an error type not in the table says: still Dutch, never pydantic's English.
UNKNOWN = "is ongeldig"
# Error kinds where the given value says nothing new (or is a whole table).
_NO_VALUE = frozenset({"missing", "value_error", "extra_forbidden"})
# A given value is echoed up to this many characters: enough to recognise it, not a wall of text.
_ECHO_CHARS = 60


def _context(ctx: Mapping[str, Any]) -> dict[str, str]:
    # pydantic's expected values read "'BOL', 'BBL' or 'VO'": the "or" becomes Dutch.
    return {k: str(v).replace(" or ", " of ") for k, v in ctx.items()}


def _echo(value: Any) -> str | None:
    if not isinstance(value, (str, int, float, bool)):
        return None
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _ECHO_CHARS else f"{text[:_ECHO_CHARS]}…"


def dutch_message(err: Mapping[str, Any]) -> str:
    """One pydantic error in words a school administrator reads, with the value that was given
    (never the value of a personal-data field such as a BSN)."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "value_error":
        text = str(err["msg"]).removeprefix("Value error, ")
    else:
        try:
            text = DUTCH.get(kind, UNKNOWN).format(**_context(ctx))
        except KeyError:  # a context field the wording needs is missing: say it without
            text = UNKNOWN
    personal = any(is_personal(part) for part in err.get("loc", ()) if isinstance(part, str))
    given = None if kind in _NO_VALUE or personal else _echo(err.get("input"))
    if given is not None:
        text += f" (gekregen: {given})"
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


# The messages of Python's JSON parser (json.decoder, json.scanner), in Dutch.
_JSON_SYNTAX: Mapping[str, str] = MappingProxyType({
    "Expecting value": "hier wordt een waarde verwacht",
    "Expecting property name enclosed in double quotes": "hier wordt een sleutel tussen dubbele "
                                                         "aanhalingstekens verwacht",
    "Expecting ':' delimiter": "hier wordt een ':' verwacht",
    "Expecting ',' delimiter": "hier wordt een ',' verwacht",
    "Unterminated string starting at": "tekst zonder afsluitend aanhalingsteken",
    "Invalid control character at": "ongeldig stuurteken in tekst (schrijf een tab of regeleinde als "
                                    "\\t of \\n)",
    "Invalid \\escape": "ongeldige escape met \\",
    "Invalid \\uXXXX escape": "ongeldige \\uXXXX-escape",
    "Extra data": "na het einde van de JSON staat nog meer tekst",
    "Illegal trailing comma before end of object": "komma voor het einde van een object",
    "Illegal trailing comma before end of array": "komma voor het einde van een lijst",
})


def json_error_message(exc: json.JSONDecodeError) -> str:
    """``geen geldige JSON: ... (regel 3, kolom 7)``: where the text broke and why, in Dutch."""
    why = next((dutch for english, dutch in _JSON_SYNTAX.items() if exc.msg.startswith(english)),
               "ongeldige syntaxis")
    return f"geen geldige JSON: {why} (regel {exc.lineno}, kolom {exc.colno})"


def parse_json(text: str | bytes, where: str | None = None) -> Any:
    """JSON text as Python values; raises ``InvalidInput`` with a Dutch message for bad syntax,
    nesting too deep for the parser, or a number too long to read."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(json_error_message(exc), where=where) from exc
    except RecursionError as exc:
        raise InvalidInput("geen geldige invoer: de JSON is te diep genest", where=where) from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput("geen geldige invoer: de tekst is geen UTF-8", where=where) from exc
    except ValueError as exc:  # an integer of thousands of digits (Python's int conversion limit)
        raise InvalidInput("geen geldige invoer: een getal in de JSON is te lang", where=where) from exc
