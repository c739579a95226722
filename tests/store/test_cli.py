"""The operator's outbox commands, through the real command line group."""

from __future__ import annotations

import base64

from click.testing import CliRunner

from gateway.cli import cli
from gateway.delivery import outbox
from tests.store.conftest import KEYS
from tests.store.helpers import SCHOOL, make_meldingen


def _run(store_url: str, tmp_path, *args: str):
    env = {
        "VERZUIM_DATABASE_URL": store_url,
        "VERZUIM_DATA_DIR": str(tmp_path),
        "VERZUIM_KEYS": f"k1:{base64.b64encode(KEYS['k1']).decode()}",
    }
    return CliRunner().invoke(cli, list(args), env=env)


def test_pause_and_resume_are_audited_and_listed(store, store_url, tmp_path):
    """``outbox pause`` stops a route (shown by ``outbox list``); ``resume`` lifts it; both are audited."""
    paused = _run(
        store_url,
        tmp_path,
        "outbox",
        "pause",
        SCHOOL.id,
        "--route",
        "duo",
        "--reason",
        "storing",
        "--actor",
        "beheerder",
    )
    assert paused.exit_code == 0 and outbox.list_pauses(store)[0]["route"] == "duo"
    assert "PAUZE school 25AB00 route duo" in _run(store_url, tmp_path, "outbox", "list").output
    assert _run(store_url, tmp_path, "outbox", "resume", SCHOOL.id, "--route", "duo").exit_code == 0
    assert outbox.list_pauses(store) == []
    assert "3 regels" in _run(store_url, tmp_path, "audit", "verify").output


def test_replay_without_dead_letter_is_refused(store, store_url, tmp_path):
    """Replaying a melding that is not a dead letter gives a clear error and a non-zero exit."""
    [mid] = make_meldingen(store, "S1")
    result = _run(store_url, tmp_path, "outbox", "replay", mid, "--reason", "test")
    assert result.exit_code != 0
    assert "geen onbestelbare verzending" in str(result.exception)
