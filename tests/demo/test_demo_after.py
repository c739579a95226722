"""After delivery, checked as a Doorstroompunt and a gemeente would on what the demo left behind:
DUO's statuses arrived by polling, the DSP's outcomes carry their start dates and a repeated one is
kept once, a gemeente closed a melding with the Besluit's codes, a silent receiver was flagged once,
the second no-show determination follows up the first, and the monitor's CSV equals a hand count."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tests.demo.conftest import DemoRun

pytestmark = pytest.mark.slow
STARTED = ("Gestart bij mbo", "Gestart elders")


def _rows(run: DemoRun, query: str) -> list[Any]:
    with sqlite3.connect(run.workdir / "gateway.db") as conn:
        return conn.execute(query).fetchall()


def test_statuses_arrive_from_duo_by_polling(demo_run: DemoRun) -> None:
    """The poll applied In behandeling a day after delivery and Afgesloten days later, and the
    summary counts them per status."""
    reports = [json.loads(data) for (data,) in _rows(
        demo_run, "select data from audit_log where action = 'terugkoppeling' and actor like 'worker:%'")]
    polled = Counter(r["status"] for r in reports if str(r["detail"]).startswith("DUO"))
    assert polled["In behandeling"] > 0 and polled["Afgesloten"] > 0
    assert "Statussen via polling binnengekomen: Afgesloten" in demo_run.stdout
    closed_at_duo = _rows(demo_run, "select count(*) from meldingen where route = 'duo' "
                                    "and status = 'afgesloten' and receiver_status = 'Afgesloten'")
    assert closed_at_duo[0][0] > 0


def test_the_dsp_reports_started_outcomes_with_their_start_dates(demo_run: DemoRun) -> None:
    """Every "gestart" outcome has the date the student started; one lies before 1 October."""
    started = _rows(demo_run, "select status, started_on from feedback where status in "
                              "('Gestart bij mbo', 'Gestart elders')")
    assert {status for status, _ in started} == set(STARTED)
    assert all(day is not None for _, day in started)
    assert any(date.fromisoformat(day) < date(2026, 10, 1) for _, day in started)


def test_a_hyphen_in_an_outcome_is_kept_as_the_en_dash(demo_run: DemoRun) -> None:
    """The DSP wrote "Niet gestart - in begeleiding"; the gateway keeps the seed's spelling."""
    statuses = {s for (s,) in _rows(demo_run, "select status from feedback")}
    assert "Niet gestart – in begeleiding" in statuses
    assert "Niet gestart - in begeleiding" not in statuses
    assert "Uit beeld" in statuses


def test_the_same_outcome_posted_twice_is_stored_and_audited_once(demo_run: DemoRun) -> None:
    """No receiver's report is kept or audited twice, though the demo posted one twice."""
    kept = Counter(_rows(demo_run, "select melding_id, status from feedback"))
    assert kept and max(kept.values()) == 1
    audited = Counter((subject, json.loads(data)["status"]) for subject, data in _rows(
        demo_run, "select subject, data from audit_log where action = 'terugkoppeling' "
                  "and actor like 'ontvanger:%'"))
    assert audited and max(audited.values()) == 1
    assert "nog eens gestuurd: zelfde antwoord, één keer bewaard" in demo_run.stdout


def test_a_gemeente_closes_a_melding_with_reden_toelichting_and_contactpersoon(demo_run: DemoRun) -> None:
    """Leerplicht's Afgesloten carries the Besluit's codes and the (encrypted) contactpersoon."""
    rows = _rows(demo_run, "select f.reden, f.toelichting_afsluiting, f.contactpersoon, m.status "
                           "from feedback f join meldingen m on m.id = f.melding_id "
                           "where f.organisation like 'leerplicht-%'")
    assert len(rows) == 1
    reden, toelichting, contact, state = rows[0]
    assert (reden, toelichting, state) == ("terug_naar_school", "gezien_door_gemeente", "afgesloten")
    assert contact and "Visser" not in contact  # kept, and not in the clear


def test_a_silent_receiver_is_flagged_late_once_and_named(demo_run: DemoRun) -> None:
    """The DSP's no-show nobody picked up at DUO (still Geregistreerd, no report) is alerted late,
    once; the summary names it."""
    alerts = _rows(demo_run, "select subject, action from audit_log "
                             "where action like 'alert.ontvanger_te_laat.%'")
    assert alerts and max(Counter(alerts).values()) == 1
    silent = _rows(demo_run, "select m.id from meldingen m where m.rule = 'no-show' and m.recipient = 'dsp' "
                             "and m.route = 'duo' and m.receiver_status = 'geregistreerd' "
                             "and m.first_feedback_at is null")
    assert len(silent) == 1 and silent[0][0] in {subject for subject, _ in alerts}
    summary = demo_run.stdout.split("Ontvangers te laat op", 1)[1]
    assert f"{silent[0][0][:8]}… (no-show, dsp" in summary
    assert "nog eens gecontroleerd: 0 nieuwe signalering(en)" in demo_run.stdout


