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


def test_an_unknown_field_on_a_record_is_refused_naming_field_and_record() -> None:
    """A misspelt "reasn" would leave a sick pupil's lesson without its reason: refused, not dropped."""
    case = good_case()
    case["attendance"][1]["reasn"] = "ziek"
    with pytest.raises(InvalidInput, match=r"attendance\[1\] \(id 'S1-2026-09-01-1'\), veld 'reasn': "
                                           r"is een onbekende sleutel"):
        parse(case)


def test_an_unknown_field_on_a_student_is_refused_naming_field_and_student() -> None:
    """'startkwalifcatie' (a typo) is an error naming the student, not a silent False."""
    case = good_case()
    case["students"][0]["startkwalifcatie"] = True
    with pytest.raises(InvalidInput, match=r"students\[0\] \(id 'S1'\), veld 'startkwalifcatie'"):
        parse(case)


def test_an_unknown_field_at_the_top_is_refused() -> None:
    """The case file itself has only the fields DESIGN names."""
    case = good_case()
    case["asof"] = "2026-10-02"
    with pytest.raises(InvalidInput, match=r"bestand, veld 'asof': is een onbekende sleutel"):
        parse(case)


def test_an_unknown_field_in_the_calendar_is_refused() -> None:
    """Calendar and holidays forbid extra fields too."""
    case = good_case()
    case["calendar"]["holidays"][0]["eind"] = "2026-10-23"
    with pytest.raises(InvalidInput, match=r"calendar.*holidays\[0\].*'eind'"):
        parse(case)


def test_every_field_design_names_is_accepted() -> None:
    """DESIGN.md section 2 and 4: every pinned field, and the melding content, still reads."""
    case = good_case()
    case["students"][0].update(
        first_school_day="2026-08-31", bsn="111222333", onderwijsnummer="101222331", given_names="Jan",
        family_name="Jansen", street="Dorpsstraat", house_number="1", postcode="3511AA", city="Utrecht",
        crebo="25604", opleiding="Verzorgende IG", leerjaar=1)
    case["attendance"][0].update(status="late", minutes_late=5, reason="ziek")
    parsed = parse(case)
    assert (parsed.students[0].leerjaar, parsed.attendance[0].minutes_late) == (1, 5)


@pytest.mark.parametrize(("field", "value", "says"), [
    ("startkwalificatie", "yes", "moet true of false zijn"),
    ("niveau", True, "moet een geheel getal zijn"),
    ("niveau", "2", "moet een geheel getal zijn"),
    ("woongemeente", 344, "moet tekst zijn"),
    ("birth_date", 1262304000, "is geen geldige datum"),
    ("birth_date", "2010-03-01T00:00:00", "is geen geldige datum"),
])
def test_a_student_value_of_the_wrong_type_is_refused_not_coerced(field: str, value: Any, says: str) -> None:
    """Strict types: a string for a boolean, a boolean for a number, a number for a date are errors."""
    case = good_case()
    case["students"][0][field] = value
    with pytest.raises(InvalidInput, match=rf"students\[0\] \(id 'S1'\), veld '{field}': {says}"):
        parse(case)


def test_minutes_late_given_as_text_is_refused() -> None:
    """"12" is no number: the record is named."""
    case = good_case()
    case["attendance"][0].update(status="late", minutes_late="12")
    with pytest.raises(InvalidInput, match=r"attendance\[0\].*veld 'minutes_late': moet een geheel getal"):
        parse(case)


@pytest.mark.parametrize("value", [30600, 8.5, True])
def test_a_time_given_as_a_number_is_refused(value: Any) -> None:
    """A start time of 30600 (seconds) is no local time: a clear message, not a TypeError."""
    case = good_case()
    case["attendance"][0]["start"] = value
    with pytest.raises(InvalidInput, match=r"attendance\[0\].*veld 'start': is geen geldige lokale tijd"):
        parse(case)


@pytest.mark.parametrize("value", ["10:00+02:00", "10:00Z", "10:00:00-01:00"])
def test_a_time_with_an_offset_beside_a_plain_one_is_refused(value: str) -> None:
    """An end with a UTC offset beside a plain start: refused as not local, not a TypeError."""
    case = good_case()
    case["attendance"][0]["end"] = value
    with pytest.raises(InvalidInput, match=r"attendance\[0\].*veld 'end': tijd met een tijdzone"):
        parse(case)


@pytest.mark.parametrize("value", ["8:30", "08.30", "25:00", "08:30 uur"])
def test_a_time_not_written_as_hh_mm_is_refused(value: str) -> None:
    """Only UU:MM (and UU:MM:SS, as a written-back time reads)."""
    case = good_case()
    case["attendance"][0]["start"] = value
    with pytest.raises(InvalidInput, match=r"veld 'start': is geen geldige lokale tijd \(UU:MM\)"):
        parse(case)


def test_a_time_with_seconds_is_accepted() -> None:
    """08:30:00 is the same plain local time as 08:30."""
    case = good_case()
    case["attendance"][0].update(start="08:30:00", end="10:00:00")
    assert parse(case).attendance[0].minutes == 90


def test_a_bsn_failing_the_elfproef_is_refused_without_echoing_it() -> None:
    """The message names the field and the student, never the number (personal data)."""
    case = good_case()
    case["students"][0]["bsn"] = "123456789"
    with pytest.raises(InvalidInput, match=r"students\[0\] \(id 'S1'\), veld 'bsn': .*elfproef") as refused:
        parse(case)
    assert "123456789" not in str(refused.value)


def test_a_bsn_given_as_a_number_is_refused_without_echoing_it() -> None:
    """A BSN as a JSON number is no text: refused, and the number is not repeated."""
    case = good_case()
    case["students"][0]["bsn"] = 111222333
    with pytest.raises(InvalidInput, match=r"veld 'bsn': moet tekst zijn") as refused:
        parse(case)
    assert "111222333" not in str(refused.value)


def test_an_onderwijsnummer_failing_the_elfproef_is_refused() -> None:
    """An onderwijsnummer starts with 10 and passes its own elfproef."""
    case = good_case()
    case["students"][0]["onderwijsnummer"] = "111222333"
    with pytest.raises(InvalidInput, match=r"veld 'onderwijsnummer': .*elfproef") as refused:
        parse(case)
    assert "111222333" not in str(refused.value)


def test_a_json_syntax_error_names_line_and_column_in_dutch() -> None:
    """A missing comma on line 3: the message says where, in Dutch."""
    with pytest.raises(InvalidInput, match=r"case\.json: geen geldige JSON: hier wordt een ',' verwacht "
                                           r"\(regel 3, kolom 3\)"):
        parse('{\n  "as_of": "2026-10-02"\n  "profile": "national"\n}')


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000,
                                  '{"as_of": ' + "[" * 100_000 + "]" * 100_000 + "}"])
def test_json_nested_too_deep_is_refused_before_recursion_blows_up(text: str) -> None:
    """A hundred thousand nested lists: a Dutch message, not a RecursionError."""
    with pytest.raises(InvalidInput, match="te diep genest"):
        parse(text)


def test_a_number_too_long_to_read_is_refused() -> None:
    """An integer of 5,000 digits exceeds Python's conversion limit: a message, not a ValueError."""
    with pytest.raises(InvalidInput, match="getal in de JSON is te lang"):
        parse('{"as_of": ' + "9" * 5000 + "}")


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

