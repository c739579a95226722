"""No traceback reaches a person: each start-up problem is one Dutch line on stderr and exit status 2.

Each case runs the installed console script in a subprocess, as an administrator would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.store.conftest import PG_URL, pg_available

CLI = str(Path(sys.executable).parent / "verzuim-gateway")
# A well-formed encryption key, so that a store command gets as far as the database.
KEY = "k1:" + "A" * 43 + "="


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command with a fresh data folder and ``env`` on top of the environment."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("VERZUIM_")}
    environ = {**inherited, "VERZUIM_DATA_DIR": str(tmp_path / "data"), **env}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=environ, timeout=60, check=False)


def one_dutch_line(result: subprocess.CompletedProcess[str]) -> str:
    """Status 2 and exactly one line on stderr, starting with 'Fout:'; that line."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Fout: ")
    return lines[0]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port this test listens on, so that nobody else can."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def test_an_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    """A PostgreSQL URL to a port nobody listens on: 'niet bereikbaar', host and port named."""
    port = free_port()
    line = one_dutch_line(run(tmp_path, "outbox", "list", VERZUIM_KEYS=KEY,
                              VERZUIM_DATABASE_URL=f"postgresql://postgres:geheim@127.0.0.1:{port}/verzuim"))
    assert f"127.0.0.1:{port} is niet bereikbaar" in line
    assert "geheim" not in line  # the password in the URL is never shown


def test_a_missing_postgresql_database_is_one_line(tmp_path: Path) -> None:
    """A database name the real server does not have: 'bestaat niet'."""
    if not pg_available():
        pytest.skip("PostgreSQL op 127.0.0.1:5432 niet beschikbaar")
    name = f"ontbreekt_{uuid.uuid4().hex[:8]}"
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    line = one_dutch_line(run(tmp_path, "db", "init", VERZUIM_DATABASE_URL=url))
    assert f"database '{name}'" in line and "bestaat niet" in line


def test_a_bad_log_level_is_one_line(tmp_path: Path) -> None:
    """VERZUIM_LOG_LEVEL=luid: the allowed levels are named."""
    line = one_dutch_line(run(tmp_path, "db", "init", VERZUIM_LOG_LEVEL="luid"))
    assert "logniveau 'luid'" in line and "debug, info, warning, error, critical" in line


def test_a_data_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    """A data folder below a file: the folder is named, with the reason in Dutch."""
    blocker = tmp_path / "bestand"
    blocker.write_text("geen map")
    line = one_dutch_line(run(tmp_path, "db", "init", VERZUIM_DATA_DIR=str(blocker / "data")))
    assert f"datamap {blocker / 'data'} kan niet gemaakt worden" in line and "geen map" in line


def test_a_data_folder_that_cannot_be_made_is_one_line_for_store_commands(tmp_path: Path) -> None:
    """The same for a command that opens the store (the key comes from the environment)."""
    blocker = tmp_path / "bestand"
    blocker.write_text("geen map")
    line = one_dutch_line(run(tmp_path, "outbox", "list", VERZUIM_DATA_DIR=str(blocker / "data"),
                              VERZUIM_KEYS=KEY))
    assert "kan niet gemaakt worden" in line


def test_a_taken_port_is_one_line(tmp_path: Path, taken_port: int) -> None:
    """serve on a port another process listens on: 'al in gebruik'."""
    assert run(tmp_path, "db", "init").returncode == 0
    line = one_dutch_line(run(tmp_path, "serve", "--port", str(taken_port)))
    assert f"poort {taken_port} op 127.0.0.1 is al in gebruik" in line


@pytest.mark.parametrize("port", ["70000", "0", "-1"])
def test_a_port_out_of_range_is_one_line(tmp_path: Path, port: str) -> None:
    """serve on a port that does not exist: the range is named."""
    assert run(tmp_path, "db", "init").returncode == 0
    line = one_dutch_line(run(tmp_path, "serve", "--port", port))
    assert f"poort {port} bestaat niet" in line and "1 tot en met 65535" in line
