"""Rule no-show: a student who does not turn up in the first school days of the year."""

from __future__ import annotations

from datetime import date
from typing import Any

from gateway.domain.model import AttendanceRecord
from gateway.domain.signals import Signal
from tests.rules.builders import born, d, every_school_day, lesson, only, signals_of, student

AS_OF = d("2026-09-18")


def absent_first_days(
    last: str = "2026-09-04", student_id: str = "S1", **kwargs: Any
) -> list[AttendanceRecord]:
    """Four unauthorised absences on each school day from 31 August to ``last``."""
    return every_school_day(student_id, d("2026-08-31"), d(last), **kwargs)


def no_show(**fields: Any) -> list[Signal]:
    """The no-show signals of a student (with ``fields``) absent the whole first lesweek."""
    return signals_of("no-show", student(**fields), absent_first_days(), as_of=AS_OF)


def test_a_bol_student_absent_the_first_5_school_days_is_a_no_show() -> None:
    """BOL: no-show triggered on the 5th school day, to Leerplicht under 18."""
    signal = only(no_show())
    assert (signal.trigger_date, signal.period_start, signal.recipient, signal.kind) == (
        d("2026-09-04"),
        d("2026-08-31"),
        "leerplicht",
        "melding",
    )


def test_a_bol_student_absent_4_school_days_is_not_yet_a_no_show() -> None:
    """As of the 4th school day the BOL no-show has not triggered."""
    assert signals_of("no-show", student(), absent_first_days("2026-09-03"), as_of=d("2026-09-03")) == []


def test_the_no_show_is_due_on_the_7th_school_day() -> None:
    """Due date: the 7th school day, Tuesday 8 September."""
    assert only(no_show()).due_date == d("2026-09-08")


def test_a_bbl_student_absent_the_first_school_day_is_a_no_show() -> None:
    """BBL: N = 1, triggered on the first school day."""
    signal = only(no_show(leerweg="BBL", niveau=3))
    assert (signal.trigger_date, signal.due_date) == (d("2026-08-31"), d("2026-09-08"))


def test_a_vo_student_is_never_a_no_show() -> None:
    """VO: the rule does not apply."""
    assert no_show(leerweg="VO", niveau=None) == []


def test_a_student_who_attended_the_intro_is_no_no_show() -> None:
    """intro_attended excludes the rule."""
    assert no_show(intro_attended=True) == []


def test_a_student_enrolled_on_the_first_school_day_is_no_no_show() -> None:
    """The enrolment must be made before the first school day."""
    assert no_show(enrolled_on=date(2026, 8, 31)) == []


def test_a_student_enrolled_after_the_first_school_day_is_no_no_show() -> None:
    """A late enrolment is no no-show."""
    assert no_show(enrolled_on=date(2026, 9, 2)) == []


def test_a_student_with_startkwalificatie_is_no_no_show() -> None:
    """startkwalificatie excludes the rule."""
    assert no_show(startkwalificatie=True) == []


def test_a_27_year_old_is_no_no_show() -> None:
    """The rule applies below 27 only."""
    assert no_show(birth_date=born(27)) == []


def test_a_26_year_old_no_show_goes_to_the_doorstroompunt() -> None:
    """26 is under 27; not reportable to DUO, but the no-show is still a melding to the DSP."""
    signal = only(no_show(birth_date=born(26)))
    assert (signal.recipient, signal.kind) == ("dsp", "melding")


def test_an_18_year_old_no_show_goes_to_the_doorstroompunt() -> None:
    """18+: recipient dsp."""
    assert only(no_show(birth_date=born(18))).recipient == "dsp"


def test_one_present_lesson_excludes_the_no_show() -> None:
    """A single present lesson in the first 5 school days: no no-show."""
    records = [*absent_first_days(), lesson("S1", d("2026-09-02"), 4, status="present")]
    assert signals_of("no-show", student(), records, as_of=AS_OF) == []


def test_one_late_lesson_excludes_the_no_show() -> None:
    """A late record (even far over the limit) means the student turned up."""
    records = [*absent_first_days(), lesson("S1", d("2026-09-02"), 4, status="late", minutes_late=40)]
    assert signals_of("no-show", student(), records, as_of=AS_OF) == []


def test_one_authorised_absence_excludes_the_no_show() -> None:
    """A single ziek lesson in the first 5 school days: no no-show."""
    records = [*absent_first_days(), lesson("S1", d("2026-09-03"), 4, reason="ziek")]
    assert signals_of("no-show", student(), records, as_of=AS_OF) == []


def test_a_student_without_any_records_is_no_no_show() -> None:
    """At least one absence is needed."""
    assert signals_of("no-show", student(), [], as_of=AS_OF) == []


def test_one_absence_and_days_without_records_is_a_no_show() -> None:
    """One absence on the first day and nothing else in the 5 days is enough."""
    records = [lesson("S1", d("2026-08-31"))]
    assert only(signals_of("no-show", student(), records, as_of=AS_OF)).evidence == ("S1-2026-08-31-0",)


def test_absences_after_the_first_5_school_days_do_not_count() -> None:
    """Absent from the 6th school day on: no no-show."""
    records = every_school_day("S1", d("2026-09-07"), d("2026-09-11"))
    assert signals_of("no-show", student(), records, as_of=AS_OF) == []


def test_the_evidence_is_the_absences_of_the_5_days() -> None:
    """Evidence: the ids of the absences from 31 August to 4 September, not later ones."""
    records = absent_first_days("2026-09-08")
    signal = only(signals_of("no-show", student(), records, as_of=AS_OF))
    assert list(signal.evidence) == [r.id for r in records if r.date <= d("2026-09-04")]


def test_a_student_specific_first_school_day_shifts_the_days() -> None:
    """first_school_day 7 September: the 5 days run to 11 September, due on the 7th, 15 September."""
    records = every_school_day("S1", d("2026-09-07"), d("2026-09-11"))
    signal = only(signals_of("no-show", student(first_school_day=date(2026, 9, 7)), records, as_of=AS_OF))
    assert (signal.period_start, signal.trigger_date, signal.due_date) == (
        d("2026-09-07"),
        d("2026-09-11"),
        d("2026-09-15"),
    )


def test_a_first_school_day_on_a_saturday_starts_on_the_next_school_day() -> None:
    """first_school_day Saturday 5 September: counting starts Monday 7 September."""
    records = every_school_day("S1", d("2026-09-07"), d("2026-09-11"))
    signal = only(signals_of("no-show", student(first_school_day=date(2026, 9, 5)), records, as_of=AS_OF))
    assert signal.period_start == d("2026-09-07")


def test_the_no_show_fires_only_once_as_of_reaches_the_nth_school_day() -> None:
    """Evaluated on the 5th school day, the no-show is there; it has no hours and no actie_gewenst."""
    signal = only(signals_of("no-show", student(), absent_first_days(), as_of=d("2026-09-04")))
    assert (signal.hours, signal.actie_gewenst, signal.period_end) == (None, None, d("2026-09-04"))
