"""Smaller failure paths of the adapters, the kit and sync: each gives a clear, named error."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.eduarte import create_source as eduarte_source
from adapters.magister import create_source as magister_source
from adapters.magister.source import parse_cursor
from gateway.cli.sync import sync_source
from gateway.config.school import SchoolConfig
from gateway.domain.errors import ConfigurationError, InvalidInput
from gateway.domain.ports import SourceBatch
from gateway.intake.conformance import load_check_config, run_checks, source_factory
from tests.sources.eduarte_files import write_snapshot

MAGISTER = {"base_url": "http://127.0.0.1:9", "client_id": "x", "client_secret": "y", "brin": "99XX"}


def test_unknown_magister_cursor_is_invalid_input() -> None:
    """A cursor the adapter did not write is refused, not guessed at."""
    with pytest.raises(InvalidInput, match="onbekende cursor"):
        parse_cursor("gisteren", "99XX")


def test_magister_state_file_is_no_longer_read(tmp_path: Path) -> None:
    """The ids seen travel in the cursor; an old configuration naming a (corrupt) state file starts."""
    state = tmp_path / "state.json"
    state.write_text("{kapot", encoding="utf-8")
    magister_source({**MAGISTER, "state_file": str(state)}).close()


def test_magister_cursor_from_before_the_seen_ids_knows_none() -> None:
    """A cursor with only ``until`` is read: that one pull has nothing it could withdraw."""
    cursor = parse_cursor('{"until": "2026-09-04"}', "99XX")
    assert cursor is not None and (cursor.until, cursor.seen) == (date(2026, 9, 4), {})


def test_magister_cursor_with_damaged_seen_ids_is_invalid_input() -> None:
    """Seen ids that do not unpack are refused, not taken as "nothing seen"."""
    with pytest.raises(InvalidInput, match="onbekende cursor"):
        parse_cursor('{"until": "2026-09-04", "seen": "kapot!"}', "99XX")


def test_magister_late_minutes_setting_is_checked_when_the_adapter_starts() -> None:
    """A school's late_minutes that is no number of minutes stops the adapter before any pull."""
    with pytest.raises(ConfigurationError, match="late_minutes"):
        magister_source({**MAGISTER, "code_overrides": {"late_minutes": "tien"}})


def test_eduarte_late_minutes_setting_is_checked_when_the_adapter_starts(tmp_path: Path) -> None:
    """Eduarte checks the school's late_minutes as Magister does: a bad value stops it before any read."""
    with pytest.raises(ConfigurationError, match="late_minutes = 'tien' is geen aantal minuten"):
        eduarte_source({"drop_folder": str(tmp_path), "brin": "99YY",
                        "code_overrides": {"late_minutes": "tien"}})


def test_unreadable_magister_calendar_is_a_configuration_error(tmp_path: Path) -> None:
    """A calendar file that is not a calendar is reported with its path."""
    bad = tmp_path / "kalender.json"
    bad.write_text('{"first_school_day": "nooit"}', encoding="utf-8")
    source = magister_source({**MAGISTER, "calendar_file": str(bad)})
    with pytest.raises(ConfigurationError, match=r"kalender\.json"):
        source.config.load_calendar()
    source.close()


def test_unreadable_eduarte_calendar_is_a_configuration_error(tmp_path: Path) -> None:
    """The drop folder's kalender.json must be a calendar."""
    write_snapshot(tmp_path, "20260915T060000")
    (tmp_path / "kalender.json").write_text("[]", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="kalender"):
        eduarte_source({"drop_folder": str(tmp_path), "brin": "99YY"}).fetch(None)


def test_missing_check_config_is_a_configuration_error(tmp_path: Path) -> None:
    """The kit names the file it cannot read."""
    with pytest.raises(ConfigurationError, match=r"nope\.toml"):
        load_check_config(tmp_path / "nope.toml")


def test_malformed_check_config_is_a_configuration_error(tmp_path: Path) -> None:
    """Broken TOML is reported as such."""
    path = tmp_path / "check.toml"
    path.write_text("[source\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="geen geldige TOML"):
        load_check_config(path)


def test_factory_that_builds_no_source_fails_the_protocol_check() -> None:
    """An entry point that returns something without fetch fails the protocol check."""
    factory = source_factory(lambda name: (lambda config: object()), "odd", {})
    report = run_checks("odd", factory)
    assert not report.ok and "levert geen Source" in report.results[0].detail


def test_fetch_returning_something_else_fails_the_protocol_check() -> None:
    """fetch must return a SourceBatch."""
    class Odd:
        name = "odd"

        def fetch(self, cursor: str | None) -> Any:
            return {"records": []}
    report = run_checks("odd", Odd)
    assert not report.ok and "SourceBatch" in report.results[0].detail


def test_crash_with_a_plain_exception_is_reported() -> None:
    """Even an unexpected exception becomes a failed check, not a crashed kit."""
    class Crash:
        name = "crash"

        def fetch(self, cursor: str | None) -> SourceBatch:
            raise KeyError("x")
    report = run_checks("crash", Crash)
    assert "crashte: KeyError" in report.results[0].detail


def test_sync_reports_a_source_configuration_error() -> None:
    """A source whose configuration is invalid fails that source with the reason."""
    school = SchoolConfig(id="99XX00", brin="99XX", oin="0" * 20, name="X")
    outcome = sync_source(store=None, school=school, name="magister",  # type: ignore[arg-type]
                          config={"base_url": "x"}, actor="t")
    assert not outcome.ok and "Magister-configuratie ongeldig" in outcome.message


def test_sync_reports_an_unknown_adapter() -> None:
    """A source naming an adapter that is not installed is reported, with the ones that are."""
    school = SchoolConfig(id="99XX00", brin="99XX", oin="0" * 20, name="X")
    outcome = sync_source(store=None, school=school, name="somtoday", config={},  # type: ignore[arg-type]
                          actor="t")
    assert not outcome.ok and "onbekende adapter 'somtoday'" in outcome.message


def test_full_pull_starts_on_the_first_of_august() -> None:
    """Without since, a full pull reads the school year from 1 August."""
    source = magister_source({**MAGISTER, "today": "2026-10-01"})
    assert source.window(None).start == date(2026, 8, 1)
    source.close()
