"""Magister items to canonical records: time zones, kinds that are not verzuim, per-school mapping."""

from __future__ import annotations

from datetime import date, time

import pytest

from adapters.magister.convert import Person, local_date, person_records, to_student
from gateway.domain.errors import InvalidInput
from gateway.intake.mapping import load_code_mapping
from tests.sources.magister_items import absentie, afspraak, leerling

DAY = date(2026, 9, 1)


def _convert(afspraken, absenties, school=None, overrides=None, until=date(2026, 12, 31)):
    mapping = load_code_mapping("magister", school=school, overrides=overrides)
    return person_records(Person("99XX", 1000, "99XX-100001"), afspraken=afspraken, absenties=absenties,
                          mapping=mapping, until=until)


def test_local_midnight_in_utc_is_the_next_day_in_amsterdam() -> None:
    """22:00Z on 31 August is 1 September in Amsterdam (summer time), not 31 August."""
    assert local_date("2026-08-31T22:00:00.0000000Z", "t") == date(2026, 9, 1)


def test_winter_time_midnight_is_23h_utc() -> None:
    """After the clocks go back, local midnight is 23:00Z the day before."""
    assert local_date("2026-11-01T23:00:00.0000000Z", "t") == date(2026, 11, 2)


def test_lesson_times_are_local_across_the_dst_change() -> None:
    """The same 08:30 lesson reads as 08:30 in summer and in winter time."""
    summer, winter = afspraak(1, date(2026, 10, 23)), afspraak(2, date(2026, 10, 26))
    result = _convert([summer, winter], [])
    assert [(r.date, r.start, r.end) for r in result.records] == [
        (date(2026, 10, 23), time(8, 30), time(9, 20)), (date(2026, 10, 26), time(8, 30), time(9, 20))]


def test_absence_is_dated_by_its_local_start_not_the_utc_date() -> None:
    """An absence dated at local midnight lands on the lesson's day."""
    lesson = afspraak(7, DAY)
    [record] = _convert([lesson], [absentie(1, lesson, DAY, code="SP")]).records
    assert (record.date, record.status, record.reason) == (DAY, "absent", "spijbelen")


def test_lesson_without_absence_is_present() -> None:
    """Every lesson is a record; no absence item means present."""
    [record] = _convert([afspraak(7, DAY)], []).records
    assert record.status == "present" and record.reason is None


def test_record_id_is_person_and_lesson_so_corrections_replace() -> None:
    """The id does not depend on the absence item: a corrected or removed absence keeps the lesson id."""
    lesson = afspraak(7, DAY)
    absent = _convert([lesson], [absentie(1, lesson, DAY)]).records[0]
    present = _convert([lesson], []).records[0]
    assert absent.id == present.id == "magister:99XX:1000:7"


@pytest.mark.parametrize("kind,code", [(7, "BO"), (8, "HV")])
def test_books_or_homework_forgotten_is_not_verzuim(kind: int, code: str) -> None:
    """Types 7 and 8 are behaviour registrations: the lesson stays present."""
    lesson = afspraak(7, DAY)
    [record] = _convert([lesson], [absentie(1, lesson, DAY, kind=kind, code=code)]).records
    assert record.status == "present"


def test_late_registration_is_late_with_the_default_minutes() -> None:
    """Type 2 is a late arrival; Magister does not say how late, the mapping's default applies."""
    lesson = afspraak(7, DAY)
    [record] = _convert([lesson], [absentie(1, lesson, DAY, kind=2, code="LO")]).records
    assert (record.status, record.minutes_late, record.reason) == ("late", 5, None)


def test_authorised_late_keeps_its_reason() -> None:
    """A late arrival with an authorised code carries that reason (it then counts as nothing)."""
    lesson = afspraak(7, DAY)
    [record] = _convert([lesson], [absentie(1, lesson, DAY, kind=2, code="LG")]).records
    assert (record.status, record.reason) == ("late", "overmacht")


def test_school_setting_decides_how_late_a_late_registration_is() -> None:
    """Magister carries no minutes: a school whose te-laat means "more than 10 minutes" sets
    late_minutes above its limit, and its late registrations then count as missed lessons."""
    lesson = afspraak(7, DAY)
    [record] = _convert([lesson], [absentie(1, lesson, DAY, kind=2, code="LO")],
                        overrides={"late_minutes": 15}).records
    assert (record.status, record.minutes_late) == ("late", 15)


def test_present_kind_with_an_unmapped_code_loads_as_present() -> None:
    """Where a kind counts as present the code does not matter: an unknown one holds nothing back."""
    lesson = afspraak(7, DAY)
    result = _convert([lesson], [absentie(1, lesson, DAY, kind=4, code="QQ")], school="example-school")
    assert [r.status for r in result.records] == ["present"] and not result.problems


