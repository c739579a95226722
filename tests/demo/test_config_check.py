"""``verzuim-gateway config check``: every failure path gives a Dutch message naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from gateway.cli.config import installed_adapters
from gateway.config.config_check import InstalledAdapters, check_file
from gateway.domain.vestiging import is_vestiging
from gateway.testing.pki import demo_pki

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


EXAMPLE_SECRETS = {"MAGISTER_CLIENT_SECRET": "x", "SMTP_PASSWORD": "y"}


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated PKI with the file names the example uses under /etc/verzuim-gateway/pki."""
    directory = tmp_path_factory.mktemp("pki")
    demo_pki(directory)
    return directory


def example_copy(tmp_path: Path, pki_dir: Path) -> Path:
    """examples/school.toml with its certificate paths pointing at ``pki_dir``."""
    path = tmp_path / "school.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("/etc/verzuim-gateway/pki", str(pki_dir)),
                    encoding="utf-8")
    return path


def test_the_shipped_example_is_valid(tmp_path: Path, pki_dir: Path) -> None:
    """examples/school.toml passes the check (its secrets come from the environment), with every
    installed adapter building its table as the CLI does."""
    example = example_copy(tmp_path, pki_dir)
    result = check_file(example, environ=EXAMPLE_SECRETS, installed=installed_adapters())
    assert result.ok, _messages(result)
    assert not result.warnings


def test_the_shipped_example_passes_config_check_on_the_command_line(tmp_path: Path, pki_dir: Path) -> None:
    """`config check` of the example (certificates present) exits 0 and says it is in order."""
    result = CliRunner().invoke(cli, ["config", "check", str(example_copy(tmp_path, pki_dir))],
                                env=EXAMPLE_SECRETS)
    assert result.exit_code == 0, result.output
    assert "in orde" in result.output


def test_the_shipped_example_names_a_vestiging_duo_accepts() -> None:
    """The example's location is a vestiging number, and its comment says what is expected."""
    line = next(x for x in EXAMPLE.read_text(encoding="utf-8").splitlines() if x.startswith("location"))
    assert is_vestiging(line.split('"')[1])
    assert "twee cijfers" in line


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


def test_the_shipped_example_sets_when_duo_counts_as_down(tmp_path: Path, pki_dir: Path) -> None:
    """examples/school.toml shows the fallback's after_failed_attempts, so schools see the setting."""
    result = check_file(example_copy(tmp_path, pki_dir), environ=EXAMPLE_SECRETS, installed=INSTALLED)
    assert result.config is not None and result.config.fallback.after_failed_attempts == 3
    assert "after_failed_attempts = 3" in EXAMPLE.read_text(encoding="utf-8")


def _check_with_adapters(tmp_path: Path, text: str):
    """The check as the CLI runs it: every installed adapter builds its own table."""
    path = tmp_path / "school.toml"
    path.write_text(text, encoding="utf-8")
    return check_file(path, environ={"MAG_SECRET": "x"}, installed=installed_adapters())


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
    """A DUO channel whose certificate files do not exist: each missing file is named at its key."""
    text = BASE + f"""[channels.duo]
endpoint = "https://verzuimloket.example/v1"
duo_oin = "00000001800866472000"
client_cert = "{tmp_path}/nope.crt"
client_key = "{tmp_path}/nope.key"
ca = "{tmp_path}/ca.crt"
"""
    result = _check_with_adapters(tmp_path, text)
    assert not result.ok
    messages = _messages(result)
    for key, name in (("client_cert", "nope.crt"), ("client_key", "nope.key"), ("ca", "ca.crt")):
        assert f"channels.duo.{key}: bestand '{tmp_path}/{name}' bestaat niet" in messages


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


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path: Path) -> None:
    """Structure problems do not hide the others: a bad BRIN, an unknown key, a town as vestiging,
    an unknown rule, a bad contact address and a missing certificate all come out at once."""
    text = BASE.replace('"25AB"', '"2AB"') + f"""location = "Den Helder"
contact_email = "verzuim-at-school"
colour = "blauw"

[routes]
no-sho = "mail"

[channels.mail]
sender = "verzuim@school.example"
signing_cert = "{tmp_path}/weg.crt"
signing_key = "{tmp_path}/weg.key"
"""
    keys = {p.key for p in _check(tmp_path, text).problems}
    assert {"brin", "colour", "location", "routes.no-sho", "contact_email",
            "channels.mail.signing_cert", "channels.mail.signing_key"} <= keys


