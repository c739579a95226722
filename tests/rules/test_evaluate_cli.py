"""The evaluate command (DESIGN.md section 4), run as a subprocess of ``verzuim-gateway``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.rules.builders import RunCli, case_data, d, every_school_day, lessons, student

# The repository's copy of the shared worked example (/work/shared/examples).
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "example.json"
EXPECTED = json.loads((EXAMPLES / "example.expected.json").read_text(encoding="utf-8"))["signals"]

WriteCase = Callable[..., Path]


def listed_fields(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``actual`` cut down to the fields the expected signals list (extra fields are allowed)."""
    return [{k: a.get(k) for k in e} for a, e in zip(actual, expected, strict=False)]


def signals_from(result: Any) -> list[dict[str, Any]]:
    """The signals of a successful evaluate run."""
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert list(output) == ["signals"]
    signals: list[dict[str, Any]] = output["signals"]
    return signals


def small_case(**kwargs: Any) -> dict[str, Any]:
    """A one-student case: absent 4 hours a day from 31 August to 2 October 2026."""
    records = every_school_day("S1", d("2026-08-31"), d("2026-10-02"))
    return case_data([student()], records, as_of=kwargs.pop("as_of", d("2026-10-02")), **kwargs)


def test_the_shared_example_reproduces_the_expected_output(run_cli: RunCli) -> None:
    """example.json gives example.expected.json: same signals, same order, same listed fields."""
    signals = signals_from(run_cli("evaluate", EXAMPLE))
    assert len(signals) == len(EXPECTED)
    assert listed_fields(signals, EXPECTED) == EXPECTED


def test_as_of_on_the_command_line_overrides_the_file(run_cli: RunCli) -> None:
    """--as-of 2026-09-04 lists exactly the expected signals triggered up to that date."""
    signals = signals_from(run_cli("evaluate", EXAMPLE, "--as-of", "2026-09-04"))
    expected = [e for e in EXPECTED if e["trigger_date"] <= "2026-09-04"]
    assert listed_fields(signals, expected) == expected
    assert len(signals) == len(expected) == 2


def test_the_file_as_of_is_used_without_the_option(run_cli: RunCli, write_case: WriteCase) -> None:
    """as_of 3 September in the file: the no-show of 4 September is not listed yet."""
    signals = signals_from(run_cli("evaluate", write_case(small_case(as_of=d("2026-09-03")))))
    assert [s["rule"] for s in signals] == ["verzuim-16u"]


def test_profile_on_the_command_line_overrides_the_file(run_cli: RunCli) -> None:
    """--profile noorderpoort stamps every signal with it and adds the intern-10u signals."""
    signals = signals_from(run_cli("evaluate", EXAMPLE, "--profile", "noorderpoort"))
    assert {s["profile"] for s in signals} == {"noorderpoort"}
    assert "intern-10u" in {s["rule"] for s in signals}


def test_the_file_profile_is_used_without_the_option(run_cli: RunCli, write_case: WriteCase) -> None:
    """profile utrecht in the case file: the signals carry the utrecht stamp."""
    signals = signals_from(run_cli("evaluate", write_case(small_case(profile="utrecht"))))
    assert {s["profile"] for s in signals} == {"utrecht"}
    assert all(s["profile_version"].startswith("utrecht@") for s in signals)


def test_signals_are_ordered_by_student_trigger_date_and_rule(run_cli: RunCli, write_case: WriteCase) -> None:
    """Students listed B2 before A1, and two rules on one day: output sorted by student, date, rule."""
    records = []
    for sid in ("B2", "A1"):
        records += [r for day in ("2026-08-31", "2026-09-01") for r in lessons(sid, d(day), 9)]
    case = case_data([student("B2"), student("A1")], records, as_of=d("2026-09-18"), profile="noorderpoort")
    signals = signals_from(run_cli("evaluate", write_case(case)))
    keys = [(s["student_id"], s["trigger_date"], s["rule"]) for s in signals]
    assert keys == sorted(keys)
    assert keys[:3] == [
        ("A1", "2026-09-01", "intern-10u"),
        ("A1", "2026-09-01", "verzuim-16u"),
        ("A1", "2026-09-04", "no-show"),
    ]


def test_records_after_as_of_are_ignored(run_cli: RunCli, write_case: WriteCase) -> None:
    """Absences after as_of neither trigger nor add to evidence."""
    signals = signals_from(run_cli("evaluate", write_case(small_case(as_of=d("2026-09-03")))))
    evidence_dates = {e.removeprefix("S1-")[:10] for s in signals for e in s["evidence"]}
    assert max(evidence_dates) == "2026-09-03"


