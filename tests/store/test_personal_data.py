"""Personal data: the one list (gateway.domain.personal_data) and every place that honours it.

Logging drops or redacts each key, the audit log refuses it, and the student store seals it (or,
for a key the canonical model does not have, refuses it before anything is stored).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from gateway import pipeline
from gateway.domain.model import Student
from gateway.domain.personal_data import PERSONAL_DATA, PERSONAL_KEYS, RULE_FACTS
from gateway.intake.validation import describe
from gateway.logging import REDACTED, drop_personal_data
from gateway.store import Store, audit
from gateway.store import students as students_repo
from gateway.store.schema import students as students_table
from tests.store.conftest import school_store
from tests.store.helpers import CALENDAR, SCHOOL, student

SECRET = "Geheim-7731-Persoonsgegeven"
# Identity numbers are checked by the elfproef on arrival: their secret is a valid number.
SECRETS = {"bsn": "999999990", "onderwijsnummer": "101222331", "phone": "06-98765432"}
KEY_LIST = sorted(PERSONAL_KEYS)
SEALED = [k for k in KEY_LIST if k in Student.model_fields and k not in RULE_FACTS]
NOT_IN_MODEL = [k for k in KEY_LIST if k not in Student.model_fields]
# The canonical Student fields that are not personal data: rule facts and melding content.
NOT_PERSONAL = {
    "id", "startkwalificatie", "leerweg", "niveau", "enrolled_on", "first_school_day", "intro_attended",
    "studiefinanciering", "woongemeente", "doktersverklaring", "crebo", "opleiding", "leerjaar",
    "leslocatie", "enrolment_status", "enrolment_end",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One SQLite store for the whole module, with the test school registered."""
    path = tmp_path_factory.mktemp("personal") / "gateway.db"
    with school_store(f"sqlite:///{path}") as s:
        yield s


def _stored_row(store: Store, student_id: str) -> tuple[str, str]:
    """The student's row as stored: facts and the personal column (ciphertext), both as text."""
    with store.read() as conn:
        row = conn.execute(
            sa.select(students_table.c.facts, students_table.c.personal).where(
                students_table.c.school_id == SCHOOL.id, students_table.c.id == student_id
            )
        ).one()
    return row.facts, row.personal or ""


def _store_student(store: Store, value: Student) -> None:
    with store.write() as conn:
        students_repo.upsert_students(conn, store.cipher, SCHOOL.id, [value], seq=1)


# --- the list itself ------------------------------------------------------------------------------


def test_every_key_says_why_it_is_personal_data():
    """Each entry of the list carries its reason."""
    assert [k for k, why in PERSONAL_DATA.items() if not why.strip()] == []


def test_keys_are_lower_case_so_any_spelling_matches():
    """Matching lowercases the key it checks, so an entry with capitals would never match."""
    assert [k for k in KEY_LIST if k != k.lower()] == []


def test_every_student_field_is_either_personal_or_a_known_fact():
    """A new Student field must be classified: on the one list, or added here as not personal."""
    assert set(Student.model_fields) - PERSONAL_KEYS == NOT_PERSONAL


def test_birth_date_is_the_only_personal_field_kept_in_clear_for_the_rules():
    """The rules need age; every other personal Student field is sealed."""
    assert (RULE_FACTS, set(students_repo.PERSONAL_FIELDS)) == (
        {"birth_date"}, set(Student.model_fields) & PERSONAL_KEYS - {"birth_date"})


# --- logging -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEY_LIST)
def test_logging_drops_the_key_from_an_event(key):
    """A personal key at the top of a log event is removed, in any spelling."""
    event = {"event": "leerling", key: SECRET, key.upper(): SECRET}
    assert drop_personal_data(None, "info", event) == {"event": "leerling"}


@pytest.mark.parametrize("key", KEY_LIST)
def test_logging_redacts_the_key_inside_logged_data(key):
    """A personal key nested in logged data keeps its place, its value is replaced."""
    event = {"event": "leerling", "details": [{"ok": 1, key: SECRET}]}
    assert drop_personal_data(None, "info", event)["details"] == [{"ok": 1, key: REDACTED}]


# --- the audit log -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEY_LIST)
def test_audit_refuses_the_key_at_the_top_of_an_entry(store, key):
    """An entry whose data names personal data is refused."""
    with pytest.raises(ValueError, match="persoonsgegeven"), store.write() as conn:
        audit.append(conn, actor="test", action="x", data={key.capitalize(): SECRET})


@pytest.mark.parametrize("key", KEY_LIST)
def test_audit_refuses_the_key_deep_inside_an_entry(store, key):
    """The check reaches into nested mappings and lists."""
    with pytest.raises(ValueError, match=f"data.signalen.{key}"), store.write() as conn:
        audit.append(conn, actor="test", action="x", data={"signalen": [{"rule": "lrv", key: SECRET}]})


def test_school_registration_audits_its_changes_without_personal_data(store):
    """Contact person, school name and holiday names stay out of the audited diff; the rest is in it."""
    changed = SCHOOL.model_copy(update={
        "id": "PD0001", "name": "ROC Geheim", "contact_name": "J. de Vries",
        "contact_email": "verzuim@school.example", "calendar": CALENDAR,
    })
    pipeline.register_school(store, changed, "test")
    [entry] = audit.entries(store, school_id="PD0001", limit=1)
    assert (entry["action"], entry["data"]["diff"]["brin"]["nieuw"]) == ("config.school", SCHOOL.brin)
    assert [s for s in ("ROC Geheim", "de Vries", "herfstvakantie") if s in str(entry)] == []


# --- the student store -------------------------------------------------------------------------


@pytest.mark.parametrize("key", SEALED)
def test_student_store_never_holds_the_field_in_plain_text(store, key):
    """The value is neither among the facts nor readable in the personal column."""
    secret = SECRETS.get(key, SECRET)
    _store_student(store, student(f"sealed-{key}", **{key: secret}))
    facts, personal = _stored_row(store, f"sealed-{key}")
    assert secret not in facts and secret not in personal


@pytest.mark.parametrize("key", SEALED)
def test_student_store_gives_the_sealed_field_back_for_a_melding(store, key):
    """Sealed is not lost: the melding's student details hold the value again."""
    secret = SECRETS.get(key, SECRET)
    _store_student(store, student(f"opened-{key}", **{key: secret}))
    with store.read() as conn:
        details = students_repo.student_details(conn, store.cipher, SCHOOL.id, f"opened-{key}")
    assert getattr(details, key) == secret


@pytest.mark.parametrize("key", NOT_IN_MODEL)
def test_a_key_the_model_does_not_have_is_refused_without_its_value(key):
    """A vendor's extra personal key never reaches the store: the model refuses it, naming the key
    and never the value."""
    with pytest.raises(ValidationError) as refused:
        student(f"extra-{key}", **{key: SECRET})
    message = describe(refused.value)
    assert f"{key}: is een onbekende sleutel" in message and SECRET not in message


def test_the_rules_get_the_birth_date_from_the_facts_alone(store):
    """The birth date stays among the facts, so evaluation reads no sealed personal data."""
    _store_student(store, student("born", birth_date=date(2010, 3, 1)))
    with store.read() as conn:
        [loaded] = students_repo.load_students(conn, SCHOOL.id, ["born"])
    assert (loaded.birth_date, loaded.bsn, loaded.given_names) == (date(2010, 3, 1), None, None)
