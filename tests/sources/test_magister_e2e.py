"""The Magister adapter end to end against its stand-in over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.magister import create_source
from adapters.magister.config import MagisterConfig
from adapters.magister.sandbox import Refusal, RunningSandbox, start_sandbox
from adapters.magister.source import MagisterSource
from gateway.domain.errors import TransientSourceError
from gateway.domain.model import AttendanceRecord
from gateway.testing.synthetic import SyntheticSchool, generate_school

SCHOOL = generate_school(seed=11, size=40)


def _key(r: AttendanceRecord) -> tuple[Any, ...]:
    return (r.student_id, r.date, r.start)


def _view(records: list[AttendanceRecord]) -> dict[tuple[Any, ...], tuple[str, str | None]]:
    return {_key(r): (r.status, r.reason) for r in records}


_OPEN: list[Any] = []


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(SCHOOL) as running:
        yield running
    while _OPEN:
        _OPEN.pop().close()


def _source(running: RunningSandbox, **extra: Any) -> Any:
    source = create_source(running.sandbox.adapter_config(running.url, **extra))
    _OPEN.append(source)
    return source


class Sleeps(list[float]):
    """Records the waits the adapter asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _waiting_source(running: RunningSandbox, sleeps: Sleeps, **extra: Any) -> MagisterSource:
    config = MagisterConfig.from_mapping(running.sandbox.adapter_config(running.url, **extra))
    source = MagisterSource(config, sleep=sleeps)
    _OPEN.append(source)
    return source


def test_full_pull_matches_the_reference_school(sandbox: RunningSandbox) -> None:
    """Every lesson up to today arrives with the status and reason the school registered."""
    batch = _source(sandbox).fetch(None)
    assert not batch.problems
    assert {s.id for s in batch.students} == {s.id for s in SCHOOL.students}
    assert _view(batch.records) == _view(SCHOOL.records_as_of(SCHOOL.end))


def test_students_arrive_with_their_canonical_fields(sandbox: RunningSandbox) -> None:
    """Birth dates (sent as UTC midnight) and the rule fields equal the reference."""
    batch = _source(sandbox).fetch(None)
    fields = ("birth_date", "leerweg", "niveau", "enrolled_on", "intro_attended", "startkwalificatie")
    got = {s.id: tuple(getattr(s, f) for f in fields) for s in batch.students}
    assert got == {s.id: tuple(getattr(s, f) for f in fields) for s in SCHOOL.students}


def test_ids_are_stable_between_pulls(sandbox: RunningSandbox) -> None:
    """Pulling twice gives the same ids for the same lessons."""
    source = _source(sandbox)
    first = {_key(r): r.id for r in source.fetch(None).records}
    second = {_key(r): r.id for r in _source(sandbox).fetch(None).records}
    assert first == second


def test_later_pull_reads_the_rolling_window_only(sandbox: RunningSandbox) -> None:
    """With a cursor the adapter re-reads window_days before the last pull, not the whole year
    (here every pull re-reads the lessons of the whole window)."""
    source = _source(sandbox, window_days=7, lesson_recheck_days=0)
    cursor = source.fetch(None).cursor
    batch = source.fetch(cursor)
    assert min(r.date for r in batch.records) >= SCHOOL.end - timedelta(days=7)


def _correction(school: SyntheticSchool) -> tuple[str, date, date]:
    """A lesson id whose reason changes, the day before and the day of the change."""
    for event in school.events:
        if len(event.versions) > 1 and event.withdrawn_from is None:
            change = event.versions[-1].known_from
            lesson = next((x for x in school.lessons if event.covers(x) and x.date < change), None)
            if lesson is not None and change <= school.end:
                return lesson.id, change - timedelta(days=1), change
    raise AssertionError("reference school has no correction")


def test_late_correction_replaces_the_record_under_the_same_id(sandbox: RunningSandbox) -> None:
    """An absence first unknown, then corrected in Magister, arrives again with the same id."""
    lesson_id, before, after = _correction(SCHOOL)
    lesson = next(x for x in SCHOOL.lessons if x.id == lesson_id)
    sandbox.sandbox.today = before
    first = {_key(r): r for r in _source(sandbox, today=before.isoformat()).fetch(None).records}
    sandbox.sandbox.today = after
    second = {_key(r): r for r in _source(sandbox, today=after.isoformat()).fetch(None).records}
    key = (lesson.student_id, lesson.date, lesson.start)
    assert first[key].id == second[key].id
    assert first[key].reason == "onbekend" and second[key].reason != "onbekend"


