"""The school's work on its meldingen over the API: what the gate says in the listing, the content
read and filled in, approval refused while incomplete, manual meldingen filed once."""

from __future__ import annotations

from typing import Any

import pytest

from gateway import pipeline
from gateway.store import audit, get_melding, list_meldingen
from tests.api.conftest import Api
from tests.api.helpers import CALENDAR, SCHOOL, absences, student

BASE = f"/api/v1/schools/{SCHOOL.id}"
LESLOCATIE = "Hoofdlocatie"
COMPLETE: dict[str, Any] = {
    "vermoedelijke_reden": "Problemen thuis", "actions_taken": ["Gesprek met de mentor"],
    "actie_gewenst": True, "toelichting": "Graag een huisbezoek", "leslocatie": LESLOCATIE,
    "melder": {"naam": "M. de Melder", "functie": "verzuimcoördinator", "telefoon": "030-1234567",
               "email": "verzuim@proef.example"},
}
MANUAL: dict[str, Any] = {"student_id": "99XX-1", "kind": "signaalverzuim", "period_start": "2026-09-01"}


@pytest.fixture
def melding_id(api: Api) -> str:
    """A verzuim-16u melding in the review queue of a school that keeps one leslocatie among two."""
    keeping = SCHOOL.model_copy(update={"leslocaties": [LESLOCATIE, "Noord"]})
    pipeline.register_school(api.store, keeping, "test")
    assert api.client.put(f"{BASE}/calendar", json=CALENDAR, headers=api.auth()).status_code == 200
    assert api.client.post(f"{BASE}/students", json={"students": [student(phone="06-12345678")]},
                           headers=api.auth()).status_code == 200
    response = api.client.post(f"{BASE}/attendance", json={"records": absences()}, headers=api.auth())
    assert response.status_code == 200, response.text
    (melding,) = list_meldingen(api.store, SCHOOL.id)
    return melding.id


def _put(api: Api, melding_id: str, body: dict[str, Any]) -> Any:
    return api.client.put(f"{BASE}/meldingen/{melding_id}/inhoud", json=body, headers=api.auth())


def _approve(api: Api, melding_id: str) -> Any:
    return api.client.post(f"{BASE}/meldingen/{melding_id}/goedkeuren", headers=api.auth())


def test_the_listing_names_what_a_melding_misses(api: Api, melding_id: str) -> None:
    """Each item carries the missing fields with their Dutch label, the specification and the soort."""
    (item,) = api.client.get(f"{BASE}/meldingen", headers=api.auth()).json()["items"]
    assert {"field": "leslocatie", "label": "naam leslocatie"} in item["missing"]
    assert item["specification"] == {"verzuimdagen": 2, "verzuimuren": 16.0, "alle_lessen_gemist": True}
    assert item["vermoedelijke_soort"]["code"] == "ZESTIEN_UUR_IN_VIER_LESWEKEN"


def test_one_melding_carries_the_gate_too(api: Api, melding_id: str) -> None:
    """GET of one melding names the same missing fields as the listing."""
    one = api.client.get(f"{BASE}/meldingen/{melding_id}", headers=api.auth()).json()
    assert [m["field"] for m in one["missing"]] == ["vermoedelijke_reden", "actions_taken", "toelichting",
                                                    "leslocatie", "melder"]


def test_the_content_shows_stored_resolved_and_missing(api: Api, melding_id: str) -> None:
    """Nothing filled in yet: the resolved content has the SIS phone and the rule's actie gewenst."""
    response = api.client.get(f"{BASE}/meldingen/{melding_id}/inhoud", headers=api.auth())
    assert response.status_code == 200
    body = response.json()
    assert body["stored"] == {}
    assert body["resolved"] == {"phone": "06-12345678", "actie_gewenst": False}
    assert body["editable"] is True and body["status"] == "concept"
    assert body["vermoedelijke_soort"]["label"].startswith("ongeoorloofd verzuim van in totaal 16 uur")


