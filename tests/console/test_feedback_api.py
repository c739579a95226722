"""The feedback API: a receiver reports the outcome of a melding with its organisation's key."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa

from gateway import pipeline
from gateway.console.receivers import create_receiver_key, revoke_receiver_key
from gateway.delivery.routing import load_directory_data
from gateway.domain.errors import InvalidInput
from gateway.domain.ports import SourceBatch
from gateway.store import MeldingView, audit, get_melding
from gateway.store.face_tables import feedback
from gateway.store.schema import audit_log
from tests.console.conftest import Console
from tests.console.helpers import AS_OF, SCHOOL, csrf_of, fill_in
from tests.store.helpers import CALENDAR, SIXTEEN_HOURS_DAYS, absences, student

PROBLEM = "application/problem+json"
STARTED = "2026-09-02"  # the day a no-show started, before the app's date (AS_OF)
DIRECTORY = load_directory_data()  # the shipped recipient directory, as `serve` loads it by default


def _key(console: Console, organisation: str) -> str:
    """A receiver key for ``organisation``, made as `api-key create --receiver` makes it."""
    return create_receiver_key(console.store, organisation, "test", actor="test", directory=DIRECTORY)[1]


def _approve_all(console: Console, deliver: Callable[[], int]) -> None:
    client = console.client("beheer@voorbeeld")
    csrf = csrf_of(client.get("/console/meldingen").text)
    for sid, rule in (("N1", "no-show"), ("N2", "no-show"), ("S1", "verzuim-16u")):
        fill_in(console.store, console.melding(rule, sid).id)
        client.post(f"/console/meldingen/{console.melding(rule, sid).id}/goedkeuren", data={"csrf": csrf})
    deliver()


def _post(console: Console, key: str | None, body: dict[str, object]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{console.url}/api/v1/feedback", json=body, headers=headers, timeout=30)


def _sent_melding_of_student_in(console: Console, deliver: Callable[[], int], gemeente: str) -> MeldingView:
    """A delivered 16-uur melding (for Leerplicht) of a new student S2 living in ``gemeente``."""
    batch = SourceBatch(students=[student("S2", woongemeente=gemeente)],
                        records=absences("S2", SIXTEEN_HOURS_DAYS), calendar=CALENDAR, cursor="c2")
    assert pipeline.ingest(console.store, SCHOOL.id, "test", batch, "test").accepted
    pipeline.evaluate(console.store, SCHOOL.id, AS_OF)
    melding = console.melding("verzuim-16u", "S2")
    fill_in(console.store, melding.id)
    pipeline.approve(console.store, SCHOOL.id, melding.id, "test")
    deliver()
    return melding


def test_dsp_outcome_is_recorded(console: Console, deliver: Callable[[], int]) -> None:
    """'Gestart bij mbo' from the DSP closes the no-show melding, is audited and shows on the board."""
    _approve_all(console, deliver)
    key = _key(console, "dsp-kop-van-nh")
    melding = console.melding("no-show", "N1")
    response = _post(console, key, {"melding_id": melding.id, "status": "Gestart bij mbo",
                                    "started_on": STARTED,
                                    "toelichting": "Gestart op 14 september"})
    assert response.status_code == 200
    assert response.json() == {"melding_id": melding.id, "status": "afgesloten",
                               "receiver_status": "Gestart bij mbo", "organisation": "dsp-kop-van-nh"}
    assert get_melding(console.store, melding.id).status == "afgesloten"
    entries = audit.entries(console.store, subject=melding.id)
    (entry,) = [e for e in entries if e["action"] == "terugkoppeling"]
    assert entry["actor"] == "ontvanger:dsp-kop-van-nh"
    board = console.client("melder@voorbeeld").get("/console/no-show").text
    assert "Gestart bij mbo" in board and "Gestart op 14 september" in board


def test_toelichting_is_encrypted_at_rest(console: Console, deliver: Callable[[], int]) -> None:
    """The free-text toelichting (it may name people) is not stored in clear."""
    _approve_all(console, deliver)
    key = _key(console, "dsp-kop-van-nh")
    melding = console.melding("no-show", "N1")
    response = _post(console, key, {"melding_id": melding.id, "status": "Niet gestart - in begeleiding",
                                    "toelichting": "Jongerenpunt begeleidt"})
    assert response.status_code == 200
    with console.store.read() as conn:
        stored = conn.scalar(sa.select(feedback.c.toelichting))
    assert stored is not None and "Jongerenpunt" not in stored


def test_duo_status_moves_the_melding(console: Console, deliver: Callable[[], int]) -> None:
    """A DUO status ('In behandeling') from a duo key moves a 16-uur melding on."""
    _approve_all(console, deliver)
    key = _key(console, "duo")
    melding = console.melding("verzuim-16u", "S1")
    response = _post(console, key, {"melding_id": melding.id, "status": "In behandeling"})
    assert response.status_code == 200 and response.json()["status"] == "in_behandeling"


def test_missing_key_is_401(console: Console) -> None:
    """Without a key: 401 problem+json."""
    response = _post(console, None, {"melding_id": "x", "status": "Gestart bij mbo"})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


def test_unknown_key_is_401(console: Console) -> None:
    """A made-up key or a school's push key is not a receiver key: 401."""
    for key in ("vr_00000000_geraden", "vg_1234_abc"):
        assert _post(console, key, {"melding_id": "x", "status": "Gestart bij mbo"}).status_code == 401


