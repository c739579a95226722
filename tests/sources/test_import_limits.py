"""Every file and answer a source imports has a size and a depth limit with a clear message:
a 100,000-level ``kalender.json`` or an oversized export fails that source, never ``sync``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner

from adapters.eduarte import create_source as eduarte_source
from adapters.eduarte.exports import MAX_EXPORT_BYTES, read_rows
from adapters.magister.client import MAX_RESPONSE_BYTES, MagisterClient
from adapters.magister.config import MagisterConfig
from gateway import pipeline
from gateway.cli import cli
from gateway.config.school import SchoolConfig
from gateway.config.settings import Settings, open_store, write_key_file
from gateway.domain.errors import ConfigurationError, InvalidInput, SourceError
from gateway.intake.calendar_file import MAX_CALENDAR_BYTES, read_calendar
from gateway.intake.jsonsafe import MAX_DEPTH, load_json, read_json_file
from tests.sources.eduarte_files import write_snapshot

STAMP = "20260915T060000"
DEEP = b"[" * 100_000 + b"]" * 100_000
BASE = "https://school.magister.test"


def nested(levels: int) -> bytes:
    return b'{"a":' * (levels - 1) + b"[]" + b"}" * (levels - 1)


# --- the core's guard --------------------------------------------------------------------------

def test_json_nested_100000_levels_is_refused_naming_the_file() -> None:
    """Python's parser would end in a RecursionError; the guard gives a Dutch message instead."""
    with pytest.raises(InvalidInput, match=r"^kalender\.json: .*te diep genest"):
        load_json(DEEP, where="kalender.json", max_bytes=1_000_000)


def test_json_just_past_the_depth_limit_is_refused() -> None:
    """The limit holds well before the parser's own recursion limit."""
    with pytest.raises(InvalidInput, match=f"dieper genest dan {MAX_DEPTH} niveaus"):
        load_json(nested(MAX_DEPTH + 1), where="x.json", max_bytes=1_000_000)


def test_json_at_the_depth_limit_is_read() -> None:
    """Exactly ``MAX_DEPTH`` levels is still fine."""
    assert isinstance(load_json(nested(MAX_DEPTH), where="x.json", max_bytes=1_000_000), dict)


def test_json_over_the_size_limit_is_refused_before_parsing() -> None:
    """The size is checked first: an oversized text is never parsed."""
    with pytest.raises(InvalidInput, match=r"^x\.json: is .* groot, meer dan de grens"):
        load_json(b"[" + b"1," * 600 + b"1]", where="x.json", max_bytes=1000)


def test_oversized_json_file_is_not_read(tmp_path: Path) -> None:
    """A sparse file of 8 GB claims its size without taking disk space: refused from its size."""
    big = tmp_path / "kalender.json"
    with big.open("wb") as handle:
        handle.truncate(8 * 1024 ** 3)
    with pytest.raises(InvalidInput, match=r"^kalender\.json: is 8192\.0 MB groot"):
        read_json_file(big, max_bytes=MAX_CALENDAR_BYTES)


# --- the calendar both sources import ----------------------------------------------------------

def test_deep_calendar_is_a_configuration_error_naming_it(tmp_path: Path) -> None:
    """One ConfigurationError naming the calendar file, not a RecursionError."""
    path = tmp_path / "kalender.json"
    path.write_bytes(DEEP)
    with pytest.raises(ConfigurationError, match=r"kalender .*kalender\.json: .*te diep genest"):
        read_calendar(path)


def test_oversized_calendar_is_a_configuration_error(tmp_path: Path) -> None:
    """A calendar over the limit is refused, naming the file and the limit."""
    path = tmp_path / "kalender.json"
    path.write_bytes(b" " * (MAX_CALENDAR_BYTES + 1))
    with pytest.raises(ConfigurationError, match=r"kalender\.json: is 4\.0 MB groot, meer dan de grens"):
        read_calendar(path)


