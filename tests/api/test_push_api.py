"""The push API over real HTTP: upserts feed the pipeline, keys see one school, errors name fields."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from gateway.api.keys import revoke_api_key, school_of
from gateway.store import get_cursor, list_meldingen
from gateway.store.face_tables import api_keys
from tests.api.conftest import Api
from tests.api.helpers import CALENDAR, OTHER, SCHOOL, absences, student

BASE = f"/api/v1/schools/{SCHOOL.id}"


def _push_case(api: Api) -> None:
    assert api.client.put(f"{BASE}/calendar", json=CALENDAR, headers=api.auth()).status_code == 200
    assert api.client.post(f"{BASE}/students", json={"students": [student()]},
                           headers=api.auth()).status_code == 200


def test_pushed_attendance_becomes_a_melding(api: Api) -> None:
    """Calendar, student and 16 unauthorised hours: the evaluation after the push makes a melding."""
    _push_case(api)
    response = api.client.post(f"{BASE}/attendance", json={"records": absences(), "cursor": "v1"},
                               headers=api.auth())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] and body["new"] == 8
    assert body["evaluation"]["meldingen_created"] == 1
    [melding] = list_meldingen(api.store, SCHOOL.id)
    assert melding.rule == "verzuim-16u" and melding.student_id == "99XX-1"
    assert get_cursor(api.store, SCHOOL.id, "push") == "v1"


def test_meldingen_can_be_read_with_their_status(api: Api) -> None:
    """The vendor reads the school's meldingen and each one's status."""
    _push_case(api)
    api.client.post(f"{BASE}/attendance", json={"records": absences()}, headers=api.auth())
    listing = api.client.get(f"{BASE}/meldingen", headers=api.auth()).json()
    [item] = listing["items"]
    one = api.client.get(f"{BASE}/meldingen/{item['id']}", headers=api.auth())
    assert one.status_code == 200 and one.json()["status"] == item["status"]
    assert one.json()["signal"]["hours"] == 16.0


def test_meldingen_filter_by_rule(api: Api) -> None:
    """Filters narrow the list."""
    _push_case(api)
    api.client.post(f"{BASE}/attendance", json={"records": absences()}, headers=api.auth())
    response = api.client.get(f"{BASE}/meldingen", params={"rule": "lrv"}, headers=api.auth())
    assert response.json()["items"] == []


def test_correction_withdraws_the_melding(api: Api) -> None:
    """Pushing the same ids as authorised (ziek) removes the signal: the melding is withdrawn."""
    _push_case(api)
    api.client.post(f"{BASE}/attendance", json={"records": absences()}, headers=api.auth())
    corrected = [{**r, "reason": "ziek"} for r in absences()]
    body = api.client.post(f"{BASE}/attendance", json={"records": corrected}, headers=api.auth()).json()
    assert body["changed"] == 8 and body["evaluation"]["meldingen_withdrawn"] == 1


def test_withdrawn_record_ids_remove_records(api: Api) -> None:
    """Ids listed as withdrawn no longer count."""
    _push_case(api)
    records = absences()
    api.client.post(f"{BASE}/attendance", json={"records": records}, headers=api.auth())
    body = api.client.post(f"{BASE}/attendance", json={"withdrawn_record_ids": [records[0]["id"]]},
                           headers=api.auth()).json()
    assert body["withdrawn"] == 1


def test_missing_key_is_401_problem(api: Api) -> None:
    """No key: 401 as problem+json."""
    response = api.client.get(f"{BASE}/meldingen")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Niet aangemeld"


def test_unknown_key_is_401(api: Api) -> None:
    """A made-up key is refused."""
    response = api.client.get(f"{BASE}/meldingen", headers=api.auth("vg_00000000_nope"))
    assert response.status_code == 401


def test_key_of_another_school_is_403(api: Api) -> None:
    """A key sees only its own school."""
    response = api.client.get(f"{BASE}/meldingen", headers=api.auth(api.other_key))
    assert response.status_code == 403 and "andere school" in response.json()["detail"]


def test_key_cannot_read_another_schools_melding_by_id(api: Api) -> None:
    """Even with a melding id, another school's key gets nothing."""
    _push_case(api)
    api.client.post(f"{BASE}/attendance", json={"records": absences()}, headers=api.auth())
    melding_id = list_meldingen(api.store, SCHOOL.id)[0].id
    response = api.client.get(f"/api/v1/schools/{OTHER.id}/meldingen/{melding_id}",
                              headers=api.auth(api.other_key))
    assert response.status_code == 404