def test_revoked_key_is_401(console: Console) -> None:
    """A revoked receiver key stops working at once."""
    entry, key = create_receiver_key(console.store, "dsp-kop-van-nh", actor="test", directory=DIRECTORY)
    assert revoke_receiver_key(console.store, entry.key_id, actor="test")
    melding = console.melding("no-show", "N1")
    assert _post(console, key, {"melding_id": melding.id, "status": "Gestart bij mbo"}).status_code == 401


def test_melding_of_another_receiver_is_404(console: Console, deliver: Callable[[], int]) -> None:
    """Leerplicht may not report on a no-show melding addressed to the DSP, even of a student living there."""
    _approve_all(console, deliver)
    key = _key(console, "leerplicht-0344")
    melding = console.melding("no-show", "N2")  # N2 lives in Utrecht (0344)
    response = _post(console, key, {"melding_id": melding.id, "status": "Gestart elders",
                                    "started_on": STARTED})
    assert response.status_code == 404
    assert get_melding(console.store, melding.id).status == "ontvangen"


def test_dsp_key_may_report_on_a_no_show_of_a_student_living_in_its_region(
        console: Console, deliver: Callable[[], int]) -> None:
    """dsp-kop-van-nh reports on the no-show of N1, who lives in Den Helder (0400), in its region."""
    _approve_all(console, deliver)
    melding = console.melding("no-show", "N1")
    response = _post(console, _key(console, "dsp-kop-van-nh"),
                     {"melding_id": melding.id, "status": "Gestart elders", "started_on": STARTED})
    assert response.status_code == 200 and response.json()["status"] == "afgesloten"


def test_dsp_key_gets_404_for_a_student_living_in_another_region(
        console: Console, deliver: Callable[[], int]) -> None:
    """dsp-kop-van-nh may not report on the no-show of N2, who lives in Utrecht: 404, nothing recorded."""
    _approve_all(console, deliver)
    melding = console.melding("no-show", "N2")
    response = _post(console, _key(console, "dsp-kop-van-nh"),
                     {"melding_id": melding.id, "status": "Gestart elders", "started_on": STARTED})
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "geen melding met dit id voor uw organisatie"
    assert get_melding(console.store, melding.id).status == "ontvangen"
    with console.store.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(feedback)) == 0


def test_rmc_key_gets_404_for_a_student_living_in_another_region(
        console: Console, deliver: Callable[[], int]) -> None:
    """rmc-utrecht may report on N2's no-show (Utrecht), not on N1's (Den Helder)."""
    _approve_all(console, deliver)
    key = _key(console, "rmc-utrecht")
    n1, n2 = console.melding("no-show", "N1"), console.melding("no-show", "N2")
    body = {"status": "Gestart elders", "started_on": STARTED}
    assert _post(console, key, {"melding_id": n1.id, **body}).status_code == 404
    assert _post(console, key, {"melding_id": n2.id, **body}).status_code == 200


def test_leerplicht_key_may_report_on_a_student_living_in_its_gemeente(
        console: Console, deliver: Callable[[], int]) -> None:
    """leerplicht-0344 reports on the 16-uur melding of S1, who lives in Utrecht (0344)."""
    _approve_all(console, deliver)
    melding = console.melding("verzuim-16u", "S1")
    response = _post(console, _key(console, "leerplicht-0344"),
                     {"melding_id": melding.id, "status": "In behandeling"})
    assert response.status_code == 200 and response.json()["organisation"] == "leerplicht-0344"


def test_leerplicht_key_gets_404_for_a_student_living_in_another_gemeente(
        console: Console, deliver: Callable[[], int]) -> None:
    """leerplicht-0344 may not report on a student living in De Bilt (0310), though in the same region."""
    melding = _sent_melding_of_student_in(console, deliver, "0310")
    response = _post(console, _key(console, "leerplicht-0344"),
                     {"melding_id": melding.id, "status": "In behandeling"})
    assert response.status_code == 404
    assert get_melding(console.store, melding.id).status == "ontvangen"


