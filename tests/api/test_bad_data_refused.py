"""Bad data stopped at the door (issue 15): every refusal is a 422 (or 400) naming the field, and
nothing of the batch is stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gateway.store.attendance import load_records
from tests.api.conftest import Api
from tests.api.helpers import AS_OF, CALENDAR, SCHOOL, absences, student

BASE = f"/api/v1/schools/{SCHOOL.id}"


def _school_with_student(api: Api) -> None:
    assert api.client.put(f"{BASE}/calendar", json=CALENDAR, headers=api.auth()).status_code == 200
    assert api.client.post(f"{BASE}/students", json={"students": [student()]},
                           headers=api.auth()).status_code == 200


def _push(api: Api, body: dict[str, Any]) -> Any:
    return api.client.post(f"{BASE}/attendance", json=body, headers=api.auth())


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def _stored(api: Api) -> int:
    with api.store.read() as conn:
        return len(load_records(conn, SCHOOL.id, ["99XX-1"]))


def test_a_misspelt_reason_is_refused_naming_it_not_stored_as_unexcused(api: Api) -> None:
    """`"reasn": "ziek"` used to be dropped (the lesson stored as absent without reason): now a 422."""
    _school_with_student(api)
    records = absences()
    records[3] = {**{k: v for k, v in records[3].items() if k != "reason"}, "reasn": "ziek"}
    response = _push(api, {"records": records})
    assert response.status_code == 422
    assert _fields(response) == ["records[3].reasn"]
    assert response.json()["errors"][0]["message"] == "is een onbekende sleutel"
    assert _stored(api) == 0


def test_every_unknown_field_is_listed_with_its_place(api: Api) -> None:
    """Several unknown fields, in records and at the top of the body: each one named."""
    _school_with_student(api)
    records = absences()
    records[0]["kleur"] = "rood"
    records[5]["lokaal"] = "B12"
    response = _push(api, {"records": records, "cursorr": "x"})
    assert response.status_code == 422
    assert sorted(_fields(response)) == ["cursorr", "records[0].kleur", "records[5].lokaal"]


def test_an_unknown_student_field_is_refused(api: Api) -> None:
    """The students body forbids extras too."""
    response = api.client.post(f"{BASE}/students", json={"students": [student(bsnn="123")]},
                               headers=api.auth())
    assert response.status_code == 422 and _fields(response) == ["students[0].bsnn"]


def test_an_unknown_calendar_field_is_refused(api: Api) -> None:
    """And so do the calendar and its holidays."""
    calendar = {**CALENDAR, "holidays": [{**CALENDAR["holidays"][0], "type": "vakantie"}]}
    response = api.client.put(f"{BASE}/calendar", json=calendar, headers=api.auth())
    assert response.status_code == 422 and _fields(response) == ["holidays[0].type"]


def test_a_reportable_student_without_bsn_or_onderwijsnummer_is_refused(api: Api) -> None:
    """A 16-year-old could get a melding, which must name them: neither number is a 422."""
    body = {"students": [student("99XX-2"), {**student(), "onderwijsnummer": None}]}
    response = api.client.post(f"{BASE}/students", json=body, headers=api.auth())
    assert response.status_code == 422 and _fields(response) == ["students[1].bsn"]
    assert "BSN of onderwijsnummer" in response.json()["errors"][0]["message"]


def test_an_adult_with_startkwalificatie_needs_no_number(api: Api) -> None:
    """A 25-year-old with a startkwalificatie and no studiefinanciering gets no melding to DUO."""
    adult = {**student(), "birth_date": "2001-01-01", "startkwalificatie": True, "onderwijsnummer": None}
    response = api.client.post(f"{BASE}/students", json={"students": [adult]}, headers=api.auth())
    assert response.status_code == 200, response.text


def test_a_lesson_after_tomorrow_is_refused_naming_its_date(api: Api) -> None:
    """A lesson two days after the as-of day is refused; nothing of the batch is stored."""
    _school_with_student(api)
    later = absences(days=(AS_OF + timedelta(days=2),), per_day=1)
    response = _push(api, {"records": absences() + later})
    assert response.status_code == 422 and _fields(response) == ["records[8].date"]
    assert "toekomst" in response.json()["errors"][0]["message"] and _stored(api) == 0


def test_a_lesson_of_tomorrow_is_accepted(api: Api) -> None:
    """As-of plus one day is still allowed (a registration made ahead, a clock a little off)."""
    _school_with_student(api)
    response = _push(api, {"records": absences(days=(AS_OF + timedelta(days=1),), per_day=1)})
    assert response.status_code == 200, response.text


def test_one_record_id_twice_in_a_body_is_refused(api: Api) -> None:
    """Two records with one id: which one counts? Refused, naming the second."""
    _school_with_student(api)
    records = absences()
    records.append({**records[2], "status": "present", "reason": None})
    response = _push(api, {"records": records})
    assert response.status_code == 422 and _fields(response) == ["records[8].id"]
    assert "records[2]" in response.json()["errors"][0]["message"] and _stored(api) == 0


def test_withdrawing_an_id_never_delivered_is_refused(api: Api) -> None:
    """An unknown withdrawn id is a mistake in the vendor's bookkeeping, not a no-op."""
    _school_with_student(api)
    records = absences()
    assert _push(api, {"records": records}).status_code == 200
    response = _push(api, {"withdrawn_record_ids": [records[0]["id"], "nooit-geleverd"]})
    assert response.status_code == 422 and _fields(response) == ["withdrawn_record_ids[1]"]
    assert _stored(api) == 8  # the known id was not withdrawn either: all or nothing


def test_an_unknown_status_filter_is_refused(api: Api) -> None:
    """`?status=` with a value that does not exist would silently match nothing: a 422 naming it."""
    response = api.client.get(f"{BASE}/meldingen", params={"status": "verstuurd"}, headers=api.auth())
    assert response.status_code == 422 and _fields(response) == ["status"]
    assert "verzonden" in response.json()["errors"][0]["message"]


def test_an_unknown_rule_filter_is_refused(api: Api) -> None:
    """The same for `?rule=`."""
    response = api.client.get(f"{BASE}/meldingen", params={"rule": "16-uur"}, headers=api.auth())
    assert response.status_code == 422 and _fields(response) == ["rule"]


def test_known_filter_values_are_accepted(api: Api) -> None:
    """A real status and rule still filter."""
    response = api.client.get(f"{BASE}/meldingen", params={"status": "ingetrokken", "rule": "verzuim-16u"},
                              headers=api.auth())
    assert response.status_code == 200 and response.json()["items"] == []


def test_a_body_that_is_not_json_says_where_it_broke(api: Api) -> None:
    """A missing value on line 2: a 400 problem saying, in Dutch, line and column."""
    response = api.client.post(f"{BASE}/attendance", content=b'{"records": [\n  {"id": }\n]}',
                               headers={**api.auth(), "content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    message = response.json()["errors"][0]["message"]
    assert "regel 2, kolom 10" in message and "waarde verwacht" in message


def test_validation_messages_are_dutch(api: Api) -> None:
    """A wrong type is explained in Dutch, not in pydantic's English."""
    records = absences()
    records[0]["minutes_late"] = "vijf"
    response = _push(api, {"records": records})
    [error] = response.json()["errors"]
    assert error["field"] == "records[0].minutes_late" and "geheel getal" in error["message"]
