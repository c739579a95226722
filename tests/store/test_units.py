"""Field encryption, lifecycle table, signal JSON, school configuration, settings, and the log scrubber."""

from __future__ import annotations

import io
import itertools
import json
import random
from datetime import date, timedelta

import pytest
import tenacity

from gateway import pipeline, plugins
from gateway.config.school import load_school_config, school_profile
from gateway.config.settings import Settings, write_key_file
from gateway.delivery.retry import RetryPolicy
from gateway.delivery.worker import PluginChannels
from gateway.domain.errors import ConfigurationError, IllegalTransition, IntegrityError
from gateway.domain.lifecycle import State, check_transition
from gateway.domain.signals import Signal
from gateway.logging import configure_logging, get_logger
from gateway.store.crypto import FieldCipher
from tests.store.helpers import AS_OF, BSN, FAMILY, NAME, SCHOOL, fake_signal, sixteen_hour_batch

K1, K2 = b"1" * 32, b"2" * 32


def test_encrypted_value_round_trips_and_names_its_key():
    """A value decrypts to itself and carries the id of the key that sealed it."""
    cipher = FieldCipher({"k1": K1}, "k1")
    token = cipher.encrypt(BSN, "row-1")
    assert cipher.decrypt(token, "row-1") == BSN and FieldCipher.key_id_of(token) == "k1"


def test_old_values_still_decrypt_after_key_rotation():
    """After a new active key, values sealed with the old one still open."""
    old = FieldCipher({"k1": K1}, "k1").encrypt(NAME, "row-1")
    assert FieldCipher({"k1": K1, "k2": K2}, "k2").decrypt(old, "row-1") == NAME


def test_value_moved_to_another_row_does_not_decrypt():
    """The row context is bound in: a copied ciphertext fails as an integrity error."""
    cipher = FieldCipher({"k1": K1}, "k1")
    with pytest.raises(IntegrityError):
        cipher.decrypt(cipher.encrypt(NAME, "row-1"), "row-2")


def test_cipher_without_keys_is_a_configuration_error():
    """No key configured gives a clear configuration error."""
    with pytest.raises(ConfigurationError, match="versleutelsleutel"):
        FieldCipher({}, None)


def test_lifecycle_allows_the_main_path():
    """concept → klaar → verzonden → ontvangen → in_behandeling → afgesloten is allowed."""
    path = ["concept", "klaar", "verzonden", "ontvangen", "in_behandeling", "afgesloten"]
    for src, dst in itertools.pairwise(path):
        assert check_transition(src, dst) is State(dst)


def test_illegal_transition_raises():
    """A withdrawn melding cannot be sent."""
    with pytest.raises(IllegalTransition, match="ingetrokken"):
        check_transition("ingetrokken", "verzonden")


def test_school_config_loads_from_toml(tmp_path):
    """A school's TOML file gives a SchoolConfig with routes and overrides."""
    path = tmp_path / "school.toml"
    path.write_text(
        'id = "X"\nbrin = "25AB"\noin = "00000001234567890000"\nname = "ROC"\n'
        'review_required = true\n[routes]\nno-show = "mail"\n'
        "[profile_overrides]\nreport_within_workdays = 3\n",
        encoding="utf-8",
    )
    config = load_school_config(path)
    assert config.review_required and config.routes == {"no-show": "mail"}
    assert school_profile(config).report_within_workdays == 3


