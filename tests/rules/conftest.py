"""Fixtures for the rules-engine tests; the builders themselves live in ``builders.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.rules.builders import RunCli

GATEWAY = Path(sys.executable).parent / "verzuim-gateway"


@pytest.fixture
def run_cli() -> RunCli:
    """Run ``verzuim-gateway`` as a subprocess and return the completed process (text output)."""

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(GATEWAY), *map(str, args)], capture_output=True, text=True, timeout=60, check=False
        )

    return run


@pytest.fixture
def write_case(tmp_path: Path) -> Callable[..., Path]:
    """Write a case file (a dict, or raw text) under tmp_path and return its path."""

    def write(content: dict[str, Any] | str, name: str = "case.json") -> Path:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        return path

    return write