def test_the_dsp_reports_on_each_of_its_open_no_shows(demo_run: DemoRun) -> None:
    """Every no-show the Doorstroompunt got by mail has exactly one outcome kept."""
    by_mail = {m for (m,) in _rows(demo_run, "select id from meldingen where rule = 'no-show' "
                                             "and route = 'mail'")}
    reported = Counter(m for (m,) in _rows(demo_run, "select melding_id from feedback "
                                                     "where organisation = 'dsp-kop-van-nh'"))
    assert by_mail and set(reported) == by_mail and set(reported.values()) == {1}


def test_the_second_no_show_determination_follows_up_the_first(demo_run: DemoRun) -> None:
    """Under Utrecht's profile a no-show still not started is determined again; it names the first
    no-show melding of the same student; the summary shows it."""
    seconds = _rows(demo_run, "select school_id, student_id, signal from meldingen where rule = 'no-show-2'")
    assert seconds and {school for school, _, _ in seconds} == {"27UT00"}
    firsts = dict(_rows(demo_run, "select student_id, id from meldingen where rule = 'no-show'"))
    for _, student, signal in seconds:
        assert firsts[student] in json.loads(signal)["explanation"]
    assert f"vervolg op no-show {firsts[seconds[0][1]][:8]}…" in demo_run.stdout


def test_contact_tasks_and_the_unscheduled_list_are_counted(demo_run: DemoRun) -> None:
    """The contact tasks are shown with their count, one closed by a contact attempt; the student
    each location has not yet on a timetable is listed."""
    tasks = Counter(s for (s,) in _rows(demo_run, "select status from meldingen "
                                                  "where rule = 'no-show-contact'"))
    assert tasks["afgesloten"] == 1
    assert f"contacttaken (schooldag 1-3): {sum(tasks.values())} (" in demo_run.stdout
    assert "nog niet ingeroosterd (geen enkele registratie): 25KN00 1, 27UT00 1" in demo_run.stdout


def _hand_count(run: DemoRun, school_id: str) -> dict[str, int]:
    """The CSV's columns counted from the raw rows, as the monitor's definitions say. The demo's
    clock moves on less than 7 days past delivery, so a melding without a report is still running."""
    meldingen = _rows(run, "select id, student_id, delivered_at, first_feedback_at from meldingen "
                           f"where school_id = '{school_id}' and rule in ('no-show', 'no-show-2') "
                           "and status not in ('ingetrokken', 'intern') and trigger_date >= '2026-08-01'")
    reports = _rows(run, "select melding_id, status, started_on from feedback order by created_at, id")
    count: Counter[str] = Counter()
    latest: dict[str, str] = {}
    started: set[str] = set()
    for melding_id, student, delivered, first in meldingen:
        sent = datetime.fromisoformat(delivered)
        if first is not None:
            count["Binnen 7 dagen verwerkt" if datetime.fromisoformat(first) - sent <= timedelta(days=7)
                  else "Te laat verwerkt"] += 1
        else:
            count["Verwerking lopend"] += 1
        for reported_on, status, started_on in reports:
            if reported_on != melding_id:
                continue
            latest[student] = status
            if status in STARTED and started_on and started_on < "2026-10-01":
                started.add(student)
    students = {student for _, student, _, _ in meldingen}
    by_outcome = Counter({"Gestart bij mbo": "Herstarters", "Gestart elders": "Herstarters",
                          "Niet gestart – in begeleiding": "Doorgeleid", "Uit beeld": "Uitvallers"}.get(
                              latest.get(s, ""), "Zonder uitkomst") for s in students)
    return {"No-shows (jongeren)": len(students), "No-show-meldingen": len(meldingen),
            "Gestart vóór peildatum": len(started), **count, **by_outcome}


def test_the_monitor_csv_equals_a_hand_count_from_the_raw_rows(demo_run: DemoRun) -> None:
    """Each figure in the exported CSV of the Kop van Noord-Holland region is what counting the
    meldingen and the DSP's reports by hand gives (the demo's own check did the same)."""
    with (demo_run.workdir / "monitor-kop-van-nh.csv").open(encoding="utf-8") as f:
        rows = {row["School"]: row for row in csv.DictReader(f, delimiter=";")}
    expected = _hand_count(demo_run, "25KN00")
    assert expected["Binnen 7 dagen verwerkt"] > 0 and expected["Gestart vóór peildatum"] > 0
    for column, value in expected.items():
        assert int(rows["25KN00"][column]) == value, column
    assert rows["totaal"]["No-show-meldingen"] == rows["25KN00"]["No-show-meldingen"]
    assert "Monitor no-shows (monitorcijfers = handmatige telling uit de ruwe gegevens):" in demo_run.stdout
