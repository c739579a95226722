"""``verzuim-gateway serve`` as a subprocess on a free loopback port, for the browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

START_TIMEOUT = 30.0  # seconds; the command opens the store and binds the port in well under one
COMMAND = Path(sys.executable).with_name("verzuim-gateway")


class ServeFailed(RuntimeError):
    """The command did not answer on /api/v1/health in time (its stderr is in the message)."""


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now (``serve`` has no ``--port 0``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    """A running ``serve``: its URL, process and the file its stderr goes to."""

    url: str
    process: subprocess.Popen[bytes]
    stderr_path: Path
    data_dir: Path

    def stderr(self) -> str:
        """What the command wrote to stderr so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the command (SIGTERM, as Ctrl-C would; kill after 10 s)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _wait_for_health(url: str, process: subprocess.Popen[bytes], stderr: IO[bytes], path: Path) -> None:
    """Poll /api/v1/health until it answers 200; fail with the command's stderr on exit or timeout."""
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(base_url=url, timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                stderr.flush()
                raise ServeFailed(f"serve stopte met code {process.returncode}:\n{path.read_text()}")
            try:
                if client.get("/api/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet: try again (the request itself is the wait)
    raise ServeFailed(f"serve antwoordde niet binnen {START_TIMEOUT} s:\n{path.read_text()}")


def start_serve(data_dir: Path, log_dir: Path) -> Served:
    """Start ``verzuim-gateway serve`` on ``data_dir`` and wait until it answers."""
    port = free_port()
    env = serve_env(data_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    stderr_path = log_dir / f"serve-{port}.stderr"
    stderr = stderr_path.open("wb")
    process = subprocess.Popen([str(COMMAND), "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=stderr, cwd=data_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(url, process, stderr, stderr_path)
    except BaseException:
        process.kill()
        process.wait()
        stderr.close()
        raise
    stderr.close()  # the child keeps its own descriptor
    return Served(url, process, stderr_path, data_dir)


def serve_env(data_dir: Path) -> dict[str, str]:
    """The environment of a ``verzuim-gateway`` command on ``data_dir`` (its SQLite file and key file)."""
    env = {**os.environ, "VERZUIM_DATA_DIR": str(data_dir), "VERZUIM_LOG_FORMAT": "console",
           "VERZUIM_LOG_LEVEL": "warning"}
    for name in ("VERZUIM_DATABASE_URL", "VERZUIM_KEYS", "VERZUIM_ACTIVE_KEY"):
        env.pop(name, None)  # nothing from the caller's environment points elsewhere
    return env


def copy_data_dir(source: Path, target: Path) -> Path:
    """A copy of a seeded data folder (key file and SQLite file) for a server a test may write to."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.stderr"))
    return target