def test_a_town_as_location_is_refused_saying_duo_wants_two_digits(tmp_path: Path) -> None:
    """location = "Den Helder" would make every melding a dead letter at DUO: a problem naming the form."""
    result = _check(tmp_path, BASE + 'location = "Den Helder"\n')
    [problem] = result.problems
    assert problem.key == "location" and "twee cijfers" in problem.render()


def test_a_two_digit_location_is_accepted(tmp_path: Path) -> None:
    """A vestiging number such as "01" passes."""
    assert _check(tmp_path, BASE + 'location = "01"\n').ok


def test_a_misspelt_top_level_key_gets_a_suggestion(tmp_path: Path) -> None:
    """profiel instead of profile: 'bedoelt u' names the key that exists."""
    result = _check(tmp_path, BASE + 'profiel = "national"\n')
    assert "onbekende sleutel 'profiel'; bedoelt u 'profile'?" in _messages(result)


def test_a_misspelt_nested_key_gets_a_suggestion_from_its_own_table(tmp_path: Path) -> None:
    """within_workday in [fallback]: the suggestion comes from the fallback's keys."""
    result = _check(tmp_path, BASE + "[fallback]\nwithin_workday = 2\n")
    assert "fallback.within_workday: onbekende sleutel 'within_workday'; bedoelt u 'within_workdays'?" \
        in _messages(result)


def test_a_misspelt_rule_in_routes_gets_a_suggestion(tmp_path: Path) -> None:
    """no-sho in [routes]: 'bedoelt u' names the rule."""
    result = _check(tmp_path, BASE + '[routes]\nno-sho = "mail"\n')
    assert "bedoelt u 'no-show'?" in _messages(result)


def test_a_calendar_file_that_is_not_there_is_named(tmp_path: Path) -> None:
    """A source's calendar_file that does not exist: the key and the path are named."""
    result = _check(tmp_path, BASE + MAGISTER + f'calendar_file = "{tmp_path}/kalender.json"\n')
    assert f"sources.magister.calendar_file: kalenderbestand '{tmp_path}/kalender.json' bestaat niet" \
        in _messages(result)


def test_a_calendar_file_that_is_no_json_is_reported_with_its_position(tmp_path: Path) -> None:
    """A calendar file with broken JSON: line and column are named."""
    (tmp_path / "kalender.json").write_text('{"first_school_day": }', encoding="utf-8")
    result = _check(tmp_path, BASE + MAGISTER + f'calendar_file = "{tmp_path}/kalender.json"\n')
    assert "geen geldige JSON (regel 1, kolom 22)" in _messages(result)


def test_a_calendar_file_that_is_no_calendar_is_reported(tmp_path: Path) -> None:
    """A calendar file whose school year ends before it starts is no valid calendar."""
    (tmp_path / "kalender.json").write_text(
        '{"first_school_day": "2026-08-31", "last_school_day": "2026-01-01"}', encoding="utf-8")
    result = _check(tmp_path, BASE + MAGISTER + f'calendar_file = "{tmp_path}/kalender.json"\n')
    assert "geen geldige kalender" in _messages(result)


def test_a_sender_that_is_no_mail_address_is_reported(tmp_path: Path) -> None:
    """The mail channel's sender must be a mail address."""
    result = _check(tmp_path, BASE + '[channels.mail]\nsender = "verzuim bij school"\n')
    assert "channels.mail.sender: 'verzuim bij school' is geen e-mailadres" in _messages(result)


