"""Case-file validation (in process): every malformed input is an InvalidInput naming where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.domain.errors import InvalidInput
from gateway.rules.casefile import load_case_file, parse_case_file
from tests.rules.builders import case_data, d, lessons, student


def good_case() -> dict[str, Any]:
    """A valid one-student case with two lessons."""
    return case_data([student()], lessons("S1", d("2026-09-01"), 2), as_of=d("2026-10-02"))


def parse(case: dict[str, Any] | str) -> Any:
    """Parse a case given as a dict or raw text."""
    return parse_case_file(case if isinstance(case, str) else json.dumps(case), source="case.json")


def test_a_valid_case_file_parses() -> None:
    """The builders' case file is valid and keeps every record."""
    case = parse(good_case())
    assert (case.as_of, case.profile, len(case.attendance)) == (d("2026-10-02"), "national", 2)


def test_extra_fields_are_tolerated() -> None:
    """Vendors add their own fields: they are ignored, not refused."""
    case = good_case()
    case["attendance"][0]["vendor_code"] = "AFW"
    assert len(parse(case).attendance) == 2


def test_a_lesson_ending_before_it_starts_is_refused() -> None:
    """end <= start: the message names the record and says why."""
    case = good_case()
    case["attendance"][1]["end"] = "08:00"
    with pytest.raises(InvalidInput, match=r"attendance\[1\] \(id 'S1-2026-09-01-1'\).*eindtijd"):
        parse(case)


def test_a_late_record_without_minutes_late_is_refused() -> None:
    """status late needs minutes_late."""
    case = good_case()
    case["attendance"][0]["status"] = "late"
    with pytest.raises(InvalidInput, match=r"attendance\[0\].*minutes_late"):
        parse(case)


def test_an_unknown_status_is_refused() -> None:
    """Only present, absent and late."""
    case = good_case()
    case["attendance"][0]["status"] = "weg"
    with pytest.raises(InvalidInput, match=r"attendance\[0\].*veld 'status'"):
        parse(case)


def test_a_duplicate_student_id_is_refused() -> None:
    """Student ids are unique within a case file."""
    case = good_case()
    case["students"].append(dict(case["students"][0]))
    with pytest.raises(InvalidInput, match=r"students\[1\] \(id 'S1'\).*twee keer"):
        parse(case)


def test_a_calendar_ending_before_it_starts_is_refused() -> None:
    """last_school_day before first_school_day."""
    case = good_case()
    case["calendar"]["last_school_day"] = "2026-08-01"
    with pytest.raises(InvalidInput, match="last_school_day"):
        parse(case)


def test_a_holiday_ending_before_it_starts_is_refused() -> None:
    """A holiday range must be ordered; the message names the holiday."""
    case = good_case()
    case["calendar"]["holidays"][0]["end"] = "2026-10-01"
    with pytest.raises(InvalidInput, match="herfstvakantie"):
        parse(case)


def test_an_invalid_leerweg_is_refused() -> None:
    """leerweg is BOL, BBL or VO."""
    case = good_case()
    case["students"][0]["leerweg"] = "HAVO"
    with pytest.raises(InvalidInput, match=r"students\[0\] \(id 'S1'\), veld 'leerweg'"):
        parse(case)


def test_a_json_array_is_refused() -> None:
    """The case file is one JSON object."""
    with pytest.raises(InvalidInput, match="JSON-object"):
        parse("[]")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    """Bytes that are not UTF-8: a clear message naming the file."""
    path = tmp_path / "latin1.json"
    path.write_bytes('{"naam": "Zoë"}'.encode("latin-1"))
    with pytest.raises(InvalidInput, match=r"latin1\.json.*UTF-8"):
        load_case_file(path)


def test_a_minutes_late_beyond_one_day_is_refused() -> None:
    """minutes_late over 1,440 cannot be a late arrival: refused, naming the record."""
    case = good_case()
    case["attendance"][0].update(status="late", minutes_late=100_000)
    with pytest.raises(InvalidInput, match=r"attendance\[0\].*minutes_late.*1440"):
        parse(case)


def test_a_birth_date_outside_1900_to_2199_is_refused() -> None:
    """A typing error like 9990-01-01 is refused, not carried into the age arithmetic."""
    case = good_case()
    case["students"][0]["birth_date"] = "9990-01-01"
    with pytest.raises(InvalidInput, match=r"students\[0\] \(id 'S1'\), veld 'birth_date'.*9990"):
        parse(case)


def test_a_calendar_longer_than_a_school_year_is_refused() -> None:
    """A calendar to 2099-12-31 is refused: a calendar is one school year."""
    case = good_case()
    case["calendar"]["last_school_day"] = "2099-12-31"
    with pytest.raises(InvalidInput, match=r"calendar.*schooljaar"):
        parse(case)


def test_a_student_id_longer_than_the_store_keeps_is_refused() -> None:
    """Student ids are at most 64 characters (the store's column): longer is refused, not cut."""
    case = good_case()
    long_id = "S" * 65
    case["students"][0]["id"] = long_id
    for record in case["attendance"]:
        record["student_id"] = long_id
    with pytest.raises(InvalidInput, match=r"students\[0\].*veld 'id'"):
        parse(case)


def test_unknown_fields_are_passed_to_the_warning() -> None:
    """Each unknown key is named with its record, so a typo does not vanish silently."""
    case = good_case()
    case["students"][0]["startkwalifcatie"] = True
    warnings: list[str] = []
    parse_case_file(json.dumps(case), source="case.json", warn=warnings.append)
    assert warnings == ["case.json: students[0] (id 'S1'), veld 'startkwalifcatie' is onbekend en wordt "
                        "genegeerd (tikfout?)"]
