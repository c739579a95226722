"""The demo's checks of the receiving side (``demo.checks``, ``demo.figures``) on a small store: the
hand count follows the monitor's documented definitions, and every check names what is missing.

School A1 (profile kop-van-nh) has four no-show students; the DSP reported as listed:

| student | delivered | first report              | processing  | outcome                                  |
|---------|-----------|---------------------------|-------------|------------------------------------------|
| N1      | -30d      | first_feedback_at +2d     | in time     | Gestart bij mbo, started 20-09-2026      |
| N2      | -30d      | feedback row at +9d       | late        | Niet gestart - in begeleiding (hyphen)   |
| N3      | -2d       | none                      | running     | none                                     |
| N4      | never     | none                      | undelivered | none                                     |
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from demo.after import AfterDelivery, FollowUp, LateCheck, PollRound, SecondNoShow, follow_up, late_day
from demo.checks import check_follow_up, check_late, check_polling, check_reports
from demo.figures import compare_figures, figure_differences, hand_count
from demo.progress import DemoFailure
from demo.receivers import Reports
from gateway import pipeline
from gateway.delivery.receiver_deadlines import Lateness, LateReceiver, delivered_on
from gateway.domain.calendar import add_working_days
from gateway.domain.ports import SourceBatch
from gateway.pipeline.status_polling import PollResult
from gateway.store import Store, list_meldingen, utcnow
from gateway.store.crypto import FieldCipher
from gateway.store.face_tables import feedback
from gateway.store.schema import meldingen
from tests.console.helpers import AS_OF, FIRST_WEEK, SCHOOL, no_show_student
from tests.store.helpers import CALENDAR, absences

A = SCHOOL.model_copy(update={"id": "A1", "brin": "11AA", "name": "ROC Kop A", "profile": "kop-van-nh"})
CLOCK = date(2026, 10, 16)
NOW = utcnow().replace(microsecond=0)
LONG_AGO = NOW - timedelta(days=30)
DAY = timedelta(days=1)


def _melding(store: Store, student: str) -> str:
    (found,) = list_meldingen(store, "A1", rule="no-show", student_id=student)
    return found.id


def _delivered(store: Store, student: str, at: datetime, first: datetime | None = None) -> None:
    with store.write() as conn:
        conn.execute(meldingen.update().where(meldingen.c.id == _melding(store, student))
                     .values(status="ontvangen", delivered_at=at, first_feedback_at=first))


def _reported(store: Store, student: str, status: str, at: datetime, started_on: date | None = None) -> None:
    with store.write() as conn:
        conn.execute(feedback.insert().values(
            melding_id=_melding(store, student), school_id="A1", organisation="dsp-kop-van-nh",
            status=status, toelichting=None, reported_on=at.date(), created_at=at, started_on=started_on))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """School A1 with the facts of the module's table."""
    made = Store.open(f"sqlite:///{tmp_path / 'gateway.db'}", FieldCipher({"k1": bytes(range(32))}, "k1"))
    made.migrate()
    students = ["N1", "N2", "N3", "N4"]
    batch = SourceBatch(students=[no_show_student(s) for s in students],
                        records=[r for s in students for r in absences(s, FIRST_WEEK, per_day=2)],
                        calendar=CALENDAR, cursor="c1")
    pipeline.register_school(made, A, "test")
    assert pipeline.ingest(made, "A1", "test", batch, "test").accepted
    pipeline.evaluate(made, "A1", AS_OF)
    _delivered(made, "N1", LONG_AGO, LONG_AGO + 2 * DAY)
    _reported(made, "N1", "Gestart bij mbo", LONG_AGO + 2 * DAY, date(2026, 9, 20))
    _delivered(made, "N2", LONG_AGO)
    _reported(made, "N2", "Niet gestart - in begeleiding", LONG_AGO + 9 * DAY)
    _delivered(made, "N3", NOW - 2 * DAY)
    yield made
    made.close()


def test_the_hand_count_follows_the_documented_definitions(store: Store) -> None:
    """Processing per melding from delivery to the first report, outcomes per jongere by the latest
    DSP outcome, "gestart vóór 1 oktober" by the start date."""
    counted = hand_count(store, "A1", CLOCK, NOW)
    assert {k: v for k, v in counted.items() if v} == {
        "meldingen": 4, "processed_in_time": 1, "processed_late": 1, "running": 1, "undelivered": 1,
        "no_shows": 4, "started_before_peildatum": 1, "herstarters": 1, "doorgeleid": 1,
        "without_outcome": 2}


def test_the_monitor_gives_the_hand_count_per_school_and_region(store: Store) -> None:
    """The monitor's figures of school A1 and of its region equal the hand count: no problem."""
    counted, problems = compare_figures(store, CLOCK, NOW)
    assert problems == []
    assert counted["A1"] == counted["regio kop-van-nh"]


def test_a_figure_the_monitor_gives_differently_is_named() -> None:
    """A figure that differs is one Dutch line with both values."""
    assert figure_differences("A1", Counter(meldingen=4, running=1), Counter(meldingen=4, running=2)) == [
        "monitor A1: lopend 1, met de hand geteld 2"]


def _round(statuses: dict[str, int], failed: int = 0) -> PollRound:
    result = PollResult(polled=1, applied=sum(statuses.values()), failed=failed)
    return PollRound(NOW, result, Counter(statuses))


