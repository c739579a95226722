"""The no-show board: open contact tasks closed by recording a contact attempt, the second
determination linked to the first, and the enrolled students not yet on a timetable."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from gateway import pipeline
from gateway.config.school import SchoolConfig
from gateway.domain.ports import SourceBatch
from gateway.store import MeldingView, list_meldingen
from gateway.store import students as students_repo
from tests.console.conftest import Console
from tests.console.helpers import AS_OF, SCHOOL, csrf_of
from tests.store.helpers import CALENDAR, absences, student

MELDER = "melder@voorbeeld"
BOARD = "/console/no-show"
WEEK_2 = [date(2026, 9, 7) + timedelta(days=n) for n in range(5)]
DAY_10 = WEEK_2[-1]


def _follow_up(console: Console, school: SchoolConfig = SCHOOL, as_of: date = AS_OF) -> None:
    """Evaluate the school as the daily job does: the rules' and the follow-up's signals, reconciled."""
    with console.store.write() as conn:
        students_repo.mark_all_dirty(conn, school.id)
    pipeline.evaluate(console.store, school.id, as_of)


def _tasks(console: Console, student_id: str) -> list[MeldingView]:
    found = list_meldingen(console.store, SCHOOL.id, rule="no-show-contact", student_id=student_id)
    return sorted(found, key=lambda m: m.trigger_date)


def _attempt(client: httpx.Client, task: MeldingView, **fields: str) -> httpx.Response:
    data = {"datum": "2026-08-31", "hoe": "telefoon", "uitkomst": "Geen gehoor, voicemail ingesproken",
            "csrf": csrf_of(client.get(BOARD).text), **fields}
    return client.post(f"{BOARD}/taken/{task.id}", data=data)


def test_the_board_lists_the_open_contact_tasks_with_a_form(console: Console) -> None:
    """N1 and N2 did not appear on days 1-3: three tasks each, each with its form."""
    _follow_up(console)
    board = console.client(MELDER).get(BOARD).text
    for task in _tasks(console, "N1") + _tasks(console, "N2"):
        assert f'action="{BOARD}/taken/{task.id}"' in board
    assert len(_tasks(console, "N1")) == 3


def test_recording_a_contact_attempt_closes_the_task(console: Console) -> None:
    """The attempt is kept with the task, which leaves the open list and shows under the done ones."""
    _follow_up(console)
    client = console.client(MELDER)
    task = _tasks(console, "N1")[0]
    response = _attempt(client, task)
    assert response.status_code == 303 and response.headers["location"].startswith(f"{BOARD}?vastgelegd=")
    board = client.get(response.headers["location"]).text
    assert f'action="{BOARD}/taken/{task.id}"' not in board
    assert "De contactpoging is vastgelegd" in board and "Geen gehoor, voicemail ingesproken" in board
    assert _tasks(console, "N1")[0].status == "afgesloten"


def test_a_contact_attempt_in_the_future_is_refused_and_the_task_stays_open(console: Console) -> None:
    """422 with the reason; what was typed is shown again; the task is still open."""
    _follow_up(console)
    client = console.client(MELDER)
    task = _tasks(console, "N1")[0]
    response = _attempt(client, task, datum="2026-09-30", uitkomst="Bijna gebeld")
    assert response.status_code == 422
    assert "toekomst" in response.text and 'value="Bijna gebeld"' in response.text
    assert _tasks(console, "N1")[0].status == "intern"


def test_a_contact_attempt_without_a_way_is_refused(console: Console) -> None:
    """How the student was contacted is one of the known ways."""
    _follow_up(console)
    response = _attempt(console.client(MELDER), _tasks(console, "N1")[0], hoe="duif")
    assert response.status_code == 422 and "onbekende manier" in response.text


def test_a_done_task_cannot_be_closed_again(console: Console) -> None:
    """A second post (another tab) answers 409; the first attempt stays."""
    _follow_up(console)
    client = console.client(MELDER)
    task = _tasks(console, "N1")[0]
    assert _attempt(client, task).status_code == 303
    assert _attempt(client, task, uitkomst="Nogmaals").status_code == 409


def test_the_form_needs_the_session_s_csrf_token(console: Console) -> None:
    """403 without the token; the task stays open."""
    _follow_up(console)
    task = _tasks(console, "N1")[0]
    response = console.client(MELDER).post(f"{BOARD}/taken/{task.id}", data={
        "csrf": "vervalst", "datum": "2026-08-31", "hoe": "telefoon", "uitkomst": "x"})
    assert response.status_code == 403 and _tasks(console, "N1")[0].status == "intern"


def test_another_school_cannot_close_the_task(console: Console) -> None:
    """Another school's user finds no such task (404)."""
    _follow_up(console)
    response = _attempt(console.client("melder@ander"), _tasks(console, "N1")[0])
    assert response.status_code == 404 and _tasks(console, "N1")[0].status == "intern"


def test_a_melding_that_is_no_contact_task_cannot_be_closed_here(console: Console) -> None:
    """The no-show melding itself is not closed by a contact attempt (404)."""
    response = _attempt(console.client(MELDER), console.melding("no-show", "N1"))
    assert response.status_code == 404


def test_an_enrolled_student_without_any_record_is_listed(console: Console) -> None:
    """U1 is enrolled but on no timetable: by school day 3 the board lists them."""
    batch = SourceBatch(students=[student("U1", given_names="Ursula")], calendar=CALENDAR)
    pipeline.ingest(console.store, SCHOOL.id, "test", batch, "test")
    board = console.client(MELDER).get(BOARD).text
    section = board[board.index('id="zonder-registratie"'):]
    assert "Ursula" in section and "U1" in section
    assert "N1" not in section


def test_the_second_determination_shows_linked_to_the_first(console: Console) -> None:
    """Under the Utrecht profile N2, absent for two weeks, is reported again on day 10."""
    utrecht = SCHOOL.model_copy(update={"profile": "utrecht"})
    pipeline.register_school(console.store, utrecht, "test")
    batch = SourceBatch(students=[], records=absences("N2", WEEK_2, per_day=2), calendar=CALENDAR)
    pipeline.ingest(console.store, SCHOOL.id, "test", batch, "test")
    _follow_up(console, utrecht, DAY_10)
    console.today = DAY_10
    first, second = console.melding("no-show", "N2"), console.melding("no-show-2", "N2")
    assert second.recipient == first.recipient == "dsp"
    board = console.client(MELDER).get(BOARD).text
    row = board[board.index(f'href="/console/meldingen/{second.id}"'):]
    row = row[: row.index("</tr>")]
    assert "tweede vaststelling" in row and f'href="/console/meldingen/{first.id}"' in row
    assert "04-09-2026" in row


def test_a_long_list_of_students_without_a_record_shows_the_longest_waiting_and_the_total(
        console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    """A college may have thousands on no timetable: the board shows the first of them and says how many."""
    monkeypatch.setattr("gateway.console.pages.no_show.SECTION_LIMIT", 1)
    batch = SourceBatch(students=[student("U1", given_names="Ursula"), student("U2", given_names="Umar")],
                        calendar=CALENDAR)
    pipeline.ingest(console.store, SCHOOL.id, "test", batch, "test")
    board = console.client(MELDER).get(BOARD).text
    section = board[board.index('id="zonder-rooster"'):]
    assert "De eerste 1 van 2, de langst wachtende eerst." in section
    assert section.count("<tr>") - section.count("<thead><tr>") == 1
