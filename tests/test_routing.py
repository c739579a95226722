"""Recipient directory and routing policy (gateway.delivery.routing)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from adapters.mail.demo_certs import write_directory_certificates
from gateway.config.routes import FallbackPolicy, RoutingPolicy
from gateway.config.school import Fallback, SchoolConfig
from gateway.delivery.routing import DEFAULT_DIRECTORY, RecipientDirectory, load_directory_data
from gateway.domain.calendar import working_days_until
from gateway.domain.errors import ConfigurationError, RoutingError
from gateway.rules.profiles import load_profile
from gateway.testing.pki import create_ca
from tests.mail.helpers import make_signal

STAYS_DOWN = FallbackPolicy().after_failed_attempts  # failed DUO attempts in a row that mean "stays down"


@pytest.fixture(scope="session")
def cert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Certificates for every desk of the committed directory, made at run time."""
    directory = tmp_path_factory.mktemp("directory-certs")
    write_directory_certificates(create_ca("Routing test CA"), directory)
    return directory


@pytest.fixture(scope="session")
def directory(cert_dir: Path) -> RecipientDirectory:
    """The committed recipient directory with its certificates resolved."""
    return RecipientDirectory.load(DEFAULT_DIRECTORY, cert_dir=cert_dir)


def _copy_directory(tmp_path: Path) -> Path:
    target = tmp_path / "recipients"
    shutil.copytree(DEFAULT_DIRECTORY, target)
    return target


# --- the directory ---------------------------------------------------------------------------


def test_committed_directory_holds_only_public_certificate_references() -> None:
    """The data names certificate files; no PEM material or key is committed with it."""
    for file in DEFAULT_DIRECTORY.glob("*"):
        assert b"-----BEGIN" not in file.read_bytes()
    assert list(DEFAULT_DIRECTORY.glob("*.crt")) == []


def test_leerplicht_melding_goes_to_the_gemeentes_leerplicht(directory: RecipientDirectory) -> None:
    """A leerplicht melding of a 16-year-old from Den Helder goes to Leerplicht Den Helder."""
    [address] = directory.route(make_signal(recipient="leerplicht"), "0400", 16)
    assert address.organisation == "Leerplicht Den Helder"
    assert address.email == "leerplicht@denhelder.example"
    assert b"BEGIN CERTIFICATE" in address.certificate_pem


def test_rmc_melding_goes_to_the_regions_rmc(directory: RecipientDirectory) -> None:
    """An rmc melding for a student from Schagen goes to the RMC of Kop van Noord-Holland."""
    [address] = directory.route(make_signal(rule="rmc-4w", recipient="rmc"), "0441", 19)
    assert address.email == "rmc@kopvannh.example"


def test_adult_no_show_goes_to_the_regions_doorstroompunt(directory: RecipientDirectory) -> None:
    """A no-show of an 18-year-old from Texel goes to the Doorstroompunt of the region."""
    [address] = directory.route(make_signal(rule="no-show", recipient="dsp"), "0448", 18)
    assert address.email == "dsp@kopvannh.example"


def test_dsp_under_18_goes_to_leerplicht(directory: RecipientDirectory) -> None:
    """A dsp melding for a 17-year-old goes to the gemeente's Leerplicht (still leerplichtig)."""
    [address] = directory.route(make_signal(rule="no-show", recipient="dsp"), "1911", 17)
    assert address.email == "leerplicht@hollandskroon.example"


def test_leerplicht_melding_for_an_adult_goes_to_the_rmc(directory: RecipientDirectory) -> None:
    """From 18 on Leerplicht is no longer the desk: the region's RMC receives the melding."""
    [address] = directory.route(make_signal(recipient="leerplicht"), "0344", 20)
    assert address.email == "rmc@regio-utrecht.example"


def test_region_without_doorstroompunt_uses_its_rmc(directory: RecipientDirectory) -> None:
    """Utrecht has no separate DSP desk: dsp meldingen go to its RMC."""
    [address] = directory.route(make_signal(rule="no-show", recipient="dsp"), "0310", 19)
    assert address.email == "rmc@regio-utrecht.example"


def test_unknown_gemeente_is_a_routing_error_naming_it(directory: RecipientDirectory) -> None:
    """A woongemeente not in the directory raises RoutingError naming that gemeente."""
    with pytest.raises(RoutingError, match=r"'9999'.*outbox"):
        directory.route(make_signal(), "9999", 16)


def test_missing_woongemeente_is_a_routing_error(directory: RecipientDirectory) -> None:
    """A student without woongemeente cannot be routed."""
    with pytest.raises(RoutingError, match="woongemeente"):
        directory.route(make_signal(), None, 16)


def test_school_signals_cannot_go_by_mail(directory: RecipientDirectory) -> None:
    """A signal for the school itself (or DUO-IB) is no mail recipient: RoutingError."""
    with pytest.raises(RoutingError, match="duo-ib"):
        directory.route(make_signal(rule="sf-8w-ma", recipient="duo-ib"), "0400", 19)


