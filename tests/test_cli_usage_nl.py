"""Usage errors reach people in Dutch: click's own English texts go through one translation table."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main
from gateway.cli.usage_nl import dutch


def refusal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The 'Fout:' line of a command line that click refuses (exit status 2)."""
    monkeypatch.setattr("sys.argv", ["verzuim-gateway", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    return next(line for line in capsys.readouterr().err.splitlines() if line.startswith("Fout: "))


def test_a_missing_required_option_is_named_in_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``outbox replay x`` without --reason: the option is named, the text is Dutch."""
    assert refusal(monkeypatch, capsys, "outbox", "replay", "x") == "Fout: optie '--reason' ontbreekt"


def test_a_missing_argument_is_named_in_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``outbox retry`` without an id names the argument."""
    assert refusal(monkeypatch, capsys, "outbox", "retry") == "Fout: argument 'MELDING_ID' ontbreekt"


def test_a_value_outside_the_choices_lists_them_in_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--route fax``: the wrong value and the allowed ones."""
    assert refusal(monkeypatch, capsys, "outbox", "pause", "X", "--route", "fax") == (
        "Fout: ongeldige waarde voor '--route': 'fax' is geen toegestane waarde; kies uit 'duo', 'mail', '*'")


def test_a_number_option_given_text_says_so_in_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``serve --port abc``: not a whole number."""
    assert refusal(monkeypatch, capsys, "serve", "--port", "abc") == (
        "Fout: ongeldige waarde voor '--port': 'abc' is geen geheel getal")


def test_a_missing_file_option_says_it_does_not_exist_in_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``audit verify --checkpoint`` of a file that is not there."""
    missing = tmp_path / "weg.json"
    assert refusal(monkeypatch, capsys, "audit", "verify", "--checkpoint", str(missing)) == (
        f"Fout: ongeldige waarde voor '--checkpoint': '{missing}' bestaat niet")


def test_a_misspelt_option_gets_a_dutch_suggestion(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``evaluate --as-o``: unknown option, with 'bedoelt u --as-of?'."""
    assert refusal(monkeypatch, capsys, "evaluate", "--as-o", "2026-01-01", "x.json") == (
        "Fout: onbekende optie '--as-o'; bedoelt u --as-of?")


def test_an_unknown_command_is_named_in_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped command name."""
    assert refusal(monkeypatch, capsys, "evalueer") == "Fout: onbekend commando 'evalueer'"


def test_extra_arguments_are_named_in_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Arguments the command does not take."""
    assert refusal(monkeypatch, capsys, "evaluate", "a", "b", "c") == "Fout: onverwachte extra invoer: b c"


def test_an_option_without_its_value_says_it_needs_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``evaluate --as-of`` at the end of the line."""
    assert refusal(monkeypatch, capsys, "evaluate", "--as-of") == (
        "Fout: optie '--as-of' heeft een waarde nodig")


def test_a_commands_own_dutch_message_passes_unchanged() -> None:
    """A text that is not one of click's English ones is left as it is."""
    assert dutch("'2026-13-01' is geen datum (JJJJ-MM-DD)") == "'2026-13-01' is geen datum (JJJJ-MM-DD)"