def test_x_api_key_header_works_too(api: Api) -> None:
    """The key may come in X-API-Key."""
    assert api.client.get(f"{BASE}/meldingen", headers={"X-API-Key": api.key}).status_code == 200


def test_revoked_key_is_refused(api: Api) -> None:
    """Revoking a key takes effect at once."""
    key_id = api.key.split("_")[1]
    assert revoke_api_key(api.store, key_id, actor="test")
    assert api.client.get(f"{BASE}/meldingen", headers=api.auth()).status_code == 401


def test_keys_are_stored_hashed(api: Api) -> None:
    """The key table holds no key, only its SHA-256."""
    with api.store.read() as conn:
        rows = [tuple(str(v) for v in row) for row in conn.execute(sa.select(api_keys))]
    stored = " ".join(" ".join(row) for row in rows)
    assert api.key not in stored and api.key.split("_", 2)[2] not in stored
    assert hashlib.sha256(api.key.encode()).hexdigest() in stored
    assert school_of(api.store, api.key) == SCHOOL.id


def test_invalid_field_is_named_in_the_problem(api: Api) -> None:
    """A bad date in the third record is reported as records[2].date."""
    records = absences()
    records[2]["date"] = "2026-02-31"
    response = api.client.post(f"{BASE}/attendance", json={"records": records}, headers=api.auth())
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "records[2].date"
    assert "records[2].date" in problem["detail"]


def test_unknown_reason_is_named(api: Api) -> None:
    """A reason outside the canonical list is refused naming the field."""
    records = absences()
    records[0]["reason"] = "kermis"
    response = api.client.post(f"{BASE}/attendance", json={"records": records}, headers=api.auth())
    assert response.json()["errors"][0]["field"] == "records[0].reason"


def test_records_of_unknown_students_reject_the_whole_batch(api: Api) -> None:
    """All or nothing: a record of an unknown student rejects the batch, naming the record."""
    _push_case(api)
    records = absences() + absences("99XX-404")[:1]
    response = api.client.post(f"{BASE}/attendance", json={"records": records}, headers=api.auth())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "records[8].student_id"
    assert list_meldingen(api.store, SCHOOL.id) == []


def test_attendance_before_a_calendar_is_rejected(api: Api) -> None:
    """Without a calendar the batch cannot be evaluated and is refused with a clear reason."""
    api.client.post(f"{BASE}/students", json={"students": [student()]}, headers=api.auth())
    response = api.client.post(f"{BASE}/attendance", json={"records": absences()}, headers=api.auth())
    assert response.status_code == 422 and "kalender" in response.json()["errors"][0]["message"]


def test_calendar_longer_than_a_school_year_is_refused(api: Api) -> None:
    """A calendar spans one school year."""
    response = api.client.put(f"{BASE}/calendar", json={**CALENDAR, "last_school_day": "2030-07-16"},
                              headers=api.auth())
    assert response.status_code == 422


def test_oversized_body_is_413_problem(api: Api) -> None:
    """A body over the limit is refused before it is read."""
    big = {"records": absences() * 200}
    response = api.client.post(f"{BASE}/attendance", content=json.dumps(big),
                               headers={**api.auth(), "content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_oversized_streamed_body_is_413(api: Api) -> None:
    """A chunked body without Content-Length is counted while it streams."""
    payload = json.dumps({"records": absences() * 200}).encode()

    def chunks():  # type: ignore[no-untyped-def]
        for i in range(0, len(payload), 4096):
            yield payload[i:i + 4096]
    response = api.client.post(f"{BASE}/attendance", content=chunks(),
                               headers={**api.auth(), "content-type": "application/json"})
    assert response.status_code == 413


def test_unknown_melding_is_404_problem(api: Api) -> None:
    """Asking for a melding that does not exist."""
    response = api.client.get(f"{BASE}/meldingen/nope", headers=api.auth())
    assert response.status_code == 404 and response.json()["type"].endswith("onbekende-melding")


def test_openapi_has_examples_and_problem_responses(api: Api) -> None:
    """The OpenAPI document carries examples and declares the problem responses."""
    spec = api.client.get("/openapi.json").json()
    post = spec["paths"]["/api/v1/schools/{school_id}/attendance"]["post"]
    assert {"401", "403", "413", "422"} <= set(post["responses"])
    assert "examples" in spec["components"]["schemas"]["AttendanceIn"]


def test_health_needs_no_key(api: Api) -> None:
    """Liveness is public."""
    assert api.client.get("/api/v1/health").json() == {"status": "ok"}