def test_polling_without_duo_statuses_is_named() -> None:
    """No poll round at all: neither In behandeling nor Afgesloten came from DUO."""
    assert check_polling(AfterDelivery()) == [
        "de eerste statusopvraging bracht geen enkele melding 'In behandeling' van DUO",
        "een latere statusopvraging bracht geen enkele melding 'Afgesloten' van DUO"]


def test_a_failed_poll_round_is_named() -> None:
    """A round whose poll failed is a problem even when statuses arrived."""
    after = AfterDelivery(polls=[_round({"In behandeling": 3}), _round({"Afgesloten": 3}, failed=1)])
    assert check_polling(after) == ["statusopvraging bij DUO mislukt in ronde 2"]


def test_polling_in_behandeling_then_afgesloten_is_no_problem() -> None:
    """In behandeling in the first round, Afgesloten in the second."""
    after = AfterDelivery(polls=[_round({"In behandeling": 3}), _round({"Afgesloten": 3})])
    assert check_polling(after) == []


def test_no_late_receiver_is_named(store: Store) -> None:
    """Without an alert the check says no receiver was flagged."""
    assert check_late(store, AfterDelivery()) == ["geen enkele ontvanger is als te laat gesignaleerd"]


def test_a_silent_receiver_that_is_not_flagged_and_a_second_alert_are_named(store: Store) -> None:
    """The receiver stayed silent on N3 yet only N1 was flagged, and a second check alerted again."""
    late = LateReceiver(_melding(store, "N1"), "A1", "N1", "no-show", "dsp", "mail", Lateness.CONTACT,
                        CLOCK, CLOCK, 1, "3 werkdagen")
    after = AfterDelivery(unhandled=_melding(store, "N3"), late=LateCheck(CLOCK, alerts=[late], again=1))
    assert check_late(store, after) == [
        f"de ontvanger bleef stil over {_melding(store, 'N3')}, maar is niet als te laat gesignaleerd",
        "een tweede controle signaleerde 1 ontvanger(s) opnieuw"]


def test_an_outcome_kept_twice_is_named(store: Store) -> None:
    """The repeated outcome stored twice (here: two rows for N1) is a problem; so is a missing
    closing by the gemeente."""
    _reported(store, "N1", "Gestart bij mbo", LONG_AGO + 3 * DAY, date(2026, 9, 20))
    reports = Reports(repeated=_melding(store, "N1"), repeated_same=True)
    problems = check_reports(store, AfterDelivery(reports=reports))
    assert problems[0].startswith(f"de twee keer gestuurde uitkomst op {_melding(store, 'N1')} staat 2 keer "
                                  "bewaard")
    assert problems[1].startswith("de afsluiting door de gemeente (geen) is niet bewaard")


def test_a_started_outcome_without_its_date_is_named(store: Store) -> None:
    """A "gestart" outcome kept without a start date is a problem."""
    _reported(store, "N3", "Gestart elders", NOW)
    problems = check_reports(store, AfterDelivery())
    assert f"uitkomst 'Gestart elders' op {_melding(store, 'N3')} is bewaard zonder startdatum" in problems


def test_a_missing_follow_up_is_named() -> None:
    """No second determination, no contact tasks and no unscheduled student are named; tasks
    without one closed too."""
    assert check_follow_up(AfterDelivery()) == [
        "er is geen tweede no-show-vaststelling die naar de eerste melding verwijst",
        "er zijn geen contacttaken voor no-shows gemaakt",
        "geen enkele student zonder rooster staat op de lijst 'nog niet ingeroosterd'"]
    unlinked = SecondNoShow("m2", "A1", "ontvangen", "duo", "m1", linked=False)
    found = FollowUp(seconds=[unlinked], tasks=Counter(intern=2), unscheduled={"A1": 1})
    assert check_follow_up(AfterDelivery(followup=found)) == [
        "er is geen tweede no-show-vaststelling die naar de eerste melding verwijst",
        "er was geen open contacttaak om met een contactpoging te sluiten"]



def test_the_late_day_is_the_day_after_the_dsps_contact_deadline(store: Store) -> None:
    """N1 went to the DSP (19 years old): 3 working days after its delivery, then one day more."""
    assert late_day(store, [_melding(store, "N1")]) == add_working_days(delivered_on(LONG_AGO), 3) + DAY


def test_a_melding_without_a_delivery_has_no_late_day(store: Store) -> None:
    """N4 was never delivered: its receiver's deadline cannot start."""
    with pytest.raises(DemoFailure, match="geen ontvangstmoment"):
        late_day(store, [_melding(store, "N4")])


def test_no_silent_melding_has_no_late_day(store: Store) -> None:
    """Without any melding there is no day to move the clock to."""
    with pytest.raises(DemoFailure, match="geen melding gevonden"):
        late_day(store, [])


def test_the_follow_up_counts_contact_tasks_and_no_second_one_under_kop_van_nh(store: Store) -> None:
    """Kop van Noord-Holland's profile asks no second determination; the contact tasks are counted."""
    found = follow_up(store, CLOCK)
    assert found.seconds == [] and found.unscheduled == {"A1": 0}
    assert found.tasks["intern"] > 0 and set(found.tasks) == {"intern"}