def test_lesson_that_vanished_is_withdrawn_by_a_new_process(sandbox: RunningSandbox) -> None:
    """A lesson taken off the timetable after a pull is withdrawn on the next pull, by a new
    process and without any state file: the cursor carries the ids seen."""
    first = _source(sandbox).fetch(None)
    gone = SCHOOL.lessons_until(SCHOOL.end)[-1]  # inside the rolling window
    sandbox.sandbox.cancelled.add(gone.id)
    batch = _source(sandbox, lesson_recheck_days=0).fetch(first.cursor)
    [withdrawn] = batch.withdrawn_record_ids
    assert withdrawn in {r.id for r in first.records} and withdrawn not in {r.id for r in batch.records}


def test_vanished_lesson_is_withdrawn_again_from_a_cursor_that_was_not_stored(
        sandbox: RunningSandbox) -> None:
    """A pull that saw the lesson gone, but whose batch was never stored, changes nothing: pulling
    again from the stored cursor withdraws it again."""
    source = _source(sandbox, lesson_recheck_days=0)
    stored = source.fetch(None).cursor
    sandbox.sandbox.cancelled.add(SCHOOL.lessons_until(SCHOOL.end)[-1].id)
    lost = source.fetch(stored)  # its ingest is rejected: the gateway keeps ``stored``
    assert source.fetch(stored).withdrawn_record_ids == lost.withdrawn_record_ids != []


def test_expired_tokens_are_renewed_during_a_pull(sandbox: RunningSandbox) -> None:
    """Tokens that expire between calls cost a re-authentication, not data."""
    source = _source(sandbox)
    source.fetch(None)
    issued = sandbox.sandbox.tokens_issued
    sandbox.sandbox.expire_tokens()
    batch = source.fetch(None)
    assert sandbox.sandbox.tokens_issued == issued + 1
    assert _view(batch.records) == _view(SCHOOL.records_as_of(SCHOOL.end))


def test_short_pages_of_students_are_followed(sandbox: RunningSandbox) -> None:
    """The stand-in caps pages below the adapter's page size: all students still arrive."""
    sandbox.sandbox.max_page = 7
    batch = _source(sandbox, page_size=100).fetch(None)
    assert len(batch.students) == len(SCHOOL.students)


def test_books_forgotten_items_are_served_and_dropped(sandbox: RunningSandbox) -> None:
    """The stand-in adds 'boeken vergeten' items; their lessons stay present."""
    noisy = [x for x in SCHOOL.lessons if x.seq % 97 == 0 and SCHOOL.registration(x, SCHOOL.end) is None]
    assert noisy
    records = {_key(r): r for r in _source(sandbox).fetch(None).records}
    assert all(records[(x.student_id, x.date, x.start)].status == "present" for x in noisy)


