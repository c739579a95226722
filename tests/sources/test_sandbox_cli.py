"""The stand-ins' commands: `sandbox magister` serves on the port it prints until stopped; `sandbox
eduarte` writes exports into a drop folder."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from adapters.eduarte import create_source as create_eduarte
from adapters.eduarte.exports import snapshots
from adapters.eduarte.sandbox import command as eduarte_command
from adapters.magister import create_source

GATEWAY = Path(sys.executable).with_name("verzuim-gateway")


def _wait_for_output(proc: subprocess.Popen[bytes], text: str, timeout: float = 30.0) -> str:
    """Stdout up to and including ``text``, waiting at most ``timeout`` seconds per read."""
    assert proc.stdout is not None
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while selector.select(timeout):
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            if text.encode() in seen:
                return seen.decode()
    raise AssertionError(f"'{text}' not printed by the stand-in (got {seen!r})")


def test_magister_sandbox_command_serves_a_school(tmp_path: Path) -> None:
    """Started on port 0 it prints its URL, writes an adapter configuration, and answers the adapter."""
    config_path = tmp_path / "magister.json"
    proc = subprocess.Popen(
        [str(GATEWAY), "sandbox", "magister", "--port", "0", "--size", "5", "--config-out", str(config_path)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        _wait_for_output(proc, "draait op")
        config = json.loads(config_path.read_text(encoding="utf-8"))["source"]  # a check configuration
        source = create_source(config)
        batch = source.fetch(None)
        source.close()
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert len(batch.students) == 5 and batch.records and batch.calendar is not None


def test_eduarte_sandbox_command_once_writes_one_export_and_stops(tmp_path: Path) -> None:
    """`sandbox eduarte --once` writes a single snapshot the adapter reads, and returns."""
    folder = tmp_path / "drop"
    result = CliRunner().invoke(eduarte_command, [str(folder), "--size", "5", "--once", "--interval", "0.01"])
    assert result.exit_code == 0, result.output
    assert len(snapshots(folder)) == 1
    assert len(create_eduarte({"drop_folder": str(folder), "brin": "99YY"}).fetch(None).students) == 5