def test_a_duo_oin_of_the_wrong_form_is_reported(tmp_path: Path) -> None:
    """DUO's OIN in the channel table must have the form of an OIN."""
    result = _check(tmp_path, BASE + _channels(duo_oin="12345"))
    assert "channels.duo.duo_oin: '12345' is geen OIN" in _messages(result)


def _register(tmp_path: Path, school: Path):
    env = {"VERZUIM_DATA_DIR": str(tmp_path / "data")}
    assert CliRunner().invoke(cli, ["db", "init"], env=env).exit_code == 0
    return CliRunner().invoke(cli, ["db", "register-school", str(school)], env=env)


def test_register_school_says_aangemaakt_for_a_new_school(tmp_path: Path) -> None:
    """A school that was not registered yet is 'aangemaakt'; the same file again is 'ongewijzigd'."""
    school = tmp_path / "school.toml"
    school.write_text(BASE, encoding="utf-8")
    first = _register(tmp_path, school)
    assert first.exit_code == 0 and "School 25AB00 aangemaakt." in first.output
    again = CliRunner().invoke(cli, ["db", "register-school", str(school)],
                               env={"VERZUIM_DATA_DIR": str(tmp_path / "data")})
    assert "School 25AB00 ongewijzigd." in again.output


def test_register_school_refuses_with_the_messages_of_config_check(tmp_path: Path) -> None:
    """A bad file: exit 2, every problem as config check words it, and no regular expression shown."""
    school = tmp_path / "school.toml"
    school.write_text(BASE.replace('"25AB"', '"2AB"') + 'location = "Den Helder"\n', encoding="utf-8")
    result = _register(tmp_path, school)
    checked = CliRunner().invoke(cli, ["config", "check", str(school)])
    assert result.exit_code == 2
    assert result.output == checked.output
    assert f"{school}: brin: '2AB' heeft niet de juiste vorm" in result.output
    assert "^" not in result.output and "[A-Z]" not in result.output


def test_a_suggestion_ends_its_own_sentence(tmp_path: Path) -> None:
    """'bedoelt u ...?' is not followed by a second full stop before what is allowed."""
    messages = _messages(_check(tmp_path, BASE + 'profiel = "national"\n'))
    assert "bedoelt u 'profile'? Toegestaan:" in messages and "?." not in messages


def test_a_school_without_leslocaties_is_warned_that_every_melding_will_wait(tmp_path: Path) -> None:
    """The Besluit's leslocatie comes from the school's list: without one, no melding is complete."""
    result = _check(tmp_path, BASE)
    assert result.ok and any("geen leslocaties ingesteld" in w.render() for w in result.warnings)


def test_a_school_with_half_a_melder_is_warned_that_every_melding_will_wait(tmp_path: Path) -> None:
    """Naam, functie, telefoon and e-mail make the melder; with one missing a person fills it in."""
    result = _check(tmp_path, 'contact_name = "M. de Melder"\n' + BASE)
    assert result.ok and any("melder is niet volledig" in w.render() for w in result.warnings)


def test_a_melder_phone_that_is_no_phone_number_is_a_problem(tmp_path: Path) -> None:
    """The melder's phone goes into every melding: it must be one."""
    result = _check(tmp_path, 'contact_phone = "bel maar"\n' + BASE)
    assert "contact_phone: is geen telefoonnummer" in _messages(result)


def test_a_route_for_the_uitschrijving_or_a_manual_kind_is_no_unknown_rule(tmp_path: Path) -> None:
    """Meldingen no rule makes can have a route of their own."""
    result = _check(tmp_path, BASE + '[routes]\nuitschrijving = "mail"\nzorgmelding = "duo"\n')
    assert "routes." not in _messages(result)