@pytest.fixture
def env_with_eduarte_school(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """A real store with one school whose Eduarte drop folder holds a snapshot."""
    data, drop = tmp_path / "data", tmp_path / "drop"
    write_snapshot(drop, STAMP)
    write_key_file(data)
    env = {"VERZUIM_DATA_DIR": str(data)}
    store = open_store(Settings.from_env(env), migrate=True)
    pipeline.register_school(store, SchoolConfig(
        id="88YY00", brin="88YY", oin="00000008888888880000", name="College E",
        sources={"eduarte": {"drop_folder": str(drop), "brin": "88YY"}}), "test")
    store.close()
    yield env, drop


def test_sync_with_a_100000_level_calendar_reports_it_and_goes_on(
        env_with_eduarte_school: tuple[dict[str, str], Path]) -> None:
    """The issue's case: ``sync`` prints one FOUT line naming kalender.json and exits 1."""
    env, drop = env_with_eduarte_school
    (drop / "kalender.json").write_bytes(DEEP)
    result = CliRunner().invoke(cli, ["sync", "--no-evaluate", "--actor", "test"], env=env)
    assert result.exit_code == 1, result.output
    assert "FOUT 88YY00 eduarte: kalender " in result.output
    assert "kalender.json: geen geldige invoer: de JSON is te diep genest" in result.output
    assert isinstance(result.exception, SystemExit)  # click's exit, not a crash


# --- Eduarte's CSV exports ---------------------------------------------------------------------

def test_oversized_export_is_refused_before_a_line_is_read(tmp_path: Path) -> None:
    """An export over the limit is an error for the file, naming it and the limit."""
    write_snapshot(tmp_path, STAMP)
    path = tmp_path / f"deelnemers_{STAMP}.csv"
    with pytest.raises(InvalidInput, match=rf"^deelnemers_{STAMP}\.csv: is .* groot, meer dan"):
        next(read_rows(path, "deelnemers", "utf-8-sig", ";", max_bytes=10))


def test_an_export_past_the_default_limit_fails_the_source(tmp_path: Path) -> None:
    """A (sparse) waarnemingen export past the default limit fails the fetch with a SourceError."""
    write_snapshot(tmp_path, STAMP)
    with (tmp_path / f"waarnemingen_{STAMP}.csv").open("r+b") as handle:
        handle.truncate(MAX_EXPORT_BYTES + 1)
    source = eduarte_source({"drop_folder": str(tmp_path), "brin": "88YY"})
    with pytest.raises(SourceError, match=rf"waarnemingen_{STAMP}\.csv: is .* groot, meer dan de grens"):
        source.fetch(None)


# --- Magister's answers (HTTP edge cases: respx) -----------------------------------------------

@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mocked:
        mocked.post(f"{BASE}/connect/token").mock(
            return_value=httpx.Response(200, json={"access_token": "t", "expires_in": 3600}))
        yield mocked


@pytest.fixture
def magister(router: respx.MockRouter) -> Iterator[MagisterClient]:
    client = MagisterClient(MagisterConfig(base_url=BASE, client_id="gw", client_secret="s3cr3t",
                                           brin="99XX", max_attempts=1))
    yield client
    client.close()


class Chunks:
    """An answer of ``count`` chunks of 1 MiB without Content-Length, counting what was read."""

    SIZE = 1024 * 1024

    def __init__(self, count: int) -> None:
        self.count = count
        self.given = 0

    def __iter__(self) -> Iterator[bytes]:
        chunk = b" " * self.SIZE
        for _ in range(self.count):
            self.given += 1
            yield chunk


def test_deep_magister_answer_is_a_source_error_naming_the_path(
        router: respx.MockRouter, magister: MagisterClient) -> None:
    """A 100,000-level answer fails the call with the path, not a RecursionError."""
    router.get(f"{BASE}/api/diep").mock(return_value=httpx.Response(200, content=DEEP))
    with pytest.raises(SourceError, match=r"geen JSON terug op /api/diep: .*te diep genest"):
        magister.get_json("/api/diep", {})


def test_oversized_magister_answer_is_refused_once_it_passes_the_limit(
        router: respx.MockRouter, magister: MagisterClient) -> None:
    """Reading stops at the chunk that passes the limit; the rest is never read."""
    chunks = Chunks(MAX_RESPONSE_BYTES // Chunks.SIZE + 10)
    router.get(f"{BASE}/api/groot").mock(return_value=httpx.Response(200, content=chunks))
    with pytest.raises(SourceError, match=r"Magister-antwoord op /api/groot is .* meer dan de grens"):
        magister.get_json("/api/groot", {})
    assert chunks.given == MAX_RESPONSE_BYTES // Chunks.SIZE + 1


def test_magister_answer_declaring_an_oversized_length_is_not_read(
        router: respx.MockRouter, magister: MagisterClient) -> None:
    """A Content-Length past the limit is refused before a byte of the body is read."""
    chunks = Chunks(2)
    router.get(f"{BASE}/api/groot").mock(return_value=httpx.Response(
        200, headers={"content-length": str(MAX_RESPONSE_BYTES + 1)}, content=chunks))
    with pytest.raises(SourceError, match="meer dan de grens"):
        magister.get_json("/api/groot", {})
    assert chunks.given == 0
