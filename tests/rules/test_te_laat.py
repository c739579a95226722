"""Rule te-laat (Utrecht): more late arrivals in 4 lesweken than the threshold of 10."""

from __future__ import annotations

from gateway.domain.model import AttendanceRecord
from tests.rules.builders import born, d, lesson, only, school_days, signals_of, student


def late_on_school_days(
    count: int, minutes_late: int = 5, reason: str | None = None
) -> list[AttendanceRecord]:
    """One late arrival on each of the first ``count`` school days, plus a present lesson."""
    days = school_days(d("2026-08-31"), d("2026-10-16"))[:count]
    return [
        r
        for day in days
        for r in (
            lesson("S1", day, 0, status="late", minutes_late=minutes_late, reason=reason),
            lesson("S1", day, 1, status="present"),
        )
    ]


def test_10_late_arrivals_in_4_lesweken_give_no_te_laat_melding() -> None:
    """Utrecht compares with >: 10 late arrivals are not more than 10."""
    assert (
        signals_of("te-laat", student(), late_on_school_days(10), as_of=d("2026-10-02"), profile="utrecht")
        == []
    )


def test_11_late_arrivals_in_4_lesweken_give_a_te_laat_melding() -> None:
    """The 11th late arrival (Monday 14 September) triggers a melding to Leerplicht."""
    melding = only(
        signals_of("te-laat", student(), late_on_school_days(11), as_of=d("2026-10-02"), profile="utrecht")
    )
    assert (melding.trigger_date, melding.recipient, melding.kind, melding.period_start) == (
        d("2026-09-14"),
        "leerplicht",
        "melding",
        d("2026-08-31"),
    )
    assert len(melding.evidence) == 11


def test_the_national_profile_has_no_te_laat_rule() -> None:
    """te-laat is a regional option: national never fires it."""
    assert signals_of("te-laat", student(), late_on_school_days(20), as_of=d("2026-10-02")) == []


def test_late_arrivals_with_an_authorised_reason_do_not_count() -> None:
    """Late with reason artsbezoek counts as nothing."""
    records = late_on_school_days(15, reason="artsbezoek")
    assert signals_of("te-laat", student(), records, as_of=d("2026-10-02"), profile="utrecht") == []


def test_lateness_over_the_limit_is_an_absence_not_a_late_arrival() -> None:
    """Fifteen lessons 11 minutes late are absences: no te-laat melding."""
    records = late_on_school_days(15, minutes_late=11)
    assert signals_of("te-laat", student(), records, as_of=d("2026-10-02"), profile="utrecht") == []


def test_an_18_year_old_te_laat_melding_goes_to_the_rmc() -> None:
    """Recipient by age: RMC from 18."""
    melding = only(
        signals_of(
            "te-laat",
            student(birth_date=born(19)),
            late_on_school_days(11),
            as_of=d("2026-10-02"),
            profile="utrecht",
        )
    )
    assert melding.recipient == "rmc"


def test_te_laat_with_startkwalificatie_is_a_signaal() -> None:
    """Not reportable: signaal to the school."""
    signal = only(
        signals_of(
            "te-laat",
            student(startkwalificatie=True),
            late_on_school_days(11),
            as_of=d("2026-10-02"),
            profile="utrecht",
        )
    )
    assert (signal.kind, signal.recipient) == ("signaal", "school")


def test_te_laat_is_due_5_working_days_after_the_trigger() -> None:
    """Triggered Monday 14 September: due Monday 21 September; no hours."""
    melding = only(
        signals_of("te-laat", student(), late_on_school_days(11), as_of=d("2026-10-02"), profile="utrecht")
    )
    assert (melding.due_date, melding.hours) == (d("2026-09-21"), None)