def test_key_whose_region_the_directory_does_not_know_gets_a_clear_403(console: Console) -> None:
    """A key made without the directory for a region it lacks: 403 problem+json naming the region."""
    _, key = create_receiver_key(console.store, "dsp-nergens", actor="test", directory=None)
    response = _post(console, key, {"melding_id": console.melding("no-show", "N1").id,
                                    "status": "Gestart elders", "started_on": STARTED})
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith("onbekend-gebied")
    assert "regio 'nergens'" in problem["detail"] and "ontvangersregister" in problem["detail"]


def test_unknown_region_key_is_refused_at_creation(console: Console) -> None:
    """No key is made for a region the directory does not know; the message names it."""
    with pytest.raises(InvalidInput, match="regio 'nergens' van dsp-nergens staat niet in het ontvangersreg"):
        create_receiver_key(console.store, "dsp-nergens", actor="test", directory=DIRECTORY)


def test_unknown_gemeente_key_is_refused_at_creation(console: Console) -> None:
    """No Leerplicht key is made for a gemeente the directory does not know."""
    with pytest.raises(InvalidInput, match="gemeente '9999'"):
        create_receiver_key(console.store, "leerplicht-9999", actor="test", directory=DIRECTORY)


def test_receiver_key_creation_and_revocation_are_audited_without_the_key(console: Console) -> None:
    """Both are audit entries naming the organisation and the actor; the key itself is not in the log."""
    entry, key = create_receiver_key(console.store, "dsp-kop-van-nh", actor="beheerder", directory=DIRECTORY)
    revoke_receiver_key(console.store, entry.key_id, actor="beheerder")
    made, revoked = reversed(audit.entries(console.store, subject=entry.key_id))
    assert (made["action"], made["actor"], made["data"]["organisatie"]) == (
        "ontvanger-sleutel.aangemaakt", "beheerder", "dsp-kop-van-nh")
    assert revoked["action"] == "ontvanger-sleutel.ingetrokken"
    with console.store.read() as conn:
        stored = " ".join(str(v) for row in conn.execute(sa.select(audit_log)) for v in row)
    assert key not in stored and key.split("_", 2)[2] not in stored


def test_unknown_melding_is_404(console: Console) -> None:
    """An id that names no melding: 404."""
    key = _key(console, "dsp-kop-van-nh")
    response = _post(console, key, {"melding_id": "00000000-0000-0000-0000-000000000000",
                                    "status": "Gestart bij mbo", "started_on": STARTED})
    assert response.status_code == 404
    assert response.json()["type"].endswith("onbekende-melding")


def test_a_melding_outside_the_scope_answers_exactly_as_a_missing_one(
        console: Console, deliver: Callable[[], int]) -> None:
    """Melding ids can be derived, so a key must not learn whether a melding outside its area exists."""
    _approve_all(console, deliver)
    key = _key(console, "dsp-kop-van-nh")
    outside = _post(console, key, {"melding_id": console.melding("no-show", "N2").id,
                                   "status": "Gestart elders", "started_on": STARTED})
    missing = _post(console, key, {"melding_id": "00000000-0000-0000-0000-000000000000",
                                   "status": "Gestart elders", "started_on": STARTED})
    assert (outside.status_code, outside.json()) == (missing.status_code, missing.json())


def test_unknown_status_is_422(console: Console) -> None:
    """A status that is neither a DSP outcome nor a DUO status: 422 naming the field."""
    key = _key(console, "dsp-kop-van-nh")
    response = _post(console, key, {"melding_id": "x", "status": "Verhuisd"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_unknown_field_is_422(console: Console) -> None:
    """Extra fields are refused, so a typo does not pass silently."""
    key = _key(console, "dsp-kop-van-nh")
    response = _post(console, key, {"melding_id": "x", "status": "Gestart bij mbo", "toelichtng": "x"})
    assert response.status_code == 422


def test_outcome_for_a_melding_not_sent_is_409(console: Console) -> None:
    """A melding still waiting for approval cannot be closed by a receiver: 409, nothing recorded."""
    key = _key(console, "dsp-kop-van-nh")
    melding = console.melding("no-show", "N1")
    response = _post(console, key, {"melding_id": melding.id, "status": "Gestart bij mbo",
                                    "started_on": STARTED})
    assert response.status_code == 409
    assert get_melding(console.store, melding.id).status == "concept"
    with console.store.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(feedback)) == 0
