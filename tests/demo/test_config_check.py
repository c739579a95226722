"""``verzuim-gateway config check``: every failure path gives a Dutch message naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from gateway.config.config_check import InstalledAdapters, check_file

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "school.toml"
BASE = """id = "25AB00"
brin = "25AB"
oin = "00000001002512345000"
name = "ROC Voorbeeld"
"""
SOURCES = {"magister", "eduarte"}
CHANNELS = {"duo", "mail"}
INSTALLED = InstalledAdapters(sources=SOURCES, channels=CHANNELS)


def _check(tmp_path: Path, text: str, environ: dict[str, str] | None = None):
    path = tmp_path / "school.toml"
    path.write_text(text, encoding="utf-8")
    return check_file(path, environ=environ or {}, installed=INSTALLED)


def _messages(result) -> str:
    return "\n".join(p.render() for p in result.problems)


def test_the_shipped_example_is_valid() -> None:
    """examples/school.toml passes the check (its secrets come from the environment)."""
    result = check_file(EXAMPLE, environ={"MAGISTER_CLIENT_SECRET": "x", "SMTP_PASSWORD": "y"},
                        installed=INSTALLED)
    assert result.ok, _messages(result)
    assert not result.warnings


def test_cli_exits_zero_for_a_valid_file(tmp_path: Path) -> None:
    """A usable file: exit 0 and a line saying it is in order."""
    path = tmp_path / "school.toml"
    path.write_text(BASE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 0 and "in orde" in result.output


def test_cli_exits_two_and_names_file_and_key(tmp_path: Path) -> None:
    """A problem: exit 2, and each line names the file, the key and what is allowed."""
    path = tmp_path / "school.toml"
    path.write_text(BASE.replace('"25AB"', '"2AB"'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 2
    assert f"{path}: brin:" in result.output and "Toegestaan:" in result.output


def test_missing_file_is_reported(tmp_path: Path) -> None:
    """A file that does not exist is one problem, not a crash."""
    result = check_file(tmp_path / "nope.toml", environ={})
    assert "bestaat niet" in _messages(result)


def test_broken_toml_names_line_and_column(tmp_path: Path) -> None:
    """Invalid TOML names the line and column of the mistake."""
    assert "regel 2, kolom" in _messages(_check(tmp_path, 'id = "x"\nbrin = 25AB"\n'))


@pytest.mark.parametrize(("text", "key", "words"), [
    (BASE.replace('brin = "25AB"\n', ""), "brin", "ontbreekt"),
    (BASE.replace('"25AB"', '"25ab"'), "brin", "twee cijfers en twee hoofdletters"),
    (BASE.replace('"00000001002512345000"', '"123"'), "oin", "twintig tekens, cijfers of hoofdletters"),
    (BASE.replace('"ROC Voorbeeld"', '""'), "name", "is leeg"),
    (BASE + "kleur = 1\n", "kleur", "onbekende sleutel"),
    (BASE + "review_required = \"ja\"\n", "review_required", "true of false"),
    (BASE + "default_route = \"fax\"\n", "default_route", "geen toegestane waarde"),
    (BASE + "[routes]\nno-show = \"post\"\n", "routes.no-show", "\"duo\" of \"mail\""),
    (BASE + "[fallback]\nwithin_workdays = -1\n", "fallback.within_workdays", "0 of meer"),
    (BASE + "[fallback]\nafter_failed_attempts = 0\n", "fallback.after_failed_attempts",
     "1 of meer: zoveel keer op rij moet DUO onbereikbaar zijn"),
    (BASE + "[calendar]\nfirst_school_day = 2026-08-31\nlast_school_day = 2026-07-01\n", "calendar",
     "last_school_day ligt voor first_school_day"),
])
def test_field_problems_name_key_and_what_is_allowed(tmp_path: Path, text: str, key: str, words: str) -> None:
    """Each malformed field is reported under its key with a Dutch explanation."""
    messages = _messages(_check(tmp_path, text))
    assert any(line.startswith(f"{key}") and words in line for line in messages.splitlines()), messages


def test_unknown_profile_lists_the_profiles(tmp_path: Path) -> None:
    """An unknown profile names the ones that exist."""
    assert "kop-van-nh, national" in _messages(_check(tmp_path, BASE + 'profile = "amsterdam"\n'))


def test_invalid_profile_override_is_reported(tmp_path: Path) -> None:
    """An override the profile refuses is a problem under profile_overrides."""
    result = _check(tmp_path, BASE + "[profile_overrides]\nverzuim_16u_max_age = 99\n")
    assert _messages(result).startswith("profile_overrides:")


def test_unknown_rule_in_routes_is_reported(tmp_path: Path) -> None:
    """A route for a rule that does not exist lists the rule ids."""
    assert "onbekende regel 'noshow'" in _messages(_check(tmp_path, BASE + "[routes]\nnoshow = \"mail\"\n"))


def test_unknown_source_adapter_is_reported(tmp_path: Path) -> None:
    """A source without an installed adapter names the installed ones."""
    assert "geen bronadapter 'somtoday'" in _messages(_check(tmp_path, BASE + "[sources.somtoday]\nx = 1\n"))


def test_unknown_channel_is_reported(tmp_path: Path) -> None:
    """A channel without an installed adapter is a problem."""
    assert "geen kanaal 'fax'" in _messages(_check(tmp_path, BASE + "[channels.fax]\nx = 1\n"))


def test_a_route_without_its_channel_is_reported(tmp_path: Path) -> None:
    """Routing a rule to mail while only DUO is configured is a problem."""
    text = BASE + "[routes]\nno-show = \"mail\"\n[channels.duo]\nendpoint = \"https://x\"\n"
    assert "channels.mail: ontbreekt" in _messages(_check(tmp_path, text))


def test_a_secret_in_the_file_is_refused(tmp_path: Path) -> None:
    """A password or client secret in the file is refused, pointing at ``<key>_env``."""
    messages = _messages(_check(tmp_path, BASE + "[sources.magister]\nclient_secret = \"geheim\"\n"))
    assert "een geheim hoort niet in het configuratiebestand" in messages and "client_secret_env" in messages


def test_a_malformed_environment_variable_name_is_refused(tmp_path: Path) -> None:
    """``*_env`` must name an environment variable."""
    assert "geen naam van een omgevingsvariabele" in _messages(
        _check(tmp_path, BASE + "[sources.magister]\nclient_secret_env = \"mijn geheim\"\n"))


def test_an_unset_environment_variable_is_a_warning(tmp_path: Path) -> None:
    """A variable that is not set here is a warning: the gateway may run elsewhere."""
    result = _check(tmp_path, BASE + "[sources.magister]\nclient_secret_env = \"MAGISTER_SECRET\"\n")
    assert result.ok and "MAGISTER_SECRET" in result.warnings[0].render()


def test_fallback_without_mail_channel_is_a_warning(tmp_path: Path) -> None:
    """Fallback on with channels but no mail channel: a warning, not a problem."""
    result = _check(tmp_path, BASE + "[channels.duo]\nendpoint = \"https://x\"\n")
    assert result.ok and any("terugval" in w.render() for w in result.warnings)


def test_the_shipped_example_sets_when_duo_counts_as_down() -> None:
    """examples/school.toml shows the fallback's after_failed_attempts, so schools see the setting."""
    result = check_file(EXAMPLE, environ={"MAGISTER_CLIENT_SECRET": "x", "SMTP_PASSWORD": "y"},
                        installed=INSTALLED)
    assert result.config is not None and result.config.fallback.after_failed_attempts == 3
    assert "after_failed_attempts = 3" in EXAMPLE.read_text(encoding="utf-8")