def test_region_of_a_gemeente(directory: RecipientDirectory) -> None:
    """Each gemeente belongs to exactly the region whose file lists it."""
    assert directory.region_of("0014") == "groningen"
    assert directory.region_of("1904") == "utrecht"


def test_missing_certificate_file_is_named(tmp_path: Path) -> None:
    """A directory whose certificate file is absent fails to load, naming the file and the desk."""
    with pytest.raises(ConfigurationError, match=r"rmc-groningen\.crt"):
        RecipientDirectory.load(DEFAULT_DIRECTORY, cert_dir=tmp_path)


def test_private_key_in_a_certificate_file_is_refused(cert_dir: Path, tmp_path: Path) -> None:
    """A certificate file that also holds a private key is refused: only public certificates."""
    certs = tmp_path / "certs"
    shutil.copytree(cert_dir, certs)
    target = certs / "leerplicht-0400.crt"
    target.write_bytes(target.read_bytes() + (cert_dir / "leerplicht-0400.key").read_bytes())
    with pytest.raises(ConfigurationError, match="privésleutel"):
        RecipientDirectory.load(DEFAULT_DIRECTORY, cert_dir=certs)


def test_gemeente_in_two_regions_is_refused(tmp_path: Path) -> None:
    """A gemeente listed by two region files is a configuration error naming it."""
    folder = _copy_directory(tmp_path)
    extra = (folder / "utrecht.toml").read_text().replace('id = "utrecht"', 'id = "utrecht-2"')
    (folder / "utrecht-2.toml").write_text(extra)
    with pytest.raises(ConfigurationError, match="gemeente 0344 hoort al bij regio"):
        load_directory_data(folder)


def test_malformed_gemeente_code_is_refused(tmp_path: Path) -> None:
    """A gemeente code that is not 4 digits is refused."""
    folder = _copy_directory(tmp_path)
    text = (folder / "kop-van-nh.toml").read_text()
    (folder / "kop-van-nh.toml").write_text(text.replace("[gemeenten.0448]", "[gemeenten.448]"))
    with pytest.raises(ConfigurationError, match="'448'"):
        load_directory_data(folder)


def test_invalid_email_is_refused(tmp_path: Path) -> None:
    """An address without @ is a configuration error naming the field."""
    folder = _copy_directory(tmp_path)
    text = (folder / "groningen.toml").read_text()
    (folder / "groningen.toml").write_text(text.replace("rmc@regio-groningen.example", "rmc"))
    with pytest.raises(ConfigurationError, match=r"groningen\.toml.*email"):
        load_directory_data(folder)


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    """A folder without region files is a configuration error."""
    with pytest.raises(ConfigurationError, match="niet gevonden"):
        load_directory_data(tmp_path)


def test_version_changes_with_the_data(tmp_path: Path) -> None:
    """The directory version (stamped on decisions) changes when an address changes."""
    folder = _copy_directory(tmp_path)
    before = load_directory_data(folder).version
    text = (folder / "utrecht.toml").read_text()
    (folder / "utrecht.toml").write_text(text.replace("leerplicht@debilt.example", "lp@debilt.example"))
    assert load_directory_data(folder).version != before


# --- the routing policy ----------------------------------------------------------------------


def test_kop_van_nh_sends_no_show_by_mail() -> None:
    """With the kop-van-nh profile the no-show melding goes by mail, other meldingen by DUO."""
    policy = RoutingPolicy.from_config(profile_routes=load_profile("kop-van-nh").routes)
    assert policy.route_for(make_signal(rule="no-show", recipient="dsp")) == "mail"
    assert policy.route_for(make_signal()) == "duo"


def test_national_profile_sends_everything_by_duo() -> None:
    """Without routes, every melding goes by DUO."""
    policy = RoutingPolicy.from_config(profile_routes=load_profile("national").routes)
    assert policy.route_for(make_signal(rule="no-show", recipient="dsp")) == "duo"


def test_school_configuration_overrides_the_profile_route() -> None:
    """A school's own route for a rule wins over the profile's."""
    policy = RoutingPolicy.from_config({"routes": {"no-show": "duo", "luxe-verzuim": "mail"}},
                                       profile_routes={"no-show": "mail"})
    assert policy.route_for(make_signal(rule="no-show")) == "duo"
    assert policy.route_for(make_signal(rule="luxe-verzuim")) == "mail"


def test_signals_for_the_school_have_no_route() -> None:
    """A signaal for the school is not delivered by any channel."""
    policy = RoutingPolicy.from_config()
    assert policy.decide(make_signal(rule="intern-10u", kind="signaal", recipient="school"),
                         as_of=date(2026, 9, 22)) is None


def test_invalid_policy_configuration_is_refused() -> None:
    """An unknown route name is a configuration error."""
    with pytest.raises(ConfigurationError, match="routeringsbeleid"):
        RoutingPolicy.from_config({"routes": {"no-show": "fax"}})


