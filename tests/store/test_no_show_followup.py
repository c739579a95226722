"""The no-show follow-up (seeds 000 and 001): contact tasks on school days 1-3, the second
determination after two weeks where the profile asks for it, and students not yet on a timetable.

Calendar: the first school day is Monday 31 August 2026; school day 5 is Friday 4 September,
school day 10 Friday 11 September."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

import pytest

from gateway import pipeline
from gateway.config.school import SchoolConfig
from gateway.delivery.worker import Worker
from gateway.domain.errors import GatewayError, IllegalTransition
from gateway.domain.melding_content import ContactAttempt, MeldingContent
from gateway.domain.model import AttendanceRecord
from gateway.domain.ports import SourceBatch
from gateway.pipeline.no_show_followup import (
    close_contact_task,
    unscheduled_of_school,
    unscheduled_students,
)
from gateway.rules.profiles import load_profile
from gateway.store import MeldingView, Store, get_melding, list_meldingen
from gateway.store.content import decode_content
from gateway.store.schema import meldingen
from tests.store.helpers import CALENDAR, SCHOOL, absences, audit_actions, drain, student

WEEK_1 = [date(2026, 8, 31) + timedelta(days=n) for n in range(5)]
WEEK_2 = [date(2026, 9, 7) + timedelta(days=n) for n in range(5)]
DAY_1, DAY_2, DAY_3, DAY_5, DAY_10 = WEEK_1[0], WEEK_1[1], WEEK_1[2], WEEK_1[4], WEEK_2[4]
UTRECHT = SCHOOL.model_copy(update={"id": "25UT00", "brin": "25UT", "profile": "utrecht"})
ADULT = {"birth_date": date(2007, 3, 1)}  # 19: the no-show goes to the DSP
TRIED = MeldingContent(contact_attempts=(ContactAttempt(DAY_2, "telefoon", "geen gehoor"),))


def _sync(store: Store, records: list[AttendanceRecord], as_of: date, *, school: SchoolConfig = SCHOOL,
          sid: str = "N1", **facts: object) -> None:
    """Ingest a no-show candidate (enrolled before the summer, no intro day) and evaluate on ``as_of``."""
    if school is not SCHOOL:
        pipeline.register_school(store, school, "test")
    batch = SourceBatch(students=[student(sid, intro_attended=False, **facts)], records=records,
                        calendar=CALENDAR)
    pipeline.ingest(store, school.id, "magister", batch, "test")
    pipeline.evaluate(store, school.id, as_of)


def _of(store: Store, rule: str, school: SchoolConfig = SCHOOL, *, live: bool = True) -> list[MeldingView]:
    found = list_meldingen(store, school.id, rule=rule)
    return sorted((m for m in found if not live or m.status != "ingetrokken"), key=lambda m: m.trigger_date)


def _present(sid: str, day: date) -> AttendanceRecord:
    return AttendanceRecord(id=f"P-{sid}-{day.isoformat()}", student_id=sid, date=day, start=time(8),
                            end=time(10), status="present")


# --- contact tasks -----------------------------------------------------------------------------------


def test_a_student_who_does_not_appear_gets_a_contact_task_on_school_days_1_to_3_only(store):
    """Seed 000 step 2: the school calls on days 1-3; no task on days 4 and 5."""
    _sync(store, absences("N1", WEEK_1), DAY_5)
    tasks = _of(store, "no-show-contact")
    assert [t.trigger_date for t in tasks] == [DAY_1, DAY_2, DAY_3]
    assert {(t.kind, t.recipient, t.status, t.route) for t in tasks} == {("taak", "school", "intern", None)}


def test_no_contact_task_after_the_student_appeared(store):
    """Present on day 2: the day-1 task stands, no task for day 2 or 3."""
    records = [*absences("N1", [DAY_1, DAY_3]), _present("N1", DAY_2)]
    _sync(store, records, DAY_5)
    assert [t.trigger_date for t in _of(store, "no-show-contact")] == [DAY_1]


def test_contact_tasks_are_made_once_across_evaluations(store):
    """The business id is the student and the school day: a later evaluation finds the same tasks."""
    _sync(store, absences("N1", WEEK_1[:3]), DAY_3)
    _sync(store, absences("N1", WEEK_1), DAY_5)
    assert [t.trigger_date for t in _of(store, "no-show-contact", live=False)] == [DAY_1, DAY_2, DAY_3]


def test_a_correction_showing_the_student_present_withdraws_that_day_s_task(store):
    """Reconciled like a rule's signal: the day-1 record becomes present, the tasks vanish."""
    _sync(store, absences("N1", WEEK_1[:3], per_day=1), DAY_3)
    corrected = AttendanceRecord(id=f"L-N1-{DAY_1.isoformat()}-0", student_id="N1", date=DAY_1,
                                 start=time(8), end=time(10), status="present")
    _sync(store, [corrected], DAY_3)
    assert _of(store, "no-show-contact") == []
    assert {t.status for t in _of(store, "no-show-contact", live=False)} == {"ingetrokken"}


