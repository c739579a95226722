"""``verzuim-gateway user create|list`` and ``api-key create --receiver``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from gateway.console.auth import authenticate
from gateway.console.receivers import organisation_of
from gateway.settings import Settings
from gateway.store import open_store
from tests.console.helpers import PASSWORD, SCHOOL


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A data folder with an initialised store and the test school registered."""
    values = {"VERZUIM_DATA_DIR": str(tmp_path / "data")}
    school = tmp_path / "school.toml"
    school.write_text(f'id = "{SCHOOL.id}"\nbrin = "{SCHOOL.brin}"\noin = "{SCHOOL.oin}"\n'
                      f'name = "{SCHOOL.name}"\n')
    runner = CliRunner()
    for args in (["db", "init"], ["db", "register-school", str(school)]):
        result = runner.invoke(cli, args, env=values)
        assert result.exit_code == 0, result.output
    return values


def test_user_create_and_list(env: dict[str, str]) -> None:
    """A beheerder creates a user for a school; the list shows it; the password signs in."""
    runner = CliRunner()
    result = runner.invoke(cli, ["user", "create", "coord@voorbeeld", "--school", SCHOOL.id,
                                 "--role", "beheerder", "--actor", "test"],
                           env={**env, "VERZUIM_USER_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    listed = runner.invoke(cli, ["user", "list"], env=env)
    assert f"coord@voorbeeld\t{SCHOOL.id}\tbeheerder\tactief" in listed.output
    store = open_store(Settings.from_env(env))
    try:
        assert authenticate(store, "coord@voorbeeld", PASSWORD) is not None
    finally:
        store.close()


def test_user_for_unknown_school_is_refused(env: dict[str, str]) -> None:
    """A user for a school that is not registered is refused with a message."""
    result = CliRunner().invoke(cli, ["user", "create", "x@y.nl", "--school", "ONBEKEND"],
                                env={**env, "VERZUIM_USER_PASSWORD": PASSWORD})
    assert result.exit_code != 0
    assert "niet geregistreerd" in result.output


def test_short_password_is_refused(env: dict[str, str]) -> None:
    """Passwords shorter than 12 characters are refused."""
    result = CliRunner().invoke(cli, ["user", "create", "x@y.nl", "--school", SCHOOL.id],
                                env={**env, "VERZUIM_USER_PASSWORD": "kort"})
    assert result.exit_code != 0
    assert "minstens 12" in result.output


def test_receiver_key_create(env: dict[str, str]) -> None:
    """``api-key create --receiver`` prints a key that belongs to that organisation."""
    result = CliRunner().invoke(cli, ["api-key", "create", "--receiver", "dsp-kop-van-nh"], env=env)
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    store = open_store(Settings.from_env(env))
    try:
        assert organisation_of(store, key) == "dsp-kop-van-nh"
    finally:
        store.close()
    listed = CliRunner().invoke(cli, ["api-key", "list"], env=env)
    assert "ontvanger:dsp-kop-van-nh\tactief" in listed.output


def test_receiver_of_unknown_kind_is_refused(env: dict[str, str]) -> None:
    """An organisation name that does not start with leerplicht, rmc, dsp or duo is refused."""
    result = CliRunner().invoke(cli, ["api-key", "create", "--receiver", "gemeente-x"], env=env)
    assert result.exit_code != 0
