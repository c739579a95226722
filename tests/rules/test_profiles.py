"""Regional profiles: loading, single-value overrides, the version stamp and clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.domain.errors import ConfigurationError
from gateway.rules.profiles import available_profiles, load_profile, melding_defaults, requirements

PROFILES = ("national", "utrecht", "noorderpoort", "kop-van-nh")


@pytest.mark.parametrize("name", PROFILES)
def test_each_regional_profile_loads_with_a_name_and_version(name: str) -> None:
    """The four shipped profiles load and carry their name and a version."""
    profile = load_profile(name)
    assert profile.name == name
    assert profile.version


def test_the_shipped_profiles_are_the_four_of_the_design() -> None:
    """mappings/profiles holds national, utrecht, noorderpoort and kop-van-nh."""
    assert set(available_profiles()) >= set(PROFILES)


def test_national_follows_the_law() -> None:
    """National: 16 hours with >=, under 18, 5 working days, no regional options."""
    p = load_profile("national")
    assert (p.verzuim_16u_threshold, p.verzuim_16u_compare, p.verzuim_16u_max_age) == (16, ">=", 18)
    assert p.report_within_workdays == 5
    assert (p.late_minutes, p.late_arrivals_threshold) == (10, None)
    assert (p.long_sick_school_days, p.frequent_sick_episodes, p.intern_10u_hours) == (
        None,
        None,
        None,
    )


def test_utrecht_raises_the_age_and_adds_te_laat_and_sickness_signals() -> None:
    """Utrecht: under 23, te-laat at 10, 10 sick days, 3 episodes in 13 lesweken."""
    p = load_profile("utrecht")
    assert (p.verzuim_16u_max_age, p.late_arrivals_threshold) == (23, 10)
    assert (
        p.long_sick_school_days,
        p.frequent_sick_episodes,
        p.frequent_sick_span_lesweken,
    ) == (10, 3, 13)


def test_noorderpoort_compares_strictly_and_adds_intern_10u() -> None:
    """Noorderpoort: > 16, intern-10u at 10 hours, 5 episodes in 12 lesweken."""
    p = load_profile("noorderpoort")
    assert (p.verzuim_16u_compare, p.intern_10u_hours) == (">", 10)
    assert (p.frequent_sick_episodes, p.frequent_sick_span_lesweken) == (5, 12)


def test_kop_van_nh_sends_the_no_show_by_mail() -> None:
    """Kop van Noord-Holland delivers the no-show by secure mail."""
    assert load_profile("kop-van-nh").routes.get("no-show") == "mail"


def test_an_override_changes_the_value() -> None:
    """A school may override a single value, e.g. the age limit of verzuim-16u."""
    assert load_profile("national", {"verzuim_16u_max_age": 23}).verzuim_16u_max_age == 23


def test_an_override_of_a_mapping_merges_with_the_profile() -> None:
    """A mapping override (routes) adds to the profile's mapping instead of replacing it."""
    p = load_profile("kop-van-nh", {"routes": {"lrv": "mail"}})
    assert p.routes == {"no-show": "mail", "lrv": "mail"}


def test_an_override_keeps_the_other_values() -> None:
    """Overriding one value leaves the other values as they were."""
    p = load_profile("utrecht", {"verzuim_16u_max_age": 20})
    assert (p.verzuim_16u_threshold, p.verzuim_16u_compare) == (16, ">=")


def test_an_override_changes_the_stamp() -> None:
    """Decisions made with an overridden profile carry a different stamp."""
    assert load_profile("national", {"report_within_workdays": 3}).stamp != load_profile("national").stamp


def test_the_stamp_is_stable() -> None:
    """The same profile gives the same stamp each time, starting with name@version."""
    first, second = load_profile("national"), load_profile("national")
    assert first.stamp == second.stamp
    assert first.stamp.startswith(f"national@{first.version}+")


def test_an_unknown_profile_name_is_a_configuration_error() -> None:
    """An unknown name names itself and the available profiles."""
    with pytest.raises(ConfigurationError, match=r"onbekend profiel 'rotterdam'.*national"):
        load_profile("rotterdam")


