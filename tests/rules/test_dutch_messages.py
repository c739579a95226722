"""The one translation table (gateway.intake.validation): every pydantic error type it words is
produced here by a real model, and its message is the table's Dutch, never pydantic's English."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from enum import Enum
from typing import Annotated, Any

import pytest
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    Json,
    StrictStr,
    ValidationError,
)

from gateway.domain.errors import InvalidInput
from gateway.domain.model import AttendanceRecord, Student
from gateway.intake.validation import DUTCH, UNKNOWN, dutch_message, json_error_message, parse_json

STUDENT = {"id": "S1", "birth_date": "2010-03-01", "leerweg": "BOL"}
RECORD = {"id": "L1", "student_id": "S1", "date": "2026-09-01", "start": "08:30", "end": "10:00",
          "status": "absent"}


class Colour(Enum):
    """An enum, as configuration models use them."""

    RED = "rood"


class Sub(BaseModel):
    """A nested model."""

    x: int = 0


class AttributesSub(BaseModel):
    """A nested model read from attributes."""

    model_config = ConfigDict(from_attributes=True)
    x: int = 0


class Node(BaseModel):
    """A model that refers to itself, for a cycle."""

    child: Node | None = None


class Probe(BaseModel):
    """One field per kind of value the gateway's models (canonical and configuration) hold."""

    model_config = ConfigDict(extra="forbid")
    when: datetime | None = None
    aware: AwareDatetime | None = None
    day: date | None = None
    at: time | None = None
    flag: bool | None = None
    count: int | None = None
    amount: float | None = None
    finite: Annotated[float, Field(allow_inf_nan=False)] | None = None
    text: StrictStr | None = None
    gt: Annotated[int, Field(gt=1)] | None = None
    lt: Annotated[int, Field(lt=1)] | None = None
    few: Annotated[list[int], Field(min_length=1)] | None = None
    many: Annotated[list[int], Field(max_length=1)] | None = None
    table: dict[str, int] | None = None
    sub: Sub | None = None
    attributes: AttributesSub | None = None
    colour: Colour | None = None
    url: HttpUrl | None = None
    embedded: Json[int] | None = None


def student(**change: Any) -> Any:
    """Validate a student with ``change`` applied."""
    return lambda: Student.model_validate({**STUDENT, **change})


def record(**change: Any) -> Any:
    """Validate an attendance record with ``change`` applied."""
    return lambda: AttendanceRecord.model_validate({**RECORD, **change})


def probe(**values: Any) -> Any:
    """Validate the probe with ``values``."""
    return lambda: Probe.model_validate(values)


def cycle() -> None:
    """A node that contains itself."""
    data: dict[str, Any] = {}
    data["child"] = data
    Node.model_validate(data)


# Error type -> a validation that produces it. Canonical models first, where they can.
PRODUCERS: dict[str, Any] = {
    "missing": lambda: Student.model_validate({"id": "S1", "leerweg": "BOL"}),
    "extra_forbidden": student(reasn="ziek"),
    "date_parsing": student(birth_date="2010-02-30"),
    "date_type": student(birth_date=1262304000),
    "date_from_datetime_parsing": probe(day="2026-01-01Tx"),
    "date_from_datetime_inexact": probe(day="2026-01-01T10:00:00"),
    "time_parsing": record(start="25:00"),
    "time_type": record(start=30600),
    "datetime_parsing": probe(when=10**20),
    "datetime_from_date_parsing": probe(when="2026-13-01T10:00"),
    "datetime_type": probe(when=[]),
    "timezone_aware": probe(aware="2026-01-01T10:00:00"),
    "bool_parsing": probe(flag="misschien"),
    "bool_type": student(startkwalificatie="yes"),
    "int_parsing": probe(count="twaalf"),
    "int_type": record(status="late", minutes_late="12"),
    "int_from_float": probe(count=1.5),
    "float_parsing": probe(amount="veel"),
    "float_type": probe(amount=[]),
    "finite_number": probe(finite=float("inf")),
    "string_type": student(woongemeente=344),
    "string_too_short": student(id=""),
    "string_too_long": student(id="S" * 65),
    "string_pattern_mismatch": student(woongemeente="344"),
    "literal_error": student(leerweg="HAVO"),
    "enum": probe(colour="blauw"),
    "greater_than_equal": student(niveau=0),
    "greater_than": probe(gt=1),
    "less_than_equal": student(niveau=5),
    "less_than": probe(lt=1),
    "too_short": probe(few=[]),
    "too_long": probe(many=[1, 2]),
    "list_type": lambda: Probe.model_validate({"few": 5}),
    "dict_type": probe(table=5),
    "model_type": probe(sub=5),
    "model_attributes_type": probe(attributes=5),
    "json_invalid": lambda: Student.model_validate_json("{"),
    "json_type": probe(embedded=5),
    "url_parsing": probe(url="geen url"),
    "url_scheme": probe(url="ftp://school.example"),
    "recursion_loop": cycle,
}


