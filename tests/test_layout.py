"""The layout's import rules (docs/architecture.md): wings import downward only, the core imports
no adapter, adapters import no other adapter, and production paths take nothing from the test kit."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lower rank first; a wing may import its own modules and any wing of a lower rank.
WING_RANK = {
    "domain": 0,
    "logging": 1, "plugins": 1, "access_keys": 1,  # beside the wings: any wing may use them
    "store": 2, "testing": 2, "migrations": 3,
    "intake": 3,
    "rules": 4,
    "config": 5,
    "delivery": 6,
    "pipeline": 7,
    # The faces: the console serves the feedback API with the push API's problem documents, and the
    # command line starts both.
    "api": 8, "console": 9, "cli": 10,
}
ADAPTERS = sorted(p.name for p in (ROOT / "adapters").iterdir() if (p / "__init__.py").exists())
# Stand-ins of outside systems (and the demo's certificates) are test kit themselves.
STAND_INS = {"sandbox.py", "standin.py", "demo_certs.py"}


def _imports(path: Path) -> Iterator[str]:
    """Every absolute module name ``path`` imports (``from a import b`` yields ``a`` and ``a.b``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _wing(module: str) -> str | None:
    """The wing of a ``gateway.*`` module name; None for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in WING_RANK else None


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_every_gateway_module_belongs_to_a_known_wing() -> None:
    """A new folder or top-level module under gateway/ is placed in the table above on purpose."""
    names = [_name(path) for path in _modules("gateway")]
    assert [name for name in names if name != "gateway.__init__" and _wing(name) is None] == []


@pytest.mark.parametrize("path", _modules("gateway"), ids=_name)
def test_gateway_modules_import_only_downward(path: Path) -> None:
    """A wing imports its own modules and lower wings, never a higher one and never an adapter."""
    own = _wing(_name(path))
    upward = []
    for module in _imports(path):
        top = module.split(".")[0]
        assert top not in {"adapters", "demo", "tests"}, f"{_name(path)} imports {module}"
        wing = _wing(module) if top == "gateway" else None
        if own and wing and wing != own and WING_RANK[wing] >= WING_RANK[own]:
            upward.append(module)
    assert upward == [], f"{_name(path)} ({own}) imports upward: {upward}"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_an_adapter_imports_no_other_adapter(adapter: str) -> None:
    """Each adapter ships alone: what two adapters need lives in the core."""
    others = {f"adapters.{a}" for a in ADAPTERS if a != adapter}
    found = {
        (_name(path), module)
        for path in _modules(f"adapters/{adapter}")
        for module in _imports(path)
        if any(module == o or module.startswith(o + ".") for o in others)
    }
    assert found == set()


def test_production_paths_take_nothing_from_the_test_kit() -> None:
    """Demo PKI values and the synthetic school stay in stand-ins, the demo, tests and the vendor kit."""
    allowed = {"gateway.intake.conformance"}  # the vendor kit runs against a synthetic school by design
    found = {
        (_name(path), module)
        for folder in ("gateway", "adapters")
        for path in _modules(folder)
        if path.name not in STAND_INS and _wing(_name(path)) != "testing" and _name(path) not in allowed
        for module in _imports(path)
        if module.startswith("gateway.testing")
    }
    assert found == set()
