"""One demo run per test session, shared by the xdist workers through a lock file."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
CLI = str(BIN / "verzuim-gateway")


@dataclass(frozen=True)
class DemoRun:
    """The outcome of ``verzuim-gateway demo`` run in a subprocess."""

    workdir: Path
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> DemoRun:
    """Run the demo once (the first worker to get here runs it; the others read its result)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if worker_id != "master" else base
    workdir = root / "demo-out"
    record = root / "demo-run.json"
    with (root / "demo-run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            env = {**os.environ, "VERZUIM_LOG_FORMAT": "console"}
            proc = subprocess.run([CLI, "demo", "--workdir", str(workdir)], capture_output=True, text=True,
                                  timeout=300, env=env, check=False)
            record.write_text(json.dumps({"rc": proc.returncode, "out": proc.stdout, "err": proc.stderr}))
        data = json.loads(record.read_text())
    return DemoRun(workdir, data["rc"], data["out"], data["err"])
