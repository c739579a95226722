"""The console commands as a school and a receiver run them: sandbox smtp, then mail decrypt."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.mail import create_channel
from gateway.domain.ports import OutgoingMelding
from tests.channel_settings import ChannelPki
from tests.mail.conftest import channel_config

GATEWAY = str(Path(sys.executable).with_name("verzuim-gateway"))
START_DEADLINE = 30.0


def _wait_for_line(proc: subprocess.Popen[str], pattern: str) -> re.Match[str]:
    """Read the process's output until a line matches ``pattern`` (bounded by START_DEADLINE)."""
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + START_DEADLINE
    seen = []
    while time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return found
    raise AssertionError(f"no line matching {pattern!r}; output: {''.join(seen)}")


@pytest.fixture
def sandbox_process(pki: ChannelPki, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """`verzuim-gateway sandbox smtp --port 0` as a separate process; yields its port and maildir."""
    maildir = tmp_path / "maildir"
    proc = subprocess.Popen(
        [GATEWAY, "sandbox", "smtp", "--port", "0", "--maildir", str(maildir),
         "--cert", str(pki.smtp_server.cert), "--key", str(pki.smtp_server.key)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        port = int(_wait_for_line(proc, r"luistert op 127\.0\.0\.1:(\d+)").group(1))
        yield port, maildir
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=START_DEADLINE)
        if proc.stdout is not None:
            proc.stdout.close()


def test_sandbox_command_receives_and_decrypt_command_opens(pki: ChannelPki, melding: OutgoingMelding,
                                                            sandbox_process: tuple[int, Path]) -> None:
    """A melding sent to `sandbox smtp` lands in its maildir and `mail decrypt` shows it, signature valid."""
    port, maildir = sandbox_process
    create_channel(channel_config(pki, port)).deliver(melding)
    [stored] = list((maildir / "new").iterdir())
    files = pki.demo.receivers["leerplicht"]
    result = subprocess.run(
        [GATEWAY, "mail", "decrypt", str(stored), "--key", str(files.key), "--cert", str(files.cert),
         "--signer-cert", str(pki.demo.school_smime.cert)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Leerplichtwet 1969 art. 21a" in result.stdout
    assert "Handtekening: geldig" in result.stdout


def test_decrypt_command_exits_non_zero_on_a_foreign_signature(pki: ChannelPki, melding: OutgoingMelding,
                                                               sandbox_process: tuple[int, Path]) -> None:
    """Checked against another certificate than the school's, `mail decrypt` exits 1."""
    port, maildir = sandbox_process
    create_channel(channel_config(pki, port)).deliver(melding)
    [stored] = list((maildir / "new").iterdir())
    files = pki.demo.receivers["leerplicht"]
    result = subprocess.run(
        [GATEWAY, "mail", "decrypt", str(stored), "--key", str(files.key), "--cert", str(files.cert),
         "--signer-cert", str(pki.demo.receivers["dsp"].cert)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 1
    assert "ONGELDIG" in result.stderr