def test_invalid_school_config_names_the_field(tmp_path):
    """A wrong BRIN is reported with its field name."""
    path = tmp_path / "school.toml"
    path.write_text('id = "X"\nbrin = "nope"\noin = "00000001234567890000"\nname = "ROC"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="brin"):
        load_school_config(path)


def test_settings_read_the_key_file_of_the_data_folder(tmp_path):
    """``write_key_file`` makes a private key file that ``from_env`` picks up."""
    path = write_key_file(tmp_path)
    settings = Settings.from_env({"VERZUIM_DATA_DIR": str(tmp_path)})
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert settings.active_key_id == "k1" and len(settings.keys()["k1"]) == 32
    assert settings.effective_database_url.startswith("sqlite:///")


def test_backoff_grows_with_the_attempt():
    """Retry delays grow exponentially up to the maximum."""
    policy = RetryPolicy(initial=1, maximum=10, jitter=0)
    assert [policy.delay(n) for n in (1, 2, 3, 9)] == [timedelta(seconds=s) for s in (1, 2, 4, 10)]


def test_backoff_starts_at_the_initial_wait_and_adds_at_most_the_jitter():
    """initial 2 s, jitter 2 s, maximum 9 s: the third attempt waits 8 s plus jitter, cut at 9 s."""
    policy = RetryPolicy(initial=2, maximum=9, jitter=2)
    assert all(timedelta(seconds=8) <= policy.delay(3) <= timedelta(seconds=9) for _ in range(50))
    assert RetryPolicy(initial=2, maximum=3600, jitter=0).delay(4) == timedelta(seconds=16)


class _TenacityBeforeMultiplier:
    """tenacity 9.0's wait_exponential_jitter: a scale named ``initial``, no ``multiplier``."""

    def __init__(self, initial: float = 1, max: float = 1e9, exp_base: float = 2, jitter: float = 1) -> None:
        self.initial, self.max, self.exp_base, self.jitter = initial, max, exp_base, jitter

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        exponential = self.initial * self.exp_base ** (retry_state.attempt_number - 1)
        return max(0, min(exponential + random.uniform(0, self.jitter), self.max))


def test_backoff_works_with_a_tenacity_without_multiplier(monkeypatch):
    """pyproject allows any tenacity >= 9; the delays are the same with one that lacks ``multiplier``."""
    monkeypatch.setattr(tenacity, "wait_exponential_jitter", _TenacityBeforeMultiplier)
    policy = RetryPolicy(initial=2, maximum=3600, jitter=0)
    assert [policy.delay(n) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (2, 4, 8)]


def test_name_and_bsn_never_reach_the_log(store, worker, channel):
    """With logging on, ingest, evaluation, delivery and a logged student leave no name or BSN behind."""
    stream = io.StringIO()
    configure_logging("json", "debug", stream=stream)
    try:
        batch = sixteen_hour_batch()
        pipeline.ingest(store, SCHOOL.id, "magister", batch, "test")
        pipeline.evaluate(store, SCHOOL.id, AS_OF)
        worker.run_once()
        log = get_logger("test")
        log.info("leerling", student=batch.students[0], bsn=BSN, details={"family_name": FAMILY, "ok": 1})
        log.warning("melding", melding=channel.seen_students[0])
    finally:
        configure_logging("console", "info")
    text = stream.getvalue()
    assert text and all(json.loads(line) for line in text.splitlines())
    for secret in (NAME, FAMILY, BSN):
        assert secret not in text


def _school_with_channel(tmp_path, channel_settings: str):
    path = tmp_path / "school.toml"
    path.write_text('id = "X"\nbrin = "25AB"\noin = "00000001234567890000"\nname = "ROC"\n'
                    f"[channels.duo]\n{channel_settings}\n", encoding="utf-8")
    return load_school_config(path)


def test_channel_secrets_come_from_the_environment(tmp_path, monkeypatch):
    """A channel setting ``<key>_env`` reaches the channel as ``<key>`` with the variable's value."""
    built = []
    monkeypatch.setattr(plugins, "load", lambda group, name: built.append)
    school = _school_with_channel(tmp_path, 'endpoint = "https://duo"\nkey_password_env = "DUO_KEY_PW"')
    PluginChannels({"DUO_KEY_PW": "geheim"})(school, "duo")
    assert built == [{"endpoint": "https://duo", "key_password": "geheim"}]


def test_a_missing_channel_secret_names_school_channel_and_variable(tmp_path, monkeypatch):
    """Without the variable the channel is not built; the message says which one is missing."""
    monkeypatch.setattr(plugins, "load", lambda group, name: dict)
    school = _school_with_channel(tmp_path, 'key_password_env = "DUO_KEY_PW"')
    with pytest.raises(ConfigurationError, match=r"school X, kanaal duo: key_password_env .*'DUO_KEY_PW'"):
        PluginChannels({})(school, "duo")


def test_a_signal_survives_its_json_round_trip():
    """What ``to_json`` stores (as JSON text in the melding), ``from_json`` rebuilds exactly."""
    signal = fake_signal("S1")
    assert Signal.from_json(json.loads(json.dumps(signal.to_json()))) == signal


def test_a_signal_without_end_or_due_date_survives_its_json_round_trip():
    """Open periods and signals without a due date come back with None, not a date."""
    signal = Signal(rule="no-show", kind="signaal", student_id="S1", recipient="school",
                    trigger_date=date(2026, 9, 4), period_start=date(2026, 8, 31), period_end=None,
                    due_date=None, hours=None, actie_gewenst=None, legal_basis="", evidence=())
    assert Signal.from_json(json.loads(json.dumps(signal.to_json()))) == signal