def test_unauthorised_late_with_an_unmapped_code_loads_as_a_late_arrival() -> None:
    """Not geoorloofd, the code would only say which kind of unauthorised late: the lesson loads."""
    lesson = afspraak(7, DAY)
    result = _convert([lesson], [absentie(1, lesson, DAY, kind=2, code="QQ")])
    assert [(r.status, r.minutes_late, r.reason) for r in result.records] == [("late", 5, None)]
    assert not result.problems


def test_authorised_late_with_an_unmapped_code_is_held_back() -> None:
    """Geoorloofd, the code would name the authorised reason: unknown, so it is not guessed."""
    lesson = afspraak(7, DAY)
    result = _convert([lesson], [absentie(1, lesson, DAY, kind=2, code="QQ", geoorloofd=True)])
    assert not result.records and result.held_ids == {"magister:99XX:1000:7"}


def test_sent_out_of_class_is_absent_by_default() -> None:
    """Type 4 (uitgestuurd) counts as toegang_geweigerd unless the school maps it otherwise."""
    lesson = afspraak(7, DAY)
    [record] = _convert([lesson], [absentie(1, lesson, DAY, kind=4, code="US")]).records
    assert (record.status, record.reason) == ("absent", "toegang_geweigerd")


def test_sent_out_of_class_maps_per_school() -> None:
    """The example school counts a student sent out as present."""
    lesson = afspraak(7, DAY)
    [record] = _convert([lesson], [absentie(1, lesson, DAY, kind=4, code="US")],
                        school="example-school").records
    assert record.status == "present"


def test_unmapped_code_holds_the_lesson_back_with_a_problem() -> None:
    """An unknown code is not guessed: no record, a problem naming the code and the item."""
    lesson, other = afspraak(7, DAY), afspraak(8, DAY, time(9, 20), time(10, 10))
    result = _convert([lesson, other], [absentie(41, lesson, DAY, code="QQ")])
    assert [r.id for r in result.records] == ["magister:99XX:1000:8"]
    assert result.held_ids == {"magister:99XX:1000:7"}
    [problem] = result.problems
    assert "'QQ'" in problem.message and "absentie 41" in problem.where


def test_absence_without_lesson_is_held_back() -> None:
    """An item that names no lesson cannot be placed: a problem, no record."""
    item = absentie(41, afspraak(7, DAY), DAY)
    item["AfspraakId"] = None
    item["Afspraak"] = None
    result = _convert([], [item])
    assert not result.records and "zonder les" in result.problems[0].message


def test_lesson_with_unreadable_times_is_held_back() -> None:
    """A lesson whose times cannot be read is a problem, not a crash."""
    lesson = afspraak(7, DAY)
    lesson["Start"] = "gisteren"
    result = _convert([lesson], [])
    assert not result.records and "gisteren" in result.problems[0].message


def test_lessons_after_today_are_not_attendance() -> None:
    """Only lessons on or before the adapter's today become records."""
    assert _convert([afspraak(7, date(2026, 9, 2))], [], until=DAY).records == []


def test_latest_item_on_a_lesson_wins() -> None:
    """Two items on one lesson: the higher id (the later registration) decides."""
    lesson = afspraak(7, DAY)
    items = [absentie(2, lesson, DAY, kind=3, code="ZK"), absentie(1, lesson, DAY, code="AB")]
    [record] = _convert([lesson], items).records
    assert record.reason == "ziek"


def test_student_dates_are_read_in_amsterdam() -> None:
    """Birth date 2009-03-01 sent as 2009-02-28T23:00Z stays 1 March."""
    student = to_student(leerling(), "99XX")
    assert student.id == "99XX-100001" and student.birth_date == date(2009, 3, 1)


def test_student_with_invalid_field_names_it() -> None:
    """A malformed student names the field."""
    with pytest.raises(InvalidInput, match="leerweg"):
        to_student(leerling(Leerweg="HAVO"), "99XX")


def test_student_without_number_is_rejected() -> None:
    """The student number builds the canonical id; without it there is no student."""
    with pytest.raises(InvalidInput, match="Stamnummer ontbreekt"):
        to_student(leerling(number=""), "99XX")


def test_malformed_birth_date_is_reported_without_its_value() -> None:
    """The problem names the field, never the (personal) value."""
    with pytest.raises(InvalidInput) as caught:
        to_student(leerling(Geboortedatum="1-3-2009 ochtend"), "99XX")
    assert "Geboortedatum" in str(caught.value) and "ochtend" not in str(caught.value)
