"""/docs and /redoc work offline (assets from the installed package), and the OpenAPI document they show
explains every operation, field and parameter, with an example for every body."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, cast

import pytest

from gateway.api.app import ApiSettings, create_app
from gateway.api.docs import CACHE_CONTROL
from gateway.console.app import console_routers
from gateway.delivery.routing import load_directory_data
from gateway.store import Store
from tests.api.conftest import Api

PAGES = ("/docs", "/redoc")
ASSET_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
URL = re.compile(r"https?://[^\s\"'<>)]+")
ASSET_REF = re.compile(r"(?:src|href)=\"([^\"]+)\"")
METHODS = ("get", "put", "post", "delete", "patch")
# The whole app as `verzuim-gateway serve` builds it: the push API, the feedback API and the console.
# The OpenAPI document does not depend on the store.
SPEC: dict[str, Any] = create_app(ApiSettings(), cast(Store, None),
                                  extra_routers=console_routers(directory=load_directory_data())).openapi()


def _operations() -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def _schema(ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    return SPEC["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else ref_or_schema


def _has_example(media: dict[str, Any]) -> bool:
    schema = _schema(media.get("schema", {}))
    return any(key in holder for holder in (media, schema) for key in ("example", "examples"))


def _assets(api: Api, page: str) -> list[str]:
    return ASSET_REF.findall(api.client.get(page).text)


@pytest.mark.parametrize("page", PAGES)
def test_a_docs_page_names_no_other_host(api: Api, page: str) -> None:
    """Offline, a page that loads anything from a CDN stays blank: no URL in it points elsewhere."""
    response = api.client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    foreign = [url for url in URL.findall(response.text) if not url.startswith(api.url)]
    assert foreign == [], f"{page} laadt van buiten de gateway: {foreign}"


@pytest.mark.parametrize("page", PAGES)
def test_a_docs_page_loads_its_script_and_favicon_from_the_gateway(api: Api, page: str) -> None:
    """Each page references the packaged script and the favicon under /docs/static."""
    names = {ref.split("?")[0].rsplit("/", 1)[-1] for ref in _assets(api, page)}
    script = "swagger-ui-bundle.js" if page == "/docs" else "redoc.standalone.js"
    assert {script, "favicon.png"} <= names
    assert all(ref.startswith("/docs/static/") for ref in _assets(api, page)), _assets(api, page)


@pytest.mark.parametrize("page", PAGES)
def test_every_asset_a_page_references_answers_with_its_media_type(api: Api, page: str) -> None:
    """The scripts answer as JavaScript, the stylesheet as CSS, the favicon as PNG, each not empty."""
    for ref in _assets(api, page):
        response = api.client.get(ref)
        suffix = "." + ref.split("?")[0].rsplit(".", 1)[-1]
        assert response.status_code == 200, ref
        assert response.headers["content-type"].split(";")[0] == ASSET_TYPES[suffix], ref
        assert len(response.content) > 1000, ref


def test_an_asset_may_be_cached_for_a_year(api: Api) -> None:
    """The URLs carry the package version, so a browser keeps an asset without asking again."""
    response = api.client.get("/docs/static/swagger-ui-bundle.js")
    assert response.headers["cache-control"] == CACHE_CONTROL
    assert "max-age=31536000" in CACHE_CONTROL and response.headers["etag"]


def test_an_asset_the_browser_still_holds_is_not_sent_again(api: Api) -> None:
    """A request with the asset's entity tag answers 304 without a body."""
    etag = api.client.get("/docs/static/swagger-ui.css").headers["etag"]
    response = api.client.get("/docs/static/swagger-ui.css", headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.content == b""


@pytest.mark.parametrize("name", ["console.css", "..%2F__init__.py", "static", "core.py"])
def test_only_the_documentation_assets_are_served(api: Api, name: str) -> None:
    """Any other name under /docs/static is a 404 problem, also one that tries to leave the folder."""
    response = api.client.get(f"/docs/static/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_oauth2_redirect_page_is_served_without_other_hosts(api: Api) -> None:
    """Swagger UI's OAuth2 redirect page is there and self-contained."""
    response = api.client.get("/docs/oauth2-redirect")
    assert response.status_code == 200 and URL.findall(response.text) == []


def test_every_operation_has_a_summary_and_a_description() -> None:
    """Swagger UI and ReDoc list operations by summary and explain them by description."""
    missing = [name for name, op in _operations() if not (op.get("summary") and op.get("description"))]
    assert missing == [], f"zonder summary of description: {missing}"


def test_every_request_body_has_an_example() -> None:
    """A vendor sees a body it can send."""
    missing = [f"{name} ({media_type})" for name, op in _operations()
               for media_type, media in op.get("requestBody", {}).get("content", {}).items()
               if not _has_example(media)]
    assert missing == [], f"request body zonder voorbeeld: {missing}"


def test_every_successful_json_answer_has_an_example() -> None:
    """Every 2xx JSON answer shows an example, on the media type or on its schema."""
    missing = [f"{name} {code}" for name, op in _operations()
               for code, response in op["responses"].items() if code.startswith("2")
               for media_type, media in response.get("content", {}).items()
               if "json" in media_type and not _has_example(media)]
    assert missing == [], f"antwoord zonder voorbeeld: {missing}"


def test_every_problem_answer_has_an_example() -> None:
    """An error answer is documented as problem+json with an example problem."""
    missing = [f"{name} {code}" for name, op in _operations()
               for code, response in op["responses"].items() if code[0] in "45"
               if "example" not in response.get("content", {}).get("application/problem+json", {})]
    assert missing == [], f"foutantwoord zonder problem+json-voorbeeld: {missing}"


def test_every_field_of_every_schema_is_described() -> None:
    """Every property of every component schema says what it holds."""
    missing = [f"{schema_name}.{field}" for schema_name, schema in SPEC["components"]["schemas"].items()
               for field, prop in schema.get("properties", {}).items() if not prop.get("description")]
    assert missing == [], f"velden zonder description: {missing}"


def test_every_parameter_is_described() -> None:
    """Path, query and header parameters say what they mean."""
    missing = [f"{name} {param['in']}:{param['name']}" for name, op in _operations()
               for param in op.get("parameters", []) if not param.get("description")]
    assert missing == [], f"parameters zonder description: {missing}"


def test_the_console_and_the_docs_stay_out_of_the_api_document() -> None:
    """The document describes the API only: no console page, no documentation page."""
    assert [path for path in SPEC["paths"] if not path.startswith("/api/")] == []
    assert "/api/v1/feedback" in SPEC["paths"]  # the receivers' API is in, the console beside it is not
