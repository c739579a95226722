"""The conformance kit as a vendor runs it (issue 15): from the command line, against the real stand-in.

`sandbox magister --config-out` writes a file `adapter check` accepts, with the stand-in's clock, so
the correction check runs; push bodies the API would refuse (duplicate ids, future lessons, a pupil
without BSN or onderwijsnummer) fail the kit naming the file and the field.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from adapters.magister.sandbox import CLOCK_PATH
from adapters.magister.sandbox import start_sandbox as start_magister
from gateway.cli import cli
from gateway.intake.conformance import CORRECTIONS
from tests.sources.test_conformance import AS_OF, SCHOOL, SPEC, _write_push_payloads
from tests.sources.test_sandbox_cli import GATEWAY, _wait_for_output


def _check(*args: str) -> Any:
    return CliRunner().invoke(cli, ["adapter", "check", *args])


@pytest.fixture
def sandbox_config(tmp_path: Path) -> Iterator[Path]:
    """`verzuim-gateway sandbox magister --config-out` running in its own process; the file it wrote."""
    config_path = tmp_path / "magister.json"
    proc = subprocess.Popen(
        [str(GATEWAY), "sandbox", "magister", "--port", "0", "--seed", "5", "--size", "8",
         "--config-out", str(config_path)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        _wait_for_output(proc, "draait op")
        yield config_path
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_the_sandbox_config_out_file_passes_adapter_check_including_corrections(sandbox_config: Path) -> None:
    """The written file is a check configuration: every check passes, corrections included (not skipped)."""
    result = _check("magister", "--config", str(sandbox_config), "--format", "json")
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c["passed"] for c in json.loads(result.stdout)["checks"]}
    assert checks[CORRECTIONS] is True and None not in checks.values()


def test_the_kit_leaves_the_stand_in_on_its_own_day(sandbox_config: Path) -> None:
    """After the correction check moved the clock back and forth, the stand-in is on the as-of day again."""
    config = json.loads(sandbox_config.read_text(encoding="utf-8"))
    assert _check("magister", "--config", str(sandbox_config)).exit_code == 0
    answer = httpx.put(config["clock"]["url"], json={"today": config["reference"]["as_of"]},
                       headers={"Authorization": f"Bearer {config['clock']['token']}"})
    assert answer.status_code == 200 and answer.json() == {"today": config["reference"]["as_of"]}


def test_a_clock_that_refuses_fails_the_correction_check_and_says_why(tmp_path: Path) -> None:
    """A wrong clock token: the stand-in answers 401, the kit fails that check (exit 1) and names it."""
    with start_magister(SCHOOL, today=AS_OF) as running:
        config = running.sandbox.check_config(running.url, SPEC.seed)
        config["clock"]["token"] = "fout"
        path = tmp_path / "check.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        result = _check("magister", "--config", str(path), "--format", "json")
        assert running.sandbox.today == AS_OF
    assert result.exit_code == 1
    [failed] = [c for c in json.loads(result.stdout)["checks"] if c["passed"] is False]
    assert failed["name"] == CORRECTIONS and "HTTP 401" in failed["detail"]


def test_the_stand_in_clock_needs_the_secret(tmp_path: Path) -> None:
    """Without the client secret the stand-in's clock does not move."""
    with start_magister(SCHOOL, today=AS_OF) as running:
        answer = httpx.put(running.url + CLOCK_PATH, json={"today": "2026-09-01"})
        assert answer.status_code == 401 and running.sandbox.today == AS_OF


def _push_check(tmp_path: Path) -> Any:
    config = tmp_path / "check.json"
    config.write_text(json.dumps({"source": {"folder": str(tmp_path / "push")},
                                  "reference": SPEC.model_dump(mode="json")}), encoding="utf-8")
    return _check("push", "--config", str(config))


def _edit(path: Path, change: Any) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body)
    path.write_text(json.dumps(body), encoding="utf-8")


def test_a_push_body_with_one_id_twice_fails_the_kit(tmp_path: Path) -> None:
    """Two records with one id in a body: the API refuses it, so does the kit (the folder's merge hid it)."""
    _write_push_payloads(tmp_path / "push")
    _edit(tmp_path / "push" / "attendance-1.json",
          lambda body: body["records"].append({**body["records"][0], "status": "present", "reason": None}))
    result = _push_check(tmp_path)
    assert result.exit_code == 1
    assert "attendance-1.json: veld 'records[" in result.output and "twee keer" in result.output


def test_a_push_body_with_a_future_lesson_fails_the_kit(tmp_path: Path) -> None:
    """A lesson two days after the reference's as-of day fails the kit, naming the date field."""
    _write_push_payloads(tmp_path / "push")
    later = (AS_OF + timedelta(days=2)).isoformat()
    _edit(tmp_path / "push" / "attendance-2.json",
          lambda body: body["records"].__setitem__(0, {**body["records"][0], "date": later}))
    result = _push_check(tmp_path)
    assert result.exit_code == 1
    assert "attendance-2.json: veld 'records[0].date'" in result.output and "toekomst" in result.output


def test_a_push_body_with_a_pupil_without_number_fails_the_kit(tmp_path: Path) -> None:
    """A reportable student without BSN or onderwijsnummer fails, as the API would refuse it."""
    _write_push_payloads(tmp_path / "push")
    _edit(tmp_path / "push" / "students.json",
          lambda body: body["students"][2].__setitem__("onderwijsnummer", None))
    result = _push_check(tmp_path)
    assert result.exit_code == 1 and "students.json: veld 'students[2].bsn'" in result.output