def test_calendar_comes_from_the_configured_file(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """The school's calendar travels with the batch when configured."""
    path = tmp_path / "kalender.json"
    path.write_text(SCHOOL.calendar.model_dump_json(), encoding="utf-8")
    assert _source(sandbox, calendar_file=str(path)).fetch(None).calendar == SCHOOL.calendar


def test_batch_names_the_code_mapping_version_it_applied(sandbox: RunningSandbox) -> None:
    """Decisions are stamped with the mapping version, so the batch carries the adapter's stamp."""
    source = _source(sandbox)
    assert source.fetch(None).mapping == source.mapping.stamp
    assert source.mapping.stamp.startswith("magister")


def test_short_outage_during_a_pull_is_ridden_out(sandbox: RunningSandbox) -> None:
    """Two 503s in the middle of a pull cost two backoff waits, not data."""
    sleeps = Sleeps()
    source = _waiting_source(sandbox, sleeps)
    sandbox.sandbox.refuse_next(Refusal(503), Refusal(503))
    batch = source.fetch(None)
    assert len(sleeps) == 2
    assert _view(batch.records) == _view(SCHOOL.records_as_of(SCHOOL.end))


def test_throttled_pull_waits_as_the_tenant_asks(sandbox: RunningSandbox) -> None:
    """A 429 with Retry-After: 3 makes the adapter wait three seconds, then it carries on."""
    sleeps = Sleeps()
    source = _waiting_source(sandbox, sleeps)
    sandbox.sandbox.refuse_next(Refusal(429, retry_after="3"))
    batch = source.fetch(None)
    assert sleeps == [3.0]
    assert _view(batch.records) == _view(SCHOOL.records_as_of(SCHOOL.end))


def test_outage_longer_than_the_attempts_fails_the_pull_as_transient(sandbox: RunningSandbox) -> None:
    """Magister down for every attempt: the pull stops with a transient error for the next sync."""
    source = _waiting_source(sandbox, Sleeps(), max_attempts=2)
    sandbox.sandbox.refuse_next(Refusal(503), Refusal(503))
    with pytest.raises(TransientSourceError, match="503 na 2 pogingen"):
        source.fetch(None)


# A term with corrections, withdrawn absences and a holiday, read day by day.
TERM = generate_school(seed=11, size=25, end=date(2026, 11, 20))
TERM_DAYS = [d for d in sorted({x.date for x in TERM.lessons}) if d >= date(2026, 10, 5)]


def _apply(state: dict[str, AttendanceRecord], batch: Any) -> None:
    state.update({r.id: r for r in batch.records})
    for rid in batch.withdrawn_record_ids:
        state.pop(rid, None)


def _daily(running: RunningSandbox, day: date, cursor: str | None, **extra: Any) -> Any:
    running.sandbox.today = day
    return _source(running, today=day.isoformat(), **extra).fetch(cursor)


def test_daily_pulls_add_up_to_what_a_full_pull_gives() -> None:
    """A full pull, then one pull per school day: applied in order, the records equal the school as
    a full pull shows it that day, corrections and removed absences of earlier days included."""
    state: dict[str, AttendanceRecord] = {}
    with start_sandbox(TERM, today=TERM_DAYS[0]) as running:
        first = _daily(running, TERM_DAYS[0], None)
        _apply(state, first)
        cursor = first.cursor
        for day in TERM_DAYS[1:]:
            batch = _daily(running, day, cursor)
            assert not batch.problems
            _apply(state, batch)
            cursor = batch.cursor
            assert _view(list(state.values())) == _view(TERM.records_as_of(day)), day


def test_a_daily_pull_yields_the_new_day_and_only_the_changes_before_it() -> None:
    """Lessons are read for the new day only: earlier days come back only where the school changed
    a registration (fewer than one in ten of them)."""
    day = date(2026, 11, 4)
    before = TERM_DAYS[TERM_DAYS.index(day) - 1]  # a day earlier: no recheck of the whole window
    with start_sandbox(TERM, today=before) as running:
        cursor = _daily(running, before, None).cursor
        batch = _daily(running, day, cursor)
    new_day = list(TERM.records_between(day, day, day))
    assert _view([r for r in batch.records if r.date == day]) == _view(new_day)
    earlier = [r for r in batch.records if r.date < day]
    was = _view(TERM.records_as_of(before))
    assert all(was.get(_key(r)) != (r.status, r.reason) for r in earlier)
    assert len(earlier) < len(new_day) / 10


def test_a_lesson_taken_off_an_earlier_day_is_withdrawn_at_the_weekly_recheck() -> None:
    """Daily pulls read the lessons of new days only; once the last full read is
    lesson_recheck_days old, a pull reads the whole window again and withdraws what vanished."""
    with start_sandbox(TERM, today=TERM_DAYS[5]) as running:
        cursor = _daily(running, TERM_DAYS[5], None).cursor
        gone = TERM.lessons_on(TERM_DAYS[4])[0]
        running.sandbox.cancelled.add(gone.id)
        daily = _daily(running, TERM_DAYS[6], cursor)
        recheck = _daily(running, TERM_DAYS[5] + timedelta(days=7), daily.cursor)
    assert daily.withdrawn_record_ids == []
    assert len(recheck.withdrawn_record_ids) == 1
