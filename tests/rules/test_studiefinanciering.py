"""Rules sf-4w-contact and sf-8w-ma: BOL niveau 1-2 students 18+ with studiefinanciering."""

from __future__ import annotations

from typing import Any

from gateway.domain.signals import Signal
from tests.rules.builders import born, d, every_school_day, only, signals_of, student

SF = {"birth_date": born(19), "leerweg": "BOL", "niveau": 2, "studiefinanciering": True}


def sf_signals(rule: str, last: str = "2026-11-06", as_of: str = "2026-11-13", **fields: Any) -> list[Signal]:
    """Signals of ``rule`` for an sf student (``fields`` override) absent from 31 August to ``last``."""
    records = every_school_day("S1", d("2026-08-31"), d(last))
    return signals_of(rule, student(**{**SF, **fields}), records, as_of=d(as_of))


def test_4_fully_absent_lesweken_give_a_contact_task_for_the_school() -> None:
    """sf-4w-contact: a taak for the school on the last school day of the 4th lesweek."""
    task = only(sf_signals("sf-4w-contact"))
    assert (task.kind, task.recipient, task.trigger_date, task.period_start) == (
        "taak",
        "school",
        d("2026-09-25"),
        d("2026-08-31"),
    )


def test_the_contact_task_is_due_the_3rd_working_day_after_the_sunday() -> None:
    """Lesweek ends Sunday 27 September: due Wednesday 30 September."""
    assert only(sf_signals("sf-4w-contact")).due_date == d("2026-09-30")


def test_8_fully_absent_lesweken_send_the_ma_form_to_duo() -> None:
    """sf-8w-ma: a melding to duo-ib on the last school day of the 8th lesweek (herfst skipped)."""
    melding = only(sf_signals("sf-8w-ma"))
    assert (melding.kind, melding.recipient, melding.trigger_date, melding.period_start) == (
        "melding",
        "duo-ib",
        d("2026-10-30"),
        d("2026-08-31"),
    )


def test_the_ma_form_is_due_the_5th_working_day_after_the_sunday() -> None:
    """Lesweek ends Sunday 1 November: due Friday 6 November."""
    assert only(sf_signals("sf-8w-ma")).due_date == d("2026-11-06")


def test_7_fully_absent_lesweken_send_no_ma_form() -> None:
    """Seven lesweken are not eight."""
    assert sf_signals("sf-8w-ma", last="2026-10-16", as_of="2026-10-30") == []


def test_the_contact_task_due_date_skips_tweede_paasdag() -> None:
    """4th lesweek ends Sunday 28 March 2027; Monday 29 is Tweede Paasdag: due Thursday 1 April."""
    records = every_school_day("S1", d("2027-03-01"), d("2027-03-25"))
    task = only(signals_of("sf-4w-contact", student(**SF), records, as_of=d("2027-04-09")))
    assert (task.trigger_date, task.due_date) == (d("2027-03-25"), d("2027-04-01"))


def test_sf_rules_apply_with_startkwalificatie() -> None:
    """The sf rules apply regardless of startkwalificatie: still a taak, not a signaal."""
    task = only(sf_signals("sf-4w-contact", startkwalificatie=True))
    assert (task.kind, task.recipient) == ("taak", "school")


def test_the_ma_form_applies_with_startkwalificatie() -> None:
    """sf-8w-ma with startkwalificatie stays a melding to duo-ib."""
    assert only(sf_signals("sf-8w-ma", startkwalificatie=True)).kind == "melding"


def test_sf_rules_apply_at_23_and_older() -> None:
    """The sf rules are for 18+; 24 is not reportable to DUO but still gets the taak."""
    assert only(sf_signals("sf-4w-contact", birth_date=born(24))).kind == "taak"


def test_niveau_1_students_get_the_contact_task() -> None:
    """Niveau 1 is covered as well as niveau 2."""
    assert len(sf_signals("sf-4w-contact", niveau=1)) == 1


def test_niveau_3_students_get_no_sf_signal() -> None:
    """Only niveau 1 and 2."""
    assert sf_signals("sf-4w-contact", niveau=3) == []


def test_bbl_students_get_no_sf_signal() -> None:
    """Only BOL."""
    assert sf_signals("sf-4w-contact", leerweg="BBL") == []


def test_students_without_studiefinanciering_get_no_sf_signal() -> None:
    """Only students with studiefinanciering."""
    assert sf_signals("sf-4w-contact", studiefinanciering=False) == []


def test_students_under_18_get_no_sf_signal() -> None:
    """Only 18 and older."""
    assert sf_signals("sf-4w-contact", birth_date=born(17)) == []


def test_sf_signals_have_a_closed_period_and_no_hours() -> None:
    """Run rules other than lrv/rmc-4w end on their trigger date; hours and actie_gewenst are null."""
    task = only(sf_signals("sf-4w-contact"))
    assert (task.period_end, task.hours, task.actie_gewenst) == (d("2026-09-25"), None, None)
