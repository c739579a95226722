"""`sync` shows how far it is: plain lines on stderr when stderr is no terminal (a log, cron)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from click.testing import CliRunner

from gateway.cli import cli
from gateway.cli._progress import progress
from tests.sources.test_sync import AS_OF, Setup, setup  # noqa: F401  the stand-ins and the store


def test_sync_reports_the_pull_and_the_evaluation_on_stderr(setup: Setup) -> None:  # noqa: F811
    """Each source pull counts its students up to the total, storing is announced, and the
    evaluation counts the meldingen it makes; none of it is on stdout."""
    result = CliRunner().invoke(cli, ["sync", "--as-of", AS_OF.isoformat(), "--actor", "test",
                                      "--school", "99XX00"], env=setup.env)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert "99XX00 magister: ophalen: 0/30" in lines
    assert "99XX00 magister: ophalen: 30/30" in lines
    assert any(line.startswith("99XX00 magister: 30 leerlingen en ") and "opslaan" in line for line in lines)
    assert any(line.startswith("99XX00: regels toepassen (nieuwe meldingen): ") for line in lines)
    assert "ophalen" not in result.stdout and "regels toepassen" not in result.stdout


def test_plain_lines_stay_few_for_long_work() -> None:
    """A thousand items give a line per tenth, not a line per item."""
    out = io.StringIO()
    with progress("leerlingen", out) as shown:
        for done in range(1001):
            shown(done, 1000)
    lines = out.getvalue().splitlines()
    assert lines[0] == "leerlingen: 0/1000" and lines[-1] == "leerlingen: 1000/1000"
    assert len(lines) == 11


def test_plain_lines_count_on_while_the_total_is_unknown() -> None:
    """Without a total: a line per hundred items, and the last count at the end."""
    out = io.StringIO()
    with progress("registraties", out) as shown:
        for done in range(250):
            shown(done, None)
    assert out.getvalue().splitlines() == ["registraties: 0", "registraties: 100", "registraties: 200",
                                           "registraties: 249"]


def test_nothing_is_shown_for_work_that_reported_nothing() -> None:
    """A source without progress (or with nothing to do) leaves no line."""
    out = io.StringIO()
    with progress("leerlingen", out):
        pass
    assert out.getvalue() == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_instead_of_lines() -> None:
    """On a terminal the same callback drives a rich progress bar: the label with 'done/total'."""
    out = _Terminal()
    with progress("leerlingen", out) as shown:
        shown(7, 10)
        shown(10, 10)
    text = out.getvalue()
    assert "leerlingen" in text and "10/10" in text
    assert "leerlingen: 10/10" not in text  # not the plain-line form


def test_sync_shows_the_time_of_each_stage_when_asked(setup: Setup, tmp_path: Path) -> None:  # noqa: F811
    """--timings: a Dutch line per source (pull, store) and for the rules on stderr; --timings-json
    writes the same figures for a benchmark."""
    path = tmp_path / "tijden.json"
    result = CliRunner().invoke(cli, ["sync", "--as-of", AS_OF.isoformat(), "--actor", "test", "--school",
                                      "99XX00", "--timings", "--timings-json", str(path)], env=setup.env)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert any(line.startswith("tijd 99XX00 magister: ophalen ") and ", opslaan " in line for line in lines)
    assert any(line.startswith("tijd 99XX00 regels: ") and "totaal " in line for line in lines)
    assert "tijd " not in result.stdout
    parts = {part["onderdeel"]: part["seconden"] for part in json.loads(path.read_text())}
    assert set(parts) == {"magister", "regels"}
    assert {"ophalen", "opslaan"} <= set(parts["magister"]) and "totaal" in parts["regels"]


def test_sync_shows_no_times_unless_asked(setup: Setup) -> None:  # noqa: F811
    """Without --timings stderr has no time lines."""
    result = CliRunner().invoke(cli, ["sync", "--as-of", AS_OF.isoformat(), "--actor", "test",
                                      "--school", "99XX00", "--no-evaluate"], env=setup.env)
    assert result.exit_code == 0 and "tijd " not in result.stderr
