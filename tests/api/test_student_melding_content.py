"""The students payload carries what a melding needs from the SIS (issue 16): phone, leslocatie,
enrolment_status and enrolment_end. Accepted and kept (the phone sealed); a malformed phone or an
ended enrolment without its date is a 422 naming the field, in Dutch."""

from __future__ import annotations

from datetime import date
from typing import Any

from gateway import pipeline
from gateway.store.students import student_details
from tests.api.conftest import Api
from tests.api.helpers import SCHOOL, student

BASE = f"/api/v1/schools/{SCHOOL.id}"
LESLOCATIE = "Locatie Zuid"
BAD_PHONE = "bel de moeder"


def _configured(api: Api) -> None:
    """The school keeps its list of leslocaties (the pipeline checks a student's against it)."""
    pipeline.register_school(api.store, SCHOOL.model_copy(update={"leslocaties": [LESLOCATIE]}), "test")


def _push(api: Api, *students: dict[str, Any]) -> Any:
    _configured(api)
    return api.client.post(f"{BASE}/students", json={"students": list(students)}, headers=api.auth())


def _errors(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_phone_leslocatie_and_enrolment_are_accepted_and_kept_for_the_melding(api: Api) -> None:
    """A student with the new fields is stored; the melding's details hold phone, leslocatie and the
    datum aanmelding."""
    response = _push(api, student(phone="06-12345678", leslocatie=LESLOCATIE, enrolment_status="active"))
    assert response.status_code == 200, response.text
    with api.store.read() as conn:
        details = student_details(conn, api.store.cipher, SCHOOL.id, "99XX-1")
    assert details is not None
    assert (details.phone, details.leslocatie, details.enrolled_on) == ("06-12345678", LESLOCATIE,
                                                                         date(2026, 5, 1))


def test_an_ended_enrolment_with_its_end_date_is_accepted(api: Api) -> None:
    """An uitschrijving: enrolment_status ended with enrolment_end."""
    response = _push(api, student(enrolment_status="ended", enrolment_end="2026-09-03"))
    assert response.status_code == 200, response.text


def test_a_malformed_phone_is_422_naming_the_field_without_its_value(api: Api) -> None:
    """The field is named with a Dutch reason; the value (personal data) is not echoed."""
    response = _push(api, student(phone=BAD_PHONE))
    assert response.status_code == 422
    errors = _errors(response)
    assert list(errors) == ["students[0].phone"]
    assert "is geen telefoonnummer" in errors["students[0].phone"] and BAD_PHONE not in response.text


def test_an_ended_enrolment_without_its_date_is_422_naming_enrolment_end(api: Api) -> None:
    """Ended without enrolment_end cannot be reported as an uitschrijving: refused, the field named."""
    response = _push(api, student(enrolment_status="ended"))
    assert response.status_code == 422
    [(field, message)] = _errors(response).items()
    assert field == "students[0].enrolment_end" and "vraagt om de datum van uitschrijving" in message


def test_an_unknown_enrolment_status_is_422_naming_it(api: Api) -> None:
    """Only active and ended exist; a Dutch word for it is not guessed."""
    response = _push(api, student(enrolment_status="uitgeschreven"))
    assert response.status_code == 422 and list(_errors(response)) == ["students[0].enrolment_status"]


def test_a_misspelt_new_field_is_still_refused(api: Api) -> None:
    """Strict as before: ``telefoon`` is not ``phone``."""
    response = _push(api, student(telefoon="06-12345678"))
    assert response.status_code == 422 and list(_errors(response)) == ["students[0].telefoon"]


def test_openapi_shows_the_new_student_fields_with_an_example(api: Api) -> None:
    """The OpenAPI document lists phone, leslocatie, enrolment_status and enrolment_end, and the
    students example carries them."""
    spec = api.client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    student_schema = next(v for k, v in schemas.items() if k.startswith("Student") and k != "StudentsIn")
    assert {"phone", "leslocatie", "enrolment_status", "enrolment_end"} <= set(student_schema["properties"])
    [example] = schemas["StudentsIn"]["examples"]
    assert {"phone", "leslocatie", "enrolment_status"} <= set(example["students"][0])
    assert example["students"][1]["enrolment_status"] == "ended"
