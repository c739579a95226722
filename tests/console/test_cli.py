"""``verzuim-gateway user create|list`` and ``api-key create --receiver``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from gateway.config.settings import Settings, open_store
from gateway.console.auth import authenticate
from gateway.console.receivers import organisation_of
from gateway.delivery.routing import DEFAULT_DIRECTORY
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
    assert "leerplicht-<gemeentecode>, rmc-<regio>, dsp-<regio> of duo" in result.output


def test_receiver_of_unknown_region_is_refused(env: dict[str, str]) -> None:
    """A region the recipient directory does not know gets no key, and the message says so in Dutch."""
    result = CliRunner().invoke(cli, ["api-key", "create", "--receiver", "dsp-nergens"], env=env)
    assert result.exit_code != 0
    assert "regio 'nergens' van dsp-nergens staat niet in het ontvangersregister" in result.output
    assert "kop-van-nh" in result.output  # the known regions are listed
    listed = CliRunner().invoke(cli, ["api-key", "list"], env=env)
    assert "dsp-nergens" not in listed.output


def test_receiver_region_is_checked_against_the_given_directory(env: dict[str, str], tmp_path: Path) -> None:
    """--recipients names the directory: a region only in that one is accepted."""
    folder = tmp_path / "register"
    folder.mkdir()
    shipped = (DEFAULT_DIRECTORY / "utrecht.toml").read_text(encoding="utf-8")
    own = shipped.replace('id = "utrecht"', 'id = "eigen-regio"')
    (folder / "eigen.toml").write_text(own, encoding="utf-8")
    result = CliRunner().invoke(cli, ["api-key", "create", "--receiver", "rmc-eigen-regio",
                                      "--recipients", str(folder)], env=env)
    assert result.exit_code == 0, result.output
