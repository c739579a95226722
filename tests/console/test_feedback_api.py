"""The feedback API: a receiver reports the outcome of a melding with its organisation's key."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import sqlalchemy as sa

from gateway import audit
from gateway.console.receivers import create_receiver_key, revoke_receiver_key
from gateway.console.schema import feedback
from gateway.store import get_melding
from tests.console.conftest import Console
from tests.console.helpers import csrf_of

PROBLEM = "application/problem+json"


def _approve_all(console: Console, deliver: Callable[[], int]) -> None:
    client = console.client("beheer@voorbeeld")
    csrf = csrf_of(client.get("/console/meldingen").text)
    for sid, rule in (("N1", "no-show"), ("N2", "no-show"), ("S1", "verzuim-16u")):
        client.post(f"/console/meldingen/{console.melding(rule, sid).id}/goedkeuren", data={"csrf": csrf})
    deliver()


def _post(console: Console, key: str | None, body: dict[str, object]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{console.url}/api/v1/feedback", json=body, headers=headers, timeout=30)


def test_dsp_outcome_is_recorded(console: Console, deliver: Callable[[], int]) -> None:
    """'Gestart bij mbo' from the DSP closes the no-show melding, is audited and shows on the board."""
    _approve_all(console, deliver)
    _, key = create_receiver_key(console.store, "dsp-kop-van-nh", "test")
    melding = console.melding("no-show", "N1")
    response = _post(console, key, {"melding_id": melding.id, "status": "Gestart bij mbo",
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
    _, key = create_receiver_key(console.store, "dsp-kop-van-nh")
    melding = console.melding("no-show", "N2")
    _post(console, key, {"melding_id": melding.id, "status": "Niet gestart - in begeleiding",
                         "toelichting": "Jongerenpunt begeleidt"})
    with console.store.read() as conn:
        stored = conn.scalar(sa.select(feedback.c.toelichting))
    assert stored is not None and "Jongerenpunt" not in stored


def test_duo_status_moves_the_melding(console: Console, deliver: Callable[[], int]) -> None:
    """A DUO status ('In behandeling') from a duo key moves a 16-uur melding on."""
    _approve_all(console, deliver)
    _, key = create_receiver_key(console.store, "duo")
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
    entry, key = create_receiver_key(console.store, "dsp-kop-van-nh")
    assert revoke_receiver_key(console.store, entry.key_id)
    melding = console.melding("no-show", "N1")
    assert _post(console, key, {"melding_id": melding.id, "status": "Gestart bij mbo"}).status_code == 401


def test_melding_of_another_receiver_is_403(console: Console, deliver: Callable[[], int]) -> None:
    """Leerplicht may not report on a no-show melding addressed to the DSP."""
    _approve_all(console, deliver)
    _, key = create_receiver_key(console.store, "leerplicht-0344")
    melding = console.melding("no-show", "N1")
    response = _post(console, key, {"melding_id": melding.id, "status": "Gestart elders"})
    assert response.status_code == 403
    assert get_melding(console.store, melding.id).status == "ontvangen"


def test_unknown_melding_is_404(console: Console) -> None:
    """An id that names no melding: 404."""
    _, key = create_receiver_key(console.store, "dsp-kop-van-nh")
    response = _post(console, key, {"melding_id": "00000000-0000-0000-0000-000000000000",
                                    "status": "Gestart bij mbo"})
    assert response.status_code == 404
    assert response.json()["type"].endswith("onbekende-melding")


def test_unknown_status_is_422(console: Console) -> None:
    """A status that is neither a DSP outcome nor a DUO status: 422 naming the field."""
    _, key = create_receiver_key(console.store, "dsp-kop-van-nh")
    response = _post(console, key, {"melding_id": "x", "status": "Verhuisd"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_unknown_field_is_422(console: Console) -> None:
    """Extra fields are refused, so a typo does not pass silently."""
    _, key = create_receiver_key(console.store, "dsp-kop-van-nh")
    response = _post(console, key, {"melding_id": "x", "status": "Gestart bij mbo", "toelichtng": "x"})
    assert response.status_code == 422


def test_outcome_for_a_melding_not_sent_is_409(console: Console) -> None:
    """A melding still waiting for approval cannot be closed by a receiver: 409, nothing recorded."""
    _, key = create_receiver_key(console.store, "dsp-kop-van-nh")
    melding = console.melding("no-show", "N1")
    response = _post(console, key, {"melding_id": melding.id, "status": "Gestart bij mbo"})
    assert response.status_code == 409
    assert get_melding(console.store, melding.id).status == "concept"
    with console.store.read() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(feedback)) == 0