def test_an_invalid_override_value_is_a_configuration_error() -> None:
    """compare must be >= or >: the message names the field."""
    with pytest.raises(ConfigurationError, match=r"verzuim_16u_compare"):
        load_profile("national", {"verzuim_16u_compare": "=>"})


def test_an_unknown_override_key_is_a_configuration_error() -> None:
    """A misspelt key is refused, not silently ignored."""
    with pytest.raises(ConfigurationError, match="treshold"):
        load_profile("national", {"verzuim_16u_treshold": 12})


def test_a_negative_threshold_is_a_configuration_error() -> None:
    """The threshold must be positive."""
    with pytest.raises(ConfigurationError, match="threshold"):
        load_profile("national", {"verzuim_16u_threshold": -1})


def test_a_profile_file_that_is_not_toml_is_a_configuration_error(tmp_path: Path) -> None:
    """Broken TOML: a ConfigurationError naming the file."""
    (tmp_path / "kapot.toml").write_text("name = \n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"kapot\.toml.*TOML"):
        load_profile("kapot", directory=tmp_path)


def test_a_profile_file_without_a_version_is_a_configuration_error(tmp_path: Path) -> None:
    """Every profile needs a version to stamp decisions with."""
    (tmp_path / "zonder.toml").write_text('name = "zonder"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="version"):
        load_profile("zonder", directory=tmp_path)


def test_a_profile_can_be_loaded_from_a_path(tmp_path: Path) -> None:
    """A name ending in .toml is read as a path."""
    path = tmp_path / "eigen.toml"
    path.write_text('name = "eigen"\nversion = "1"\n', encoding="utf-8")
    assert load_profile(str(path)).name == "eigen"


# --- the completeness gate's profile data ---------------------------------------------------------


def test_the_base_requirements_name_the_besluit_fields_for_every_melding():
    """Every melding needs reason, actions, actie gewenst, leslocatie, melder and a phone number."""
    fields = requirements(load_profile("national")).fields_for("verzuim-16u", adult=False)
    assert fields == {"vermoedelijke_reden", "actions_taken", "actie_gewenst", "toelichting", "leslocatie",
                      "melder", "phone"}


def test_an_adult_or_rmc_melding_adds_the_concerns_of_seed_002():
    """18+ and RMC: the three concerns, the agreements, what is asked of the RMC."""
    req = requirements(load_profile("national"))
    assert {"concerns", "agreements", "asked_of_rmc"} <= req.fields_for("verzuim-16u", adult=True)
    assert {"concerns", "agreements", "asked_of_rmc"} <= req.fields_for("rmc-4w", adult=False)


def test_a_profile_adds_required_fields_to_the_base():
    """A region may ask more, never less."""
    profile = load_profile("national", {"required": {"te-laat": ["different_address"]}})
    assert "different_address" in requirements(profile).fields_for("te-laat", adult=False)


def test_a_profile_decides_defaults_per_kind_over_the_defaults_for_every_kind():
    """``melding_defaults``: the kind's own entry wins over "*"."""
    profile = load_profile("national", {"melding_defaults": {
        "*": {"vermoedelijke_reden": "onbekend", "actie_gewenst": False},
        "luxe-verzuim": {"vermoedelijke_reden": "vakantie"}}})
    decided = melding_defaults(profile, "luxe-verzuim")
    assert (decided.vermoedelijke_reden, decided.actie_gewenst) == ("vakantie", False)


@pytest.mark.parametrize(("overrides", "words"), [
    ({"required": {"*": ["telefoon"]}}, "onbekende veld(en) telefoon"),
    ({"send_without_review": ["verzuim-17u"]}, "onbekende soort(en) verzuim-17u"),
    ({"melding_defaults": {"*": {"concerns": ["geldzorgen"]}}}, "onbekende zorg(en) geldzorgen"),
    ({"melding_defaults": {"*": {"phone": "0612345678"}}}, "phone"),
])
def test_gate_data_a_profile_gets_wrong_is_refused_naming_it(overrides, words):
    """An unknown field, kind or concern, or a default only the SIS or a person may give."""
    with pytest.raises(ConfigurationError, match=re.escape(words)):
        load_profile("national", overrides)
