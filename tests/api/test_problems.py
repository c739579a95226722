"""Every error of the API is one problem+json document: framework errors, validation, configuration."""

from __future__ import annotations

import json

import pytest

from gateway.domain.errors import ConfigurationError
from tests.api.conftest import Api
from tests.api.helpers import SCHOOL, absences

BASE = f"/api/v1/schools/{SCHOOL.id}"


def test_a_framework_error_gets_a_dutch_title_and_slug(api: Api) -> None:
    """A method the route does not have is a 405 problem titled in Dutch, the title hyphenated as slug."""
    response = api.client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Methode niet toegestaan"
    assert body["type"] == "https://verzuim-gateway.nl/problemen/methode-niet-toegestaan"
    assert body["instance"] == "/api/v1/health"


def test_a_validation_problem_counts_the_errors_and_names_the_first(api: Api) -> None:
    """An out-of-range query parameter of the meldingen list is named, in the detail and the errors."""
    response = api.client.get(f"{BASE}/meldingen", params={"limit": 0, "kind": "brief"}, headers=api.auth())
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Ongeldige invoer"
    assert body["detail"] == "2 fout(en), eerst in 'kind'"
    assert [e["field"] for e in body["errors"]] == ["kind", "limit"]


def test_a_configuration_error_is_a_503_that_does_not_show_its_cause(api: Api,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A gateway that is not set up right answers 503 and points to the administrator, not the details."""
    def unconfigured(*args: object, **kwargs: object) -> None:
        raise ConfigurationError("sleutelbestand /etc/geheim ontbreekt")

    monkeypatch.setattr("gateway.api.routes.list_meldingen", unconfigured)
    response = api.client.get(f"{BASE}/meldingen", headers=api.auth())
    assert response.status_code == 503
    body = response.json()
    assert body["type"].endswith("/configuratie") and "beheerder" in body["detail"]
    assert "geheim" not in response.text


def test_the_size_limit_answers_with_the_same_problem_document(api: Api) -> None:
    """The size limit refuses outside the app, yet with a full problem document titled like the rest."""
    big = json.dumps({"records": absences() * 200})
    response = api.client.post(f"{BASE}/attendance", content=big,
                               headers={**api.auth(), "content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {
        "type": "https://verzuim-gateway.nl/problemen/verzoek-te-groot", "title": "Verzoek te groot",
        "status": 413, "detail": f"het verzoek is groter dan {64 * 1024} bytes; lever in kleinere batches",
        "instance": f"{BASE}/attendance", "errors": []}


def test_a_framework_error_carries_no_english_default_detail(api: Api) -> None:
    """A path that does not exist: the Dutch title speaks; starlette's "Not Found" is not passed on."""
    response = api.client.get("/api/v1/bestaat-niet")
    assert response.status_code == 404
    assert response.json()["title"] == "Niet gevonden"
    assert response.json()["detail"] is None


def test_a_body_nested_too_deep_to_parse_is_refused_in_dutch(api: Api) -> None:
    """JSON nested thousands of levels deep (json.loads gives up) is a 400 with a Dutch reason."""
    deep = "[" * 20_000 + "]" * 20_000  # under the test app's 64 KiB limit, far past the parser's depth
    response = api.client.post(f"{BASE}/students", content=deep,
                               headers={**api.auth(), "content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["detail"] == "de body is geen leesbare JSON (bijvoorbeeld te diep genest)"