def test_a_student_reported_sick_gets_no_contact_task(store):
    """An authorised absence is news from the student: not a no-show, nobody to chase."""
    _sync(store, absences("N1", WEEK_1[:3], reason="ziek"), DAY_3)
    assert _of(store, "no-show-contact") == []


def test_a_student_who_attended_the_intro_day_gets_no_contact_task(store):
    """Seed 000: an intro day counts as the start; the absence is relatief verzuim."""
    batch = SourceBatch(students=[student("N1")], records=absences("N1", WEEK_1[:3]), calendar=CALENDAR)
    pipeline.ingest(store, SCHOOL.id, "magister", batch, "test")
    pipeline.evaluate(store, SCHOOL.id, DAY_3)
    assert _of(store, "no-show-contact") == []


def test_recording_a_contact_attempt_closes_the_task_with_the_attempt_encrypted(store):
    """The attempt is the task's content (encrypted at rest); the task is afgesloten, audited."""
    _sync(store, absences("N1", WEEK_1[:1]), DAY_1)
    [task] = _of(store, "no-show-contact")
    attempt = ContactAttempt(DAY_1, "telefoon", "Moeder: hij begint volgende week")
    close_contact_task(store, SCHOOL.id, task.id, attempt, "coördinator")
    assert get_melding(store, task.id).status == "afgesloten"
    with store.read() as conn:
        stored = conn.scalar(meldingen.select().with_only_columns(meldingen.c.content)
                             .where(meldingen.c.id == task.id))
    assert "Moeder" not in stored
    assert decode_content(store.cipher, task.id, stored).contact_attempts == (attempt,)
    assert audit_actions(store, task.id)[-1] == "taak.afgesloten"


def test_a_closed_task_cannot_be_closed_again(store):
    """The second attempt on a done task is refused; the first stays."""
    _sync(store, absences("N1", WEEK_1[:1]), DAY_1)
    [task] = _of(store, "no-show-contact")
    close_contact_task(store, SCHOOL.id, task.id, ContactAttempt(DAY_1, "sms", "geen reactie"), "c")
    with pytest.raises(IllegalTransition):
        close_contact_task(store, SCHOOL.id, task.id, ContactAttempt(DAY_1, "brief", "verstuurd"), "c")


def test_only_a_contact_task_of_the_school_can_be_closed(store):
    """Another school's task, or a melding that is no task, is not found."""
    _sync(store, absences("N1", WEEK_1), DAY_5)
    [task] = _of(store, "no-show-contact")[:1]
    [no_show] = _of(store, "no-show")
    attempt = ContactAttempt(DAY_1, "telefoon", "geen gehoor")
    with pytest.raises(GatewayError, match="geen open contacttaak"):
        close_contact_task(store, "88YY00", task.id, attempt, "c")
    with pytest.raises(GatewayError, match="geen open contacttaak"):
        close_contact_task(store, SCHOOL.id, no_show.id, attempt, "c")


# --- the second determination ------------------------------------------------------------------------


@pytest.fixture
def first_no_show(store: Store, worker: Worker) -> Callable[..., MeldingView]:
    """Under ``school``: N1 (19) absent all of week 1, the no-show delivered to the DSP on day 5."""

    def make(school: SchoolConfig = UTRECHT) -> MeldingView:
        _sync(store, absences("N1", WEEK_1), DAY_5, school=school, **ADULT)
        [melding] = _of(store, "no-show", school)
        pipeline.save_content(store, school.id, melding.id, TRIED, "coördinator")
        drain(worker)
        return get_melding(store, melding.id)

    return make