def test_filling_in_part_answers_what_is_still_missing(api: Api, melding_id: str) -> None:
    """PUT with the reason and the leslocatie answers 200 with the fields still missing."""
    response = _put(api, melding_id, {"vermoedelijke_reden": "Ziek", "leslocatie": LESLOCATIE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "concept"
    assert [m["field"] for m in body["missing"]] == ["actions_taken", "toelichting", "melder"]


def test_approval_is_refused_naming_every_missing_field(api: Api, melding_id: str) -> None:
    """goedkeuren of an incomplete melding is a 409 problem listing each field in Dutch."""
    response = _approve(api, melding_id)
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("melding-onvolledig") and "nog in te vullen" in problem["detail"]
    assert {"field": "leslocatie", "message": "nog in te vullen: naam leslocatie"} in problem["errors"]
    assert get_melding(api.store, melding_id).status == "concept"


def test_a_complete_melding_is_approved_and_audited_with_the_key(api: Api, melding_id: str) -> None:
    """Filled in completely it is approved (200, klaar); the audit names the key id, not a person."""
    assert _put(api, melding_id, COMPLETE).json()["missing"] == []
    response = _approve(api, melding_id)
    assert response.status_code == 200
    assert response.json() == {"melding_id": melding_id, "status": "klaar", "missing": []}
    key_id = api.key.split("_")[1]
    actors = {e["actor"] for e in audit.entries(api.store, subject=melding_id)}
    assert f"api-sleutel:{key_id}" in actors
    assert not any(api.key in a for a in actors)


def test_approving_a_melding_that_is_no_concept_is_a_conflict(api: Api, melding_id: str) -> None:
    """Once approved, approving again is a 409 problem."""
    _put(api, melding_id, COMPLETE)
    _approve(api, melding_id)
    response = _approve(api, melding_id)
    assert response.status_code == 409 and response.json()["type"].endswith("status-staat-het-niet-toe")


def test_an_unknown_field_in_the_content_is_named(api: Api, melding_id: str) -> None:
    """The content body is strict: an unknown key is a 422 problem naming it."""
    response = _put(api, melding_id, {"reden": "Ziek"})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"field": "reden", "message": "is een onbekende sleutel"}


def test_a_wrong_value_in_the_content_is_named(api: Api, melding_id: str) -> None:
    """A concern that does not exist is a 422 problem naming the field."""
    response = _put(api, melding_id, {"concerns": ["verveling"]})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "concerns"


def test_a_leslocatie_outside_the_schools_list_is_refused(api: Api, melding_id: str) -> None:
    """Only one of the school's leslocaties may be named (422, field leslocatie)."""
    response = _put(api, melding_id, {"leslocatie": "Elders"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "leslocatie"


def test_a_contact_attempt_in_the_future_is_refused(api: Api, melding_id: str) -> None:
    """A contact attempt after today cannot have happened (422 naming the attempt)."""
    response = _put(api, melding_id, {"contact_attempts": [{"on": "2026-12-01", "how": "telefoon",
                                                            "outcome": "Gesproken"}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "contact_attempts[0].on"


def test_content_of_a_withdrawn_melding_is_a_conflict(api: Api, melding_id: str) -> None:
    """Once withdrawn the content cannot change (409)."""
    with api.store.write() as conn:
        pipeline.withdraw(conn, melding_id, "test", "registratiefout")
    response = _put(api, melding_id, {"vermoedelijke_reden": "Ziek"})
    assert response.status_code == 409
    content = api.client.get(f"{BASE}/meldingen/{melding_id}/inhoud", headers=api.auth()).json()
    assert content["editable"] is False


@pytest.mark.parametrize(("method", "suffix"),
                         [("GET", "/inhoud"), ("PUT", "/inhoud"), ("POST", "/goedkeuren")])
def test_another_schools_key_gets_403_and_an_unknown_melding_404(api: Api, melding_id: str, method: str,
                                                                 suffix: str) -> None:
    """The key of another school is refused; a melding id the school does not have is not found."""
    body = {} if method == "PUT" else None
    other = api.client.request(method, f"{BASE}/meldingen/{melding_id}{suffix}", json=body,
                               headers=api.auth(api.other_key))
    assert other.status_code == 403
    unknown = api.client.request(method, f"{BASE}/meldingen/nope{suffix}", json=body, headers=api.auth())
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("onbekende-melding")


def test_a_manual_melding_is_filed_with_its_location(api: Api, melding_id: str) -> None:
    """POST .../meldingen files a signaalverzuim: 201, a Location, the melding with what it misses."""
    body = {**MANUAL, "content": {"vermoedelijke_reden": "Zorgen"}}
    response = api.client.post(f"{BASE}/meldingen", json=body, headers=api.auth())
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{BASE}/meldingen/{body['id']}"
    assert body["rule"] == "signaalverzuim" and body["status"] == "concept"
    assert body["vermoedelijke_soort"]["code"] == "SIGNAALVERZUIM"
    assert "vermoedelijke_reden" not in [m["field"] for m in body["missing"]]


def test_filing_the_same_manual_melding_again_answers_the_first(api: Api, melding_id: str) -> None:
    """The same student, kind and start date again: 200 with the first melding, nothing new."""
    first = api.client.post(f"{BASE}/meldingen", json=MANUAL, headers=api.auth()).json()
    again = api.client.post(f"{BASE}/meldingen", json=MANUAL, headers=api.auth())
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert len(list_meldingen(api.store, SCHOOL.id, rule="signaalverzuim")) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "luxe-verzuim"}, "kind"),
    ({"student_id": "onbekend"}, "student_id"),
    ({"period_start": "2026-09-10"}, "period_start"),
    ({"period_end": "2026-08-01"}, "period_end"),
    ({"period_start": "1-9-2026"}, "period_start"),
    ({"content": {"leslocatie": "Elders"}}, "leslocatie"),
    ({"extra": 1}, "extra"),
])
def test_a_wrong_manual_melding_is_refused_naming_the_field(api: Api, melding_id: str,
                                                            change: dict[str, Any], field: str) -> None:
    """A bad kind, an unknown student, a wrong date or content: 422 naming the field; nothing filed."""
    response = api.client.post(f"{BASE}/meldingen", json={**MANUAL, **change}, headers=api.auth())
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert list_meldingen(api.store, SCHOOL.id, rule=MANUAL["kind"]) == []


def test_the_openapi_shows_the_new_endpoints_and_their_problems(api: Api) -> None:
    """Content, approval and filing are documented with their problem answers."""
    paths = api.client.get("/openapi.json").json()["paths"]
    one = "/api/v1/schools/{school_id}/meldingen/{melding_id}"
    assert {"404", "409", "422"} <= set(paths[f"{one}/inhoud"]["put"]["responses"])
    assert "409" in paths[f"{one}/goedkeuren"]["post"]["responses"]
    assert {"200", "201", "422"} <= set(paths["/api/v1/schools/{school_id}/meldingen"]["post"]["responses"])
