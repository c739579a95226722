"""Vendor code mappings: data files, per-school overrides, and unmapped codes held back by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.domain.errors import ConfigurationError
from gateway.domain.reasons import ALL_REASONS
from gateway.intake.mapping import (
    DEFAULT_LATE_MINUTES,
    LATE,
    NOT_VERZUIM,
    UnmappedCode,
    late_minutes,
    load_code_mapping,
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("vendor", ["magister", "eduarte"])
def test_shipped_tables_map_only_to_canonical_reasons(vendor: str) -> None:
    """Every shipped code maps to a canonical reason or a documented special value."""
    mapping = load_code_mapping(vendor)
    assert set(mapping.codes.values()) <= ALL_REASONS | {NOT_VERZUIM, LATE}
    assert mapping.version


@pytest.mark.parametrize("vendor", ["magister", "eduarte"])
def test_shipped_tables_count_a_late_registration_as_the_default_minutes(vendor: str) -> None:
    """Without a school setting, a late registration without minutes counts as the default."""
    assert late_minutes(load_code_mapping(vendor)) == DEFAULT_LATE_MINUTES


@pytest.mark.parametrize("vendor", ["magister", "eduarte"])
@pytest.mark.parametrize("value", [0, "veel", 1441, True, 5.0])
def test_late_minutes_that_are_not_minutes_are_a_configuration_error(vendor: str, value: object) -> None:
    """A school's late_minutes must be a whole number of minutes; anything else is named."""
    with pytest.raises(ConfigurationError, match=f"codetabel {vendor}: late_minutes"):
        late_minutes(load_code_mapping(vendor, overrides={"late_minutes": value}))


def test_code_is_matched_trimmed_and_case_insensitive() -> None:
    """Vendors pad codes with spaces; ' zk ' is ZK."""
    assert load_code_mapping("magister").reason(" zk ", "test") == "ziek"


def test_empty_code_means_no_reason() -> None:
    """An absence without a code has no reason (the rules read that as onbekend)."""
    assert load_code_mapping("magister").reason("  ", "test") is None


def test_unmapped_code_names_code_vendor_and_where() -> None:
    """An unknown code is an error naming the code and the place it occurs, not a guess."""
    with pytest.raises(UnmappedCode) as caught:
        load_code_mapping("magister").reason("QQ", "absentie 7 van 99XX-1")
    message = str(caught.value)
    assert "'QQ'" in message and "magister" in message and "absentie 7 van 99XX-1" in message


def test_unmapped_kind_is_an_error() -> None:
    """An unknown Verantwoordingtype is held back like an unknown code."""
    with pytest.raises(UnmappedCode, match="soort registratie '5'"):
        load_code_mapping("magister").kind("5", "absentie 1")


def test_school_override_file_replaces_single_codes() -> None:
    """The example school counts sent-out as present and adds its own code; the rest stays."""
    mapping = load_code_mapping("magister", school="example-school")
    assert mapping.kind("4", "t") == "present"
    assert mapping.reason("FAM", "t") == "verlof"
    assert mapping.reason("ZK", "t") == "ziek"
    assert mapping.sources == ("magister.toml", "overrides/example-school/magister.toml")


def test_inline_overrides_apply_last_in_dotted_or_nested_form() -> None:
    """Inline overrides (from the source configuration) win over the files."""
    dotted = load_code_mapping("magister", overrides={"codes.ZK": "artsbezoek", "late_minutes": 12})
    nested = load_code_mapping("magister", overrides={"kinds": {"4": "ignore"}})
    assert dotted.reason("ZK", "t") == "artsbezoek"
    assert dotted.defaults["late_minutes"] == 12
    assert nested.kind("4", "t") == "ignore"


def test_an_override_changes_the_stamp() -> None:
    """Decisions are stamped with the mapping's version plus a digest of its effective tables."""
    plain = load_code_mapping("magister")
    assert plain.stamp != load_code_mapping("magister", overrides={"codes.ZK": "verlof"}).stamp
    assert plain.stamp == load_code_mapping("magister").stamp


def test_override_to_an_unknown_reason_is_a_configuration_error(tmp_path: Path) -> None:
    """A mapping may only name canonical reasons; a typo is caught on load, naming the entry."""
    with pytest.raises(ConfigurationError, match="ZK = 'zieke'"):
        load_code_mapping("magister", overrides={"codes.ZK": "zieke"})


def test_unknown_vendor_lists_the_known_tables(tmp_path: Path) -> None:
    """Asking for a vendor without a table names the tables that exist."""
    _write(tmp_path / "acme.toml", 'version = "1"\n[codes]\nX = "ziek"\n')
    with pytest.raises(ConfigurationError, match="wel: acme"):
        load_code_mapping("other", directory=tmp_path)


def test_malformed_toml_is_a_configuration_error(tmp_path: Path) -> None:
    """A broken mapping file is reported with its path."""
    _write(tmp_path / "acme.toml", "codes = [\n")
    with pytest.raises(ConfigurationError, match="geen geldige TOML"):
        load_code_mapping("acme", directory=tmp_path)


def test_table_that_is_not_a_table_is_rejected(tmp_path: Path) -> None:
    """``codes`` must be a TOML table."""
    _write(tmp_path / "acme.toml", 'codes = "ziek"\n')
    with pytest.raises(ConfigurationError, match=r"\[codes\] moet een tabel zijn"):
        load_code_mapping("acme", directory=tmp_path)


def test_codes_for_lists_the_codes_of_a_reason() -> None:
    """Stand-ins render canonical reasons back into vendor codes."""
    assert set(load_code_mapping("magister").codes_for("ziek")) == {"ZK", "ZB"}