def _check_with_adapters(tmp_path: Path, text: str):
    """The check as the CLI runs it: every installed adapter builds its own table."""
    from gateway.domain.ports import CHANNELS_GROUP, SOURCES_GROUP  # noqa: PLC0415
    from gateway.plugins import available  # noqa: PLC0415

    path = tmp_path / "school.toml"
    path.write_text(text, encoding="utf-8")
    sources, channels = available(SOURCES_GROUP), available(CHANNELS_GROUP)
    installed = InstalledAdapters(sources=set(sources), channels=set(channels),
                                  source_factories={n: ep.load() for n, ep in sources.items()},
                                  channel_factories={n: ep.load() for n, ep in channels.items()})
    return check_file(path, environ={"MAG_SECRET": "x"}, installed=installed)


MAGISTER = """[sources.magister]
base_url = "https://school.magister.example"
client_id = "gateway"
client_secret_env = "MAG_SECRET"
brin = "25AB"
"""


def test_a_complete_source_table_passes_its_adapter(tmp_path: Path) -> None:
    """A Magister table with every required setting is accepted by the Magister adapter."""
    result = _check_with_adapters(tmp_path, BASE + MAGISTER)
    assert result.ok, _messages(result)


def test_a_misspelt_setting_inside_a_source_table_is_reported(tmp_path: Path) -> None:
    """base_ur instead of base_url: the adapter names the missing and the unknown key, in Dutch."""
    result = _check_with_adapters(tmp_path, BASE + MAGISTER.replace("base_url", "base_ur"))
    assert not result.ok
    assert "sources.magister" in _messages(result)
    messages = _messages(result)
    assert "base_url: ontbreekt" in messages and "base_ur: is een onbekende sleutel" in messages


