"""The console-script wrapper: exit codes and messages for people, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
import sqlalchemy as sa

from gateway.cli import cli, main
from gateway.domain.errors import InvalidInput


@pytest.fixture
def command_named_probe() -> Iterator[click.Group]:
    """Register a throwaway ``probe`` command on the root group for one test."""
    yield cli
    cli.commands.pop("probe", None)


def run(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.argv", ["verzuim-gateway", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    return int(exit_info.value.code or 0)


def test_a_command_that_exits_with_1_makes_the_process_exit_with_1(
    command_named_probe: click.Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctx.exit(1) in a command reaches the shell as status 1."""

    @command_named_probe.command("probe")
    @click.pass_context
    def probe(ctx: click.Context) -> None:
        ctx.exit(1)

    assert run(monkeypatch, "probe") == 1


def test_a_domain_error_is_a_dutch_message_and_status_2(
    command_named_probe: click.Group, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A GatewayError is shown as 'Fout: ...' on stderr with exit status 2, without a traceback."""

    @command_named_probe.command("probe")
    def probe() -> None:
        raise InvalidInput("veld 'date' ontbreekt", where="batch.json")

    assert run(monkeypatch, "probe") == 2
    err = capsys.readouterr().err
    assert "Fout: batch.json: veld 'date' ontbreekt" in err
    assert "Traceback" not in err


def test_a_command_error_is_shown_as_fout_not_error(
    command_named_probe: click.Group, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command's own refusal (click.ClickException) reads 'Fout: ...', with its exit status."""

    @command_named_probe.command("probe")
    def probe() -> None:
        raise click.ClickException("geen sleutel met id 'x'")

    assert run(monkeypatch, "probe") == 1
    assert capsys.readouterr().err == "Fout: geen sleutel met id 'x'\n"


def test_a_usage_error_shows_the_usage_and_a_dutch_prefix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong option gives the command's usage line, then 'Fout: ...', and status 2."""
    assert run(monkeypatch, "evaluate", "--bestaat-niet") == 2
    err = capsys.readouterr().err
    assert err.startswith("Usage: ") and "\nFout: " in err and "Error:" not in err


def test_an_unknown_command_is_a_usage_error_with_status_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mistyped command name exits with status 2."""
    assert run(monkeypatch, "evalueer") == 2


def test_help_lists_the_commands(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """--help exits 0 and lists evaluate and the sandbox group."""
    assert run(monkeypatch, "--help") == 0
    out = capsys.readouterr().out
    assert "evaluate" in out
    assert "sandbox" in out


def test_a_database_error_during_a_command_is_one_line_without_the_statement(
    command_named_probe: click.Group, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The database failing mid-command: status 2, its first line, never the SQL or its parameters."""

    @command_named_probe.command("probe")
    def probe() -> None:
        raise sa.exc.OperationalError("SELECT * FROM students WHERE bsn = ?", ("123456782",),
                                      Exception("server closed the connection unexpectedly\ndetail"))

    assert run(monkeypatch, "probe") == 2
    err = capsys.readouterr().err
    assert err.strip() == "Fout: de database gaf een fout (server closed the connection unexpectedly)"
