"""The push API fuzzed with schemathesis over real HTTP: no server error, no answer outside the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.api.app import ApiSettings, create_app
from gateway.api.keys import create_api_key
from gateway.api.server import serve_in_thread
from gateway.store import Store
from tests.api.conftest import make_store
from tests.api.helpers import AS_OF, SCHOOL

SETTINGS = ApiSettings(max_body_bytes=256 * 1024)
# The OpenAPI document does not depend on the store: load it once, fuzz the running server below.
schema = schemathesis.openapi.from_dict(
    create_app(SETTINGS, cast(Store, None)).openapi())


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The app on loopback with its own store (one per test session, so per xdist worker)."""
    tmp = tmp_path_factory.mktemp("fuzz")
    store = make_store(tmp)
    _, key = create_api_key(store, SCHOOL.id, actor="test")
    app = create_app(SETTINGS, store, clock=lambda: AS_OF)
    with serve_in_thread(app) as handle:
        yield handle.url, key
    store.close()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_push_api_answers_within_its_schema(case: Any, server: tuple[str, str]) -> None:
    """Whatever a vendor sends, the API answers with a declared status and a body matching it."""
    url, key = server
    if "school_id" in (case.path_parameters or {}):
        case.path_parameters["school_id"] = SCHOOL.id  # authorised: fuzz past the key check
    case.call_and_validate(
        base_url=url, headers={"Authorization": f"Bearer {key}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance],
    )