def test_a_channel_certificate_that_is_not_there_is_reported(tmp_path: Path) -> None:
    """A DUO channel whose certificate files do not exist is a problem of channels.duo."""
    text = BASE + f"""[channels.duo]
endpoint = "https://verzuimloket.example/v1"
duo_oin = "00000001800866472000"
client_cert = "{tmp_path}/nope.crt"
client_key = "{tmp_path}/nope.key"
ca = "{tmp_path}/ca.crt"
"""
    result = _check_with_adapters(tmp_path, text)
    assert not result.ok
    assert "channels.duo" in _messages(result) and "certificaten" in _messages(result)


def test_an_unset_secret_does_not_hide_the_other_settings(tmp_path: Path) -> None:
    """With the secret's variable not set (a warning), the rest of the table is still checked."""
    path = tmp_path / "school.toml"
    path.write_text(BASE + MAGISTER.replace("base_url", "base_ur"), encoding="utf-8")
    from gateway.plugins import load  # noqa: PLC0415

    result = check_file(path, environ={}, installed=InstalledAdapters(
        sources=SOURCES, channels=CHANNELS,
        source_factories={"magister": load("verzuim_gateway.sources", "magister")}))
    assert result.warnings and "base_url: ontbreekt" in _messages(result)


DUO_OIN = "00000001800866472000"


def _channels(duo_oin: str | None = DUO_OIN, mail_oin: str | None = None) -> str:
    """A [channels.mail] table, and a [channels.duo] one when ``duo_oin`` is given; each names DUO's
    OIN where one is given."""
    duo = f"[channels.duo]\nendpoint = \"https://verzuimloket.example/v1\"\nduo_oin = \"{duo_oin}\"\n"
    mail = "[channels.mail]\nsender = \"verzuim@school.example\"\n"
    return (duo if duo_oin else "") + mail + (f"duo_oin = \"{mail_oin}\"\n" if mail_oin else "")


def test_two_different_duo_oins_in_the_channel_tables_are_a_problem(tmp_path: Path) -> None:
    """DUO's OIN in both tables with two values: a problem naming both keys."""
    result = _check(tmp_path, BASE + _channels(mail_oin="00000001999888777000"))
    assert not result.ok
    [line] = [line for line in _messages(result).splitlines() if line.startswith("channels.mail.duo_oin")]
    assert "channels.duo.duo_oin" in line and "laat channels.mail.duo_oin weg" in line


def test_the_same_duo_oin_in_both_channel_tables_is_no_problem(tmp_path: Path) -> None:
    """Writing DUO's OIN twice is needless, but not wrong when both say the same."""
    result = _check(tmp_path, BASE + _channels(mail_oin=DUO_OIN))
    assert result.ok, _messages(result)


def test_the_mail_channel_takes_duo_oin_from_the_duo_table(tmp_path: Path) -> None:
    """A mail table without duo_oin is built with the one of [channels.duo]."""
    result = _check(tmp_path, BASE + _channels())
    assert result.config is not None
    assert result.config.channel_options("mail")["duo_oin"] == DUO_OIN


def test_a_mail_table_of_its_own_keeps_its_duo_oin(tmp_path: Path) -> None:
    """A school without [channels.duo] names DUO's OIN in its mail table, and that one is used."""
    mail_only = BASE + "default_route = \"mail\"\n" + _channels(duo_oin=None, mail_oin="00000001999888777000")
    result = _check(tmp_path, mail_only)
    assert result.config is not None
    assert result.config.channel_options("mail")["duo_oin"] == "00000001999888777000"