def test_the_json_signal_has_the_pinned_fields(run_cli: RunCli, write_case: WriteCase) -> None:
    """Every pinned field of section 4 is present."""
    signal = signals_from(run_cli("evaluate", write_case(small_case())))[0]
    pinned = {
        "rule",
        "kind",
        "student_id",
        "recipient",
        "trigger_date",
        "period_start",
        "period_end",
        "due_date",
        "hours",
        "actie_gewenst",
        "legal_basis",
        "evidence",
    }
    assert pinned <= set(signal)


def malformed_cases() -> dict[str, tuple[Callable[[dict[str, Any]], None], list[str]]]:
    """Name -> (how to break a good case, texts the error message must contain)."""

    def set_record(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
        def change(case: dict[str, Any]) -> None:
            case["attendance"][1][field] = value

        return change

    def drop_birth_date(case: dict[str, Any]) -> None:
        del case["students"][0]["birth_date"]

    def born_in_9990(case: dict[str, Any]) -> None:
        case["students"][0]["birth_date"] = "9990-01-01"

    def calendar_to_2099(case: dict[str, Any]) -> None:
        case["calendar"]["last_school_day"] = "2099-12-31"

    def late_by_a_lifetime(case: dict[str, Any]) -> None:
        case["attendance"][1].update(status="late", minutes_late=1099511627776)

    def set_student(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
        def change(case: dict[str, Any]) -> None:
            case["students"][0][field] = value

        return change

    def late_as_text(case: dict[str, Any]) -> None:
        case["attendance"][1].update(status="late", minutes_late="12")

    return {
        "wrong date": (set_record("date", "2026-02-30"), ["attendance[1]", "S1-2026-08-31-1", "date"]),
        "unknown reason": (
            set_record("reason", "vakantie"),
            ["attendance[1]", "S1-2026-08-31-1", "reason", "vakantie"],
        ),
        "unknown student": (
            set_record("student_id", "S9"),
            ["attendance[1]", "S1-2026-08-31-1", "student_id", "S9"],
        ),
        "missing field": (drop_birth_date, ["students[0]", "S1", "birth_date"]),
        "birth date far in the future": (born_in_9990, ["students[0]", "S1", "birth_date", "9990"]),
        "calendar over many years": (calendar_to_2099, ["calendar", "schooljaar"]),
        "minutes late beyond a day": (late_by_a_lifetime, ["attendance[1]", "minutes_late", "1440"]),
        "misspelt reason field": (
            set_record("reasn", "ziek"),
            ["attendance[1] (id 'S1-2026-08-31-1'), veld 'reasn': is een onbekende sleutel"],
        ),
        "misspelt student field": (
            set_student("startkwalifcatie", True),
            ["students[0] (id 'S1'), veld 'startkwalifcatie': is een onbekende sleutel"],
        ),
        "startkwalificatie as text": (
            set_student("startkwalificatie", "yes"),
            ["students[0] (id 'S1'), veld 'startkwalificatie': moet true of false zijn"],
        ),
        "niveau as a boolean": (set_student("niveau", True), ["veld 'niveau': moet een geheel getal zijn"]),
        "minutes late as text": (
            late_as_text, ["attendance[1]", "veld 'minutes_late': moet een geheel getal"]),
        "start as a number": (set_record("start", 30600), ["attendance[1]", "veld 'start'", "lokale tijd"]),
        "end with an offset": (set_record("end", "10:00+02:00"), ["attendance[1]", "veld 'end'", "tijdzone"]),
        "bsn failing the elfproef": (
            set_student("bsn", "123456789"), ["students[0]", "veld 'bsn'", "elfproef"]),
    }


@pytest.mark.parametrize("problem", list(malformed_cases()))
def test_a_malformed_case_file_exits_2_naming_the_field_and_record(
    problem: str, run_cli: RunCli, write_case: WriteCase
) -> None:
    """Wrong date, unknown reason, unknown student, missing field: exit 2, a clear message, no traceback."""
    breaker, texts = malformed_cases()[problem]
    case = small_case()
    breaker(case)
    result = run_cli("evaluate", write_case(case))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for text in texts:
        assert text in result.stderr, (text, result.stderr)


def test_a_malformed_case_file_gives_one_dutch_line_on_stderr(run_cli: RunCli, write_case: WriteCase) -> None:
    """One message, one line, in Dutch: no pydantic English, no traceback."""
    case = small_case()
    case["attendance"][1]["minutes_late"] = "12"
    result = run_cli("evaluate", write_case(case))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Fout: ")
    assert "Input should" not in result.stderr and "Traceback" not in result.stderr


def test_a_bsn_is_never_echoed_in_the_error(run_cli: RunCli, write_case: WriteCase) -> None:
    """A BSN failing the elfproef is refused by field and student, the number stays out of stderr."""
    case = small_case()
    case["students"][0]["bsn"] = "123456789"
    result = run_cli("evaluate", write_case(case))
    assert result.returncode == 2
    assert "bsn" in result.stderr and "123456789" not in result.stderr


def test_json_nested_thousands_deep_exits_2(run_cli: RunCli, write_case: WriteCase) -> None:
    """Five thousand nested lists: exit 2 with a Dutch message, not a RecursionError traceback."""
    result = run_cli("evaluate", write_case('{"students": ' + "[" * 5000 + "]" * 5000 + "}"))
    assert (result.returncode, result.stdout) == (2, "")
    assert "te diep genest" in result.stderr and "Traceback" not in result.stderr


def test_melding_content_design_names_without_a_shape_is_accepted(
    run_cli: RunCli, write_case: WriteCase
) -> None:
    """DESIGN.md section 2 names name, address and contacts as melding content: a case file may carry them."""
    plain = signals_from(run_cli("evaluate", write_case(small_case())))
    case = small_case()
    case["students"][0] |= {"name": "Sam de Vries", "address": {"straat": "Dorpsweg 1"},
                            "contacts": [{"naam": "ouder", "telefoon": "0600000000"}]}
    assert signals_from(run_cli("evaluate", write_case(case))) == plain != []


def test_as_of_may_come_from_the_option_alone(run_cli: RunCli, write_case: WriteCase) -> None:
    """A case file without as_of is evaluated on the --as-of date."""
    case = small_case()
    del case["as_of"]
    signals = signals_from(run_cli("evaluate", write_case(case), "--as-of", "2026-09-03"))
    assert [s["rule"] for s in signals] == ["verzuim-16u"]


def test_without_any_as_of_evaluate_exits_2(run_cli: RunCli, write_case: WriteCase) -> None:
    """No as_of in the file and no --as-of: exit 2 saying where to give it."""
    case = small_case()
    del case["as_of"]
    result = run_cli("evaluate", write_case(case))
    assert result.returncode == 2
    assert "as_of" in result.stderr and "--as-of" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_case_file_that_is_not_json_exits_2(run_cli: RunCli, write_case: WriteCase) -> None:
    """Bad JSON: exit 2 with a Dutch message saying where it broke, no traceback."""
    result = run_cli("evaluate", write_case('{"as_of": "2026-10-02",'))
    assert result.returncode == 2
    assert "geen geldige JSON: hier wordt een sleutel tussen dubbele aanhalingstekens verwacht " \
           "(regel 1, kolom 24)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_case_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    """A path that does not exist: exit 2, a message, no traceback."""
    result = run_cli("evaluate", tmp_path / "missing.json")
    assert result.returncode == 2
    assert "missing.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_profile_exits_2(run_cli: RunCli) -> None:
    """--profile nope: exit 2 naming the profile and the ones available."""
    result = run_cli("evaluate", EXAMPLE, "--profile", "nope")
    assert result.returncode == 2
    assert "nope" in result.stderr and "national" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_as_of_option_exits_2(run_cli: RunCli) -> None:
    """--as-of 2026-13-01 is no date: exit 2 with a Dutch hint."""
    result = run_cli("evaluate", EXAMPLE, "--as-of", "2026-13-01")
    assert result.returncode == 2
    assert "geen datum" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_table_format_prints_dutch_text(run_cli: RunCli) -> None:
    """--format table: Dutch headers and explanations for people."""
    result = run_cli("evaluate", EXAMPLE, "--format", "table")
    assert result.returncode == 0, result.stderr
    for text in (
        "ontvanger",
        "uiterlijk",
        "uur ongeoorloofd verzuim",
        "Uiterlijk 6 november 2026 naar Leerplicht",
        "langdurig relatief verzuim",
    ):
        assert text in result.stdout, text


def test_the_table_format_says_when_there_are_no_signals(run_cli: RunCli, write_case: WriteCase) -> None:
    """No signals: 'Geen signalen.'"""
    case = case_data([student()], [], as_of=d("2026-10-02"))
    result = run_cli("evaluate", write_case(case), "--format", "table")
    assert (result.returncode, result.stdout.strip()) == (0, "Geen signalen.")