def test_duo_unreachable_close_to_due_date_falls_back_to_mail() -> None:
    """DUO stays unreachable and the due date is 2 working days away (limit 2): mail, as fallback."""
    policy = RoutingPolicy.from_config({"fallback": {"within_workdays": 2}})
    signal = make_signal(due_date=date(2026, 9, 29))  # a Tuesday
    decision = policy.decide(signal, as_of=date(2026, 9, 25), duo_failures=STAYS_DOWN)  # Friday
    assert decision is not None
    assert (decision.route, decision.reason) == ("mail", "fallback")


def test_first_duo_failure_close_to_due_date_keeps_duo() -> None:
    """One failed attempt is no outage yet: even a day before the due date the melding retries DUO."""
    policy = RoutingPolicy.from_config()
    decision = policy.decide(make_signal(due_date=date(2026, 9, 29)), as_of=date(2026, 9, 28),
                             duo_failures=1)
    assert decision is not None
    assert decision.route == "duo"


def test_fallback_waits_for_the_configured_number_of_failures() -> None:
    """With after_failed_attempts = 2 the second failure in a row falls back, the first does not."""
    policy = RoutingPolicy.from_config({"fallback": {"after_failed_attempts": 2}})
    signal = make_signal(due_date=date(2026, 9, 29))
    routes = [policy.decide(signal, as_of=date(2026, 9, 28), duo_failures=n) for n in (1, 2)]
    assert [(d.route, d.reason) for d in routes if d is not None] == [("duo", "policy"), ("mail", "fallback")]


def test_fallback_needs_at_least_one_failed_attempt() -> None:
    """after_failed_attempts below 1 is a configuration error."""
    with pytest.raises(ConfigurationError, match="after_failed_attempts"):
        RoutingPolicy.from_config({"fallback": {"after_failed_attempts": 0}})


def test_school_fallback_settings_reach_the_routing_policy() -> None:
    """The school's [fallback] table is the policy's: its after_failed_attempts is the one applied."""
    school = SchoolConfig(id="25AB00", brin="25AB", oin="00000001234567890000", name="ROC Voorbeeld",
                          fallback=Fallback(after_failed_attempts=5))
    assert school.routing_policy().fallback.after_failed_attempts == 5


def test_duo_unreachable_far_from_due_date_keeps_duo() -> None:
    """With 3 working days left and a limit of 2, the melding waits for DUO."""
    policy = RoutingPolicy.from_config({"fallback": {"within_workdays": 2}})
    decision = policy.decide(make_signal(due_date=date(2026, 9, 29)), as_of=date(2026, 9, 24),
                             duo_failures=STAYS_DOWN)
    assert decision is not None
    assert decision.route == "duo"


def test_duo_reachable_never_falls_back() -> None:
    """While DUO answers, the agreed route stands even on the due date."""
    policy = RoutingPolicy.from_config()
    decision = policy.decide(make_signal(due_date=date(2026, 9, 29)), as_of=date(2026, 9, 29))
    assert decision is not None
    assert (decision.route, decision.reason) == ("duo", "policy")


def test_fallback_can_be_switched_off() -> None:
    """A school that does not allow fallback keeps DUO."""
    policy = RoutingPolicy.from_config({"fallback": {"enabled": False}})
    decision = policy.decide(make_signal(due_date=date(2026, 9, 29)), as_of=date(2026, 9, 29),
                             duo_failures=STAYS_DOWN)
    assert decision is not None
    assert decision.route == "duo"


def test_duo_ib_meldingen_never_fall_back_to_mail() -> None:
    """A melding for DUO itself (MA form) has no mail recipient, so it stays on DUO."""
    policy = RoutingPolicy.from_config()
    decision = policy.decide(make_signal(rule="sf-8w-ma", recipient="duo-ib", due_date=date(2026, 9, 29)),
                             as_of=date(2026, 9, 29), duo_failures=STAYS_DOWN)
    assert decision is not None
    assert decision.route == "duo"


def test_mail_route_is_policy_not_fallback() -> None:
    """A rule agreed to go by mail is a policy decision, not a fallback to reconcile."""
    policy = RoutingPolicy.from_config(profile_routes={"no-show": "mail"})
    decision = policy.decide(make_signal(rule="no-show", recipient="dsp"), as_of=date(2026, 9, 1),
                             duo_failures=STAYS_DOWN)
    assert decision is not None
    assert (decision.route, decision.reason) == ("mail", "policy")


def test_working_days_skip_weekends_and_public_holidays() -> None:
    """From Friday 24 April 2026 to Tuesday 28 April: Monday only, as Koningsdag is a holiday."""
    assert working_days_until(date(2026, 4, 24), date(2026, 4, 28)) == 1
    assert working_days_until(date(2026, 9, 29), date(2026, 9, 29)) == 0
    assert working_days_until(date(2026, 9, 30), date(2026, 9, 29)) == 0