def errors_of(produce: Any) -> list[Any]:
    """The errors a producer raises."""
    with pytest.raises(ValidationError) as raised:
        produce()
    return list(raised.value.errors())


def test_every_error_type_in_the_table_has_a_producer() -> None:
    """The table and this test cover the same error types."""
    assert set(PRODUCERS) == set(DUTCH)


@pytest.mark.parametrize("kind", sorted(PRODUCERS))
def test_the_error_type_is_worded_by_the_table(kind: str) -> None:
    """The producer gives that error type, and its message is the table's Dutch, not pydantic's."""
    [err] = [e for e in errors_of(PRODUCERS[kind]) if e["type"] == kind]
    message = dutch_message(err)
    assert message.split(" (gekregen: ")[0] == DUTCH[kind].format(**{
        k: str(v).replace(" or ", " of ") for k, v in (err.get("ctx") or {}).items()})
    assert str(err["msg"]) not in message and "Input should" not in message


def test_an_error_type_missing_from_the_table_is_still_dutch() -> None:
    """A type nobody foresaw says ``is ongeldig``, never the English text."""
    message = dutch_message({"type": "uuid_parsing", "loc": ("x",), "msg": "Input should be a valid UUID",
                             "input": "x"})
    assert message.startswith(UNKNOWN) and "Input should" not in message


def test_the_given_value_is_shown_for_an_ordinary_field() -> None:
    """The person who fixes the input sees what they sent."""
    [err] = errors_of(student(leerweg="HAVO"))
    assert dutch_message(err) == "moet een van 'BOL', 'BBL' of 'VO' zijn (gekregen: \"HAVO\")"


@pytest.mark.parametrize("field", ["bsn", "postcode", "family_name"])
def test_the_value_of_a_personal_field_is_never_shown(field: str) -> None:
    """A personal-data field's value stays out of the message, even for a type error."""
    [err] = errors_of(student(**{field: 123456782}))
    assert "123456782" not in dutch_message(err)


def test_a_long_value_is_cut_short() -> None:
    """A value of thousands of characters is shown by its start only."""
    [err] = errors_of(student(leerweg="X" * 5000))
    assert len(dutch_message(err)) < 150


@pytest.mark.parametrize(("text", "where"), [
    ('{"a": 1,}', "regel 1, kolom 9"),
    ('{\n  "a" 1\n}', "regel 2, kolom 7"),
    ('{"a": "open', "regel 1, kolom 7"),
    ("{} {}", "regel 1, kolom 4"),
    ('{"a": tru}', "regel 1, kolom 7"),
    ('{"a": "\\x"}', "regel 1, kolom 8"),
    ('{"a": "\x01"}', "regel 1, kolom 8"),
    ('{"a": "\\u12"}', "regel 1, kolom 9"),
    ('{"a"}', "regel 1, kolom 5"),
])
def test_a_json_syntax_error_says_where_in_dutch(text: str, where: str) -> None:
    """Every syntax error of Python's JSON parser has a Dutch reason and its line and column."""
    with pytest.raises(json.JSONDecodeError) as raised:
        json.loads(text)
    message = json_error_message(raised.value)
    assert message.startswith("geen geldige JSON: ") and message.endswith(f"({where})")
    assert raised.value.msg.split(":")[0] not in message and "ongeldige syntaxis" not in message


def test_parse_json_names_where_the_input_came_from() -> None:
    """``parse_json`` raises InvalidInput with the place, for any face to show."""
    with pytest.raises(InvalidInput, match=r"^body: geen geldige JSON: hier wordt een waarde verwacht"):
        parse_json(b"", where="body")


def test_parse_json_refuses_bytes_that_are_not_utf8() -> None:
    """Bytes in Latin-1: a Dutch message, not a UnicodeDecodeError."""
    with pytest.raises(InvalidInput, match="geen UTF-8"):
        parse_json('{"naam": "Zoë"}'.encode("latin-1"))


def test_parse_json_reads_valid_json() -> None:
    """The ordinary case: the values, unchanged."""
    assert parse_json('{"a": [1, "twee", null]}') == {"a": [1, "twee", None]}
