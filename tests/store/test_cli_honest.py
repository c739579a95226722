"""The outbox and worker commands tell the truth: exit codes, unknown and ambiguous ids, dead letters."""

from __future__ import annotations

import base64
import itertools
from pathlib import Path

import pytest
import structlog

from gateway import pipeline
from gateway.cli import main
from gateway.config.school import SchoolConfig
from gateway.delivery import outbox
from gateway.domain.errors import PermanentDeliveryError
from gateway.testing.pki import demo_pki
from tests.store.conftest import KEYS
from tests.store.helpers import AS_OF, SCHOOL, drain, make_meldingen


@pytest.fixture
def run(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the real console-script entry point against the test store: (exit status, stdout, stderr)."""
    monkeypatch.setenv("VERZUIM_DATABASE_URL", store_url)
    monkeypatch.setenv("VERZUIM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VERZUIM_KEYS", f"k1:{base64.b64encode(KEYS['k1']).decode()}")

    def _run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr("sys.argv", ["verzuim-gateway", *args])
        try:
            main()
            status = 0  # main() returns normally when the command succeeded
        except SystemExit as exc:
            status = int(exc.code or 0)
        out = capsys.readouterr()
        return status, out.out, out.err

    yield _run
    structlog.reset_defaults()  # the command bound logging to this test's captured (now closed) stderr


def test_retry_of_an_unknown_melding_says_it_is_unknown(store, run) -> None:
    """An id no melding has: status 2 and 'onbekende melding'."""
    status, _, err = run("outbox", "retry", "bestaat-niet")
    assert status == 2 and "onbekende melding 'bestaat-niet'" in err


def test_retry_of_a_dead_melding_points_to_replay(store, worker, channel, run) -> None:
    """A dead-lettered melding cannot be retried: the message says so and names `outbox replay`."""
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", PermanentDeliveryError("nee"))
    drain(worker)
    status, _, err = run("outbox", "retry", mid)
    assert status == 2
    assert "onbestelbaar" in err and f"outbox replay {mid}" in err


def test_retry_accepts_the_start_of_an_id(store, run) -> None:
    """The first characters of a melding id are enough when only one melding starts with them."""
    [mid] = make_meldingen(store, "S1")
    status, out, _ = run("outbox", "retry", mid[:8])
    assert status == 0 and f"melding {mid} nu aan de beurt" in out


def test_retry_with_nothing_waiting_exits_1_saying_why(store, worker, run) -> None:
    """A delivered melding has nothing to retry: exit 1, and the state is named."""
    [mid] = make_meldingen(store, "S1")
    drain(worker)
    status, _, err = run("outbox", "retry", mid)
    assert status == 1 and "geen wachtende verzending" in err


def test_an_ambiguous_id_prefix_is_refused_as_ambiguous(store, run) -> None:
    """A prefix that more than one melding starts with: 'dubbelzinnig', nothing is done."""
    first, second = make_meldingen(store, "S1", "S2")
    # Character by character on purpose: an id prefix, not a path.
    same = itertools.takewhile(lambda pair: pair[0] == pair[1], zip(first, second, strict=True))
    common = "".join(a for a, _ in same)
    status, _, err = run("outbox", "retry", common)
    assert status == 2 and "dubbelzinnig" in err


def test_replay_accepts_the_start_of_an_id(store, worker, channel, run) -> None:
    """Replay of a dead letter by the first characters of its id makes a new attempt."""
    [mid] = make_meldingen(store, "S1")
    channel.fail("S1", PermanentDeliveryError("nee"))
    drain(worker)
    status, out, _ = run("outbox", "replay", mid[:8], "--reason", "hersteld")
    assert status == 0 and "Nieuwe poging" in out


def test_replay_of_an_unknown_melding_says_it_is_unknown(store, run) -> None:
    """Replay of an id no melding has: status 2 and 'onbekende melding'."""
    status, _, err = run("outbox", "replay", "bestaat-niet", "--reason", "x")
    assert status == 2 and "onbekende melding" in err


def test_pause_of_an_unknown_school_is_refused(store, run) -> None:
    """Pausing a school that is not registered does nothing and says so."""
    status, _, err = run("outbox", "pause", "GEEN00", "--reason", "test")
    assert status == 2 and "school 'GEEN00' is niet geregistreerd" in err
    assert outbox.list_pauses(store) == []


def test_resume_of_an_unknown_school_is_refused(store, run) -> None:
    """Resuming a school that is not registered is a typo, not 'there was no pause'."""
    status, _, err = run("outbox", "resume", "GEEN00")
    assert status == 2 and "school 'GEEN00' is niet geregistreerd" in err


def test_worker_once_without_dead_letters_exits_0(store, run) -> None:
    """Nothing went wrong (nothing to do): status 0."""
    status, out, _ = run("worker", "--once", "--name", "w1")
    assert status == 0 and "0 verzendingen verwerkt" in out


def test_worker_once_that_made_dead_letters_exits_1_with_the_count(store, run, tmp_path: Path) -> None:
    """A school whose location DUO would refuse: its melding becomes a dead letter, and the worker
    exits 1 saying how many."""
    pki = demo_pki(tmp_path / "pki")
    school = SchoolConfig.model_validate({
        **SCHOOL.model_dump(), "location": "Den Helder",
        "channels": {"duo": {"endpoint": "https://127.0.0.1:9/verzuimloket", "duo_oin": pki.duo_oin,
                             "client_cert": str(pki.gateway_client.cert),
                             "client_key": str(pki.gateway_client.key), "ca": str(pki.ca_cert)}}})
    pipeline.register_school(store, school, "test")
    make_meldingen(store, "S1", school=school)
    status, _, err = run("worker", "--once", "--name", "w1", "--today", AS_OF.isoformat())
    assert status == 1
    assert "1 verzending(en) onbestelbaar geworden" in err
