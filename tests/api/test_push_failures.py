"""Failure paths of the push API: evaluation problems, bad parameters and bodies, the size limit."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway import pipeline
from gateway.api.app import ApiSettings, create_app
from gateway.api.keys import create_api_key
from gateway.api.limits import BodySizeLimit
from gateway.api.server import serve_in_thread
from gateway.store import utcnow
from gateway.store.face_tables import api_keys
from tests.api.conftest import Api, make_store
from tests.api.helpers import AS_OF, CALENDAR, SCHOOL, student

BASE = f"/api/v1/schools/{SCHOOL.id}"
GHOST_KEY = "vg_0badcafe_" + "x" * 43


def test_students_before_a_calendar_are_stored_and_evaluation_says_why_not(api: Api) -> None:
    """The push is accepted; the evaluation reports the missing calendar instead of failing it."""
    body = api.client.post(f"{BASE}/students", json={"students": [student()]}, headers=api.auth()).json()
    assert body["accepted"] and "kalender" in body["evaluation"]["error"]


def test_crashing_evaluation_does_not_fail_the_stored_push(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """An evaluation error after the data is stored is reported in the answer, not as a 500."""
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kapot")
    monkeypatch.setattr(pipeline, "evaluate", boom)
    api.client.put(f"{BASE}/calendar", json=CALENDAR, headers=api.auth())
    response = api.client.post(f"{BASE}/students", json={"students": [student()]}, headers=api.auth())
    assert response.status_code == 200 and "RuntimeError" in response.json()["evaluation"]["error"]


def test_a_key_whose_school_is_not_registered_gets_a_404_naming_it(api: Api) -> None:
    """A key stored for a school the gateway does not know (any more): 404 problem+json, nothing stored."""
    with api.store.write() as conn:
        conn.execute(api_keys.insert().values(
            key_id="0badcafe", school_id="99ZZ00", sha256=hashlib.sha256(GHOST_KEY.encode()).hexdigest(),
            label="", created_at=utcnow(), revoked_at=None))
    response = api.client.post("/api/v1/schools/99ZZ00/students", json={"students": [student()]},
                               headers=api.auth(GHOST_KEY))
    assert response.status_code == 404
    assert response.json()["type"].endswith("onbekende-school") and "99ZZ00" in response.json()["detail"]


def test_invalid_source_name_is_named(api: Api) -> None:
    """The source query parameter has a fixed shape."""
    response = api.client.post(f"{BASE}/students", params={"source": "Not OK!"},
                               json={"students": [student()]}, headers=api.auth())
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "source"


def test_unreadable_json_is_a_400_problem(api: Api) -> None:
    """A body that is not JSON is refused as problem+json."""
    response = api.client.post(f"{BASE}/attendance", content=b"\xff\xfe", headers={
        **api.auth(), "content-type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


def test_malformed_content_length_falls_back_to_counting() -> None:
    """A nonsense Content-Length does not crash the size limit: the streamed body is counted."""
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise AssertionError("the app must not see an oversized body")

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"x" * 2048, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/x", "headers": [(b"content-length", b"abc")]}
    asyncio.run(BodySizeLimit(app, max_bytes=1024)(scope, receive, send))
    assert sent[0]["status"] == 413


def test_push_without_evaluation_skips_it(tmp_path: Path) -> None:
    """With evaluate_on_push off the answer carries no evaluation."""
    store = make_store(tmp_path)
    _, key = create_api_key(store, SCHOOL.id, actor="test")
    app = create_app(ApiSettings(evaluate_on_push=False), store, clock=lambda: AS_OF)
    with serve_in_thread(app) as handle:
        body = httpx.post(f"{handle.url}{BASE}/students", json={"students": [student()]},
                          headers={"X-API-Key": key}).json()
    store.close()
    assert body["accepted"] and body["evaluation"] is None
