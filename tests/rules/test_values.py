"""The strict canonical value types (gateway.domain.values), as adapters meet them: Python objects
taken as they are, text read one way only, and a schema that says so."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from pydantic import ValidationError

from gateway.domain.model import AttendanceRecord, Student

RECORD: dict[str, Any] = {"id": "L1", "student_id": "S1", "date": date(2026, 9, 1), "start": time(8, 30),
                          "end": time(10), "status": "absent"}


def test_python_dates_and_times_from_an_adapter_are_taken_as_they_are() -> None:
    """An adapter builds records from date and time objects: they pass unchanged."""
    record = AttendanceRecord.model_validate(RECORD)
    assert (record.date, record.start, record.minutes) == (date(2026, 9, 1), time(8, 30), 90)


def test_an_aware_time_object_is_refused() -> None:
    """A time with tzinfo is no local time, also when an adapter passes it."""
    with pytest.raises(ValidationError, match="tijdzone"):
        AttendanceRecord.model_validate({**RECORD, "end": time(10, tzinfo=UTC)})


def test_a_datetime_is_refused_where_a_date_belongs() -> None:
    """A moment is not a day: refused rather than cut to its date."""
    with pytest.raises(ValidationError, match="date_type"):
        Student.model_validate({"id": "S1", "leerweg": "BOL", "birth_date": datetime(2010, 3, 1, 12)})


def test_a_json_round_trip_of_a_record_reads_back() -> None:
    """What ``model_dump_json`` writes (times as UU:MM:SS) is read back the same."""
    record = AttendanceRecord.model_validate(RECORD)
    assert AttendanceRecord.model_validate_json(record.model_dump_json()) == record


def test_the_schema_says_a_time_is_local_without_offset() -> None:
    """The OpenAPI document cannot promise RFC 3339 times (with an offset) that are then refused."""
    start = AttendanceRecord.model_json_schema()["properties"]["start"]
    assert (start.get("format"), start["pattern"]) == (None, r"^\d{2}:\d{2}(:\d{2})?$")


def test_the_schema_says_a_bsn_is_nine_digits() -> None:
    """The form is in the schema; the elfproef is checked on arrival."""
    [bsn, _null] = Student.model_json_schema()["properties"]["bsn"]["anyOf"]
    assert bsn["pattern"] == r"^\d{9}$"
