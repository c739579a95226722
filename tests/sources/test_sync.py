"""`verzuim-gateway sync` end to end: both stand-ins, a real store, the pipeline behind it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.eduarte.sandbox import RunningSandbox as EduarteRunning
from adapters.eduarte.sandbox import start_sandbox as start_eduarte
from adapters.magister.sandbox import RunningSandbox as MagisterRunning
from adapters.magister.sandbox import start_sandbox as start_magister
from gateway import pipeline
from gateway.cli import cli
from gateway.config.school import SchoolConfig
from gateway.config.settings import Settings, open_store, write_key_file
from gateway.store import count_by_status, get_cursor
from gateway.store.students import student_details
from gateway.testing.synthetic import SYNTHETIC_LESLOCATIES, generate_school

MAGISTER_SCHOOL = generate_school(seed=21, size=30, brin="99XX")
EDUARTE_SCHOOL = generate_school(seed=22, size=30, brin="88YY")
AS_OF = MAGISTER_SCHOOL.end


@dataclass
class Setup:
    env: dict[str, str]
    magister: MagisterRunning
    eduarte: EduarteRunning

    def sync(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["sync", "--as-of", AS_OF.isoformat(), "--actor", "test", *args],
                                    env=self.env)
        return result.exit_code, result.output


def _register(data: Path, schools: list[SchoolConfig]) -> None:
    write_key_file(data)
    store = open_store(Settings.from_env({"VERZUIM_DATA_DIR": str(data)}), migrate=True)
    for school in schools:
        pipeline.register_school(store, school, "test")
    store.close()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    data = tmp_path / "data"
    with start_magister(MAGISTER_SCHOOL) as magister, \
            start_eduarte(tmp_path / "drop", EDUARTE_SCHOOL, today=AS_OF - timedelta(days=14)) as eduarte:
        # Every pull re-reads the lessons of the whole window: a lesson taken off an earlier day is
        # withdrawn by the next sync (daily pulls wait for the weekly recheck: test_magister_e2e).
        magister_cfg = magister.sandbox.adapter_config(magister.url, calendar_file=str(tmp_path / "cal.json"),
                                                       lesson_recheck_days=0)
        (tmp_path / "cal.json").write_text(MAGISTER_SCHOOL.calendar.model_dump_json(), encoding="utf-8")
        _register(data, [
            SchoolConfig(id="99XX00", brin="99XX", oin="00000009999999990000", name="College M",
                         sources={"magister": magister_cfg}, leslocaties=list(SYNTHETIC_LESLOCATIES)),
            SchoolConfig(id="88YY00", brin="88YY", oin="00000008888888880000", name="College E",
                         sources={"eduarte": eduarte.sandbox.adapter_config()},
                         leslocaties=list(SYNTHETIC_LESLOCATIES)),
        ])
        yield Setup({"VERZUIM_DATA_DIR": str(data)}, magister, eduarte)


def _store(setup: Setup):  # type: ignore[no-untyped-def]
    return open_store(Settings.from_env(setup.env))


def test_sync_pulls_every_source_and_makes_meldingen(setup: Setup) -> None:
    """One sync reads both schools' sources, stores the batches and evaluates: meldingen appear."""
    code, output = setup.sync()
    assert code == 0, output
    assert "ok   99XX00 magister:" in output and "ok   88YY00 eduarte:" in output
    store = _store(setup)
    try:
        assert sum(count_by_status(store, "99XX00").values()) > 0
        assert sum(count_by_status(store, "88YY00").values()) > 0
        assert get_cursor(store, "88YY00", "eduarte") is not None
    finally:
        store.close()


def test_synced_students_carry_phone_leslocatie_and_datum_aanmelding_to_the_melding(setup: Setup) -> None:
    """What each SIS knows for a melding reaches the store: the melding's student details hold the
    phone number (sealed at rest), the leslocatie and the datum aanmelding."""
    assert setup.sync("--no-evaluate")[0] == 0
    store = _store(setup)
    try:
        with store.read() as conn:
            for school_id, school in (("99XX00", MAGISTER_SCHOOL), ("88YY00", EDUARTE_SCHOOL)):
                want = school.students[0]
                details = student_details(conn, store.cipher, school_id, want.id)
                assert details is not None
                assert (details.phone, details.leslocatie, details.enrolled_on) == (
                    want.phone, want.leslocatie, want.enrolled_on)
    finally:
        store.close()


def test_second_sync_starts_from_the_cursor(setup: Setup) -> None:
    """Nothing new in the drop folder: the Eduarte source reports no new data."""
    setup.sync()
    code, output = setup.sync("--school", "88YY00")
    assert code == 0 and "geen nieuwe gegevens" in output


def test_sync_brings_new_lessons_and_corrections(setup: Setup) -> None:
    """A newer export after a correction in Eduarte: new lessons arrive and corrected ones change."""
    event = next(e for e in EDUARTE_SCHOOL.events
                 if len(e.versions) > 1 and e.versions[-1].known_from <= EDUARTE_SCHOOL.end)
    change = event.versions[-1].known_from
    setup.eduarte.sandbox.today = change - timedelta(days=1)
    setup.eduarte.sandbox.write_snapshot()
    setup.sync("--school", "88YY00")
    setup.eduarte.sandbox.today = change
    setup.eduarte.sandbox.write_snapshot()
    code, output = setup.sync("--school", "88YY00")
    match = re.search(r"eduarte: (\d+) nieuw, (\d+) gewijzigd", output)
    assert code == 0 and match is not None, output
    assert int(match.group(2)) > 0


def test_lesson_vanished_while_the_ingest_crashed_is_withdrawn_by_the_next_sync(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    """Magister: the sync that first sees a lesson gone crashes before its batch is stored; the next
    sync still withdraws the lesson, because what the adapter remembers is stored with the batch."""
    assert setup.sync("--school", "99XX00", "--no-evaluate")[0] == 0
    setup.magister.sandbox.cancelled.add(MAGISTER_SCHOOL.lessons_until(AS_OF)[-1].id)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database weg")

    monkeypatch.setattr(pipeline, "ingest", crash)
    assert setup.sync("--school", "99XX00", "--no-evaluate")[0] != 0
    monkeypatch.undo()
    code, output = setup.sync("--school", "99XX00", "--no-evaluate")
    assert code == 0 and "1 ingetrokken" in output, output


def test_unreachable_source_fails_that_source_only(setup: Setup) -> None:
    """Magister down: a FOUT line and exit status 1; the other school is still synced."""
    setup.magister.stop()
    code, output = setup.sync()
    assert code == 1
    assert "FOUT 99XX00 magister: tijdelijk niet bereikbaar" in output
    assert "ok   88YY00 eduarte:" in output


def test_only_the_named_source_is_synced(setup: Setup) -> None:
    """--source limits the pull."""
    code, output = setup.sync("--source", "eduarte", "--no-evaluate")
    assert code == 0 and "magister" not in output and "evaluatie" not in output


def test_rejected_batch_is_reported_and_fails_the_run(setup: Setup) -> None:
    """A first batch without a calendar is refused by the pipeline: FOUT with the reason, exit 1."""
    config = setup.magister.sandbox.adapter_config(setup.magister.url)  # no calendar_file
    store = _store(setup)
    pipeline.register_school(store, SchoolConfig(id="77ZZ00", brin="99XX", oin="00000007777777770000",
                                                 name="College K", sources={"magister": config}), "test")
    store.close()
    code, output = setup.sync("--school", "77ZZ00", "--no-evaluate")
    assert code == 1 and "FOUT 77ZZ00 magister: batch afgewezen" in output and "kalender" in output
