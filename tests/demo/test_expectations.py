"""The demo's own checks: a rule the synthetic college is made to show that gives nothing fails it."""

from __future__ import annotations

from pathlib import Path

from demo.flow import EXPECTED_RULES, missing_rules
from gateway.store import Store
from gateway.store.crypto import FieldCipher


def test_a_store_without_decisions_misses_every_expected_rule(tmp_path: Path) -> None:
    """No meldingen at all: each rule the demo promises is named as missing, in Dutch."""
    store = Store.open(f"sqlite:///{tmp_path / 'gateway.db'}", FieldCipher({"k": bytes(32)}, "k"))
    store.migrate()
    try:
        missing = missing_rules(store)
    finally:
        store.close()
    assert missing == [f"de regel {rule} gaf geen enkele melding of signaal" for rule in EXPECTED_RULES]