@pytest.fixture
def first_no_shows_absent_two_weeks(store: Store, first_no_show) -> Callable[[SchoolConfig], MeldingView]:
    """The first no-show under ``school``, then N1 absent all of week 2, evaluated on day 10."""

    def make(school: SchoolConfig) -> MeldingView:
        first = first_no_show(school)
        _sync(store, absences("N1", WEEK_2), DAY_10, school=school, **ADULT)
        return first

    return make


def test_the_second_determination_reports_a_no_show_again_after_10_school_days_under_utrecht(
        store, first_no_shows_absent_two_weeks):
    """Seed 001: "na 2 weken nogmaals gemeld", to the receiver of the first, linked to it."""
    first = first_no_shows_absent_two_weeks(UTRECHT)
    [second] = _of(store, "no-show-2", UTRECHT)
    assert (second.kind, second.recipient, second.trigger_date) == ("melding", first.recipient, DAY_10)
    assert first.recipient == "dsp"
    assert first.id in second.signal["explanation"] and "04-09-2026" in second.signal["explanation"]


def test_there_is_no_second_determination_under_the_national_profile(store, first_no_shows_absent_two_weeks):
    """The law asks one determination; only a region's profile asks the second."""
    first_no_shows_absent_two_weeks(SCHOOL)
    assert _of(store, "no-show-2") == []


def test_no_second_determination_when_the_dsp_reported_gestart_elders(store, first_no_show):
    """A start reported on the first melding: the student is no longer a no-show."""
    first = first_no_show()
    pipeline.record_feedback(store, first.id, "Gestart elders", "dsp")
    _sync(store, absences("N1", WEEK_2), DAY_10, school=UTRECHT, **ADULT)
    assert _of(store, "no-show-2", UTRECHT) == []


def test_niet_gestart_in_begeleiding_still_gets_the_second_determination(store, first_no_show):
    """Only a start stops it: "Niet gestart – in begeleiding" does not."""
    first = first_no_show()
    pipeline.record_feedback(store, first.id, "Niet gestart - in begeleiding", "dsp")
    _sync(store, absences("N1", WEEK_2), DAY_10, school=UTRECHT, **ADULT)
    assert [m.trigger_date for m in _of(store, "no-show-2", UTRECHT)] == [DAY_10]


def test_no_second_determination_when_the_student_appeared_in_week_2(store, first_no_show):
    """Present on 8 September: started after all."""
    first_no_show()
    _sync(store, [*absences("N1", WEEK_2[2:]), _present("N1", WEEK_2[0])], DAY_10, school=UTRECHT, **ADULT)
    assert _of(store, "no-show-2", UTRECHT) == []


def test_no_second_determination_before_school_day_10(store, first_no_show):
    """On day 9 the two weeks are not over."""
    first_no_show()
    _sync(store, absences("N1", WEEK_2[:4]), WEEK_2[3], school=UTRECHT, **ADULT)
    assert _of(store, "no-show-2", UTRECHT) == []


def test_no_second_determination_without_a_first_no_show_melding(store):
    """The second follows the first: a student the no-show rule did not report gets none."""
    _sync(store, absences("N1", WEEK_2), DAY_10, school=UTRECHT, **ADULT)
    assert _of(store, "no-show-2", UTRECHT) == []


# --- students not yet on a timetable -----------------------------------------------------------------


def test_an_enrolled_student_without_records_by_school_day_3_is_listed(store):
    """Nothing silently skipped: no record at all by day 3 puts the student on the board."""
    pipeline.ingest(store, SCHOOL.id, "magister",
                    SourceBatch(students=[student("U1"), student("S1")], records=absences("S1", WEEK_1[:1]),
                                calendar=CALENDAR), "test")
    profile = load_profile("national")
    with store.read() as conn:
        assert unscheduled_of_school(conn, SCHOOL.id, profile, DAY_2) == []
        [listed] = unscheduled_of_school(conn, SCHOOL.id, profile, DAY_3)
    assert (listed.student_id, listed.first_day, listed.listed_since) == ("U1", DAY_1, DAY_3)


def test_a_student_whose_enrolment_ended_is_not_listed_as_unscheduled():
    """Only enrolled students are expected on a timetable."""
    ended = student("U1", enrolment_status="ended", enrolment_end=DAY_1)
    assert unscheduled_students(CALENDAR, [ended], [], load_profile("national"), DAY_5) == []
