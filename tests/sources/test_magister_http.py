"""HTTP edge cases of the Magister client, with respx: auth, throttling, errors, paging, counts."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import httpx
import pytest
import respx
import structlog
from structlog.testing import capture_logs

from adapters.magister import create_source
from adapters.magister.client import MagisterClient
from adapters.magister.config import MagisterConfig
from adapters.magister.source import MagisterSource
from gateway.domain.errors import ConfigurationError, SourceError, TransientSourceError
from tests.sources.magister_items import absentie, afspraak, envelope, leerling

BASE = "https://school.magister.test"
TOKEN_URL = f"{BASE}/connect/token"


def _config(**extra: Any) -> MagisterConfig:
    settings: dict[str, Any] = {"max_attempts": 3, **extra}
    return MagisterConfig(base_url=BASE, client_id="gw", client_secret="s3cr3t", brin="99XX",
                          today=date(2026, 9, 4), since=date(2026, 8, 31), **settings)


def _token(value: str = "tok-1", expires_in: int = 3600) -> httpx.Response:
    return httpx.Response(200, json={"access_token": value, "expires_in": expires_in})


class Sleeps(list[float]):
    """Records requested waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def mock() -> Any:
    with respx.mock(assert_all_called=False) as router:
        yield router


def test_expired_token_is_renewed_once_on_401(mock: respx.MockRouter) -> None:
    """A 401 means the token expired: log in again and repeat the call."""
    mock.post(TOKEN_URL).mock(side_effect=[_token("old"), _token("new")])
    route = mock.get(f"{BASE}/api/leerlingen").mock(
        side_effect=[httpx.Response(401), httpx.Response(200, json=envelope([leerling()]))])
    assert len(MagisterClient(_config()).get_paged("/api/leerlingen")) == 1
    assert route.calls[1].request.headers["Authorization"] == "Bearer new"


def test_redirect_to_login_counts_as_expired(mock: respx.MockRouter) -> None:
    """A redirect to accounts.magister.net also means: log in again."""
    mock.post(TOKEN_URL).mock(side_effect=[_token("old"), _token("new")])
    mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.Response(302, headers={"Location": "https://accounts.magister.net/"}),
        httpx.Response(200, json=envelope([]))])
    assert MagisterClient(_config()).get_paged("/api/leerlingen") == []


def test_second_401_after_new_token_is_an_error(mock: respx.MockRouter) -> None:
    """When a fresh token is refused too, the rights are wrong: stop with a clear error."""
    mock.post(TOKEN_URL).mock(side_effect=[_token("a"), _token("b")])
    mock.get(f"{BASE}/api/leerlingen").mock(return_value=httpx.Response(401))
    with pytest.raises(SourceError, match="nieuwe token ook"):
        MagisterClient(_config()).get_paged("/api/leerlingen")


def test_token_is_renewed_before_it_expires(mock: respx.MockRouter) -> None:
    """A token close to its expiry is replaced before the call, not after a 401."""
    now = [0.0]
    token = mock.post(TOKEN_URL).mock(side_effect=[_token("a", 100), _token("b", 100)])
    mock.get(f"{BASE}/api/leerlingen").mock(return_value=httpx.Response(200, json=envelope([])))
    client = MagisterClient(_config(), monotonic=lambda: now[0])
    client.get_paged("/api/leerlingen")
    now[0] = 80.0
    client.get_paged("/api/leerlingen")
    assert token.call_count == 2


def test_refused_credentials_are_a_clear_error(mock: respx.MockRouter) -> None:
    """Wrong client credentials: an error naming the client, never the secret."""
    mock.post(TOKEN_URL).mock(return_value=httpx.Response(400, json={"error": "invalid_client"}))
    with pytest.raises(SourceError, match="client 'gw'") as caught:
        MagisterClient(_config()).get_paged("/api/leerlingen")
    assert "s3cr3t" not in str(caught.value)


def test_token_endpoint_down_is_transient(mock: respx.MockRouter) -> None:
    """A 5xx from the login service is worth retrying later."""
    mock.post(TOKEN_URL).mock(return_value=httpx.Response(503))
    with pytest.raises(TransientSourceError):
        MagisterClient(_config()).get_paged("/api/leerlingen")


def test_token_response_without_token_is_an_error(mock: respx.MockRouter) -> None:
    """A login answer without access_token is refused."""
    mock.post(TOKEN_URL).mock(return_value=httpx.Response(200, json={"nope": 1}))
    with pytest.raises(SourceError, match="geen bruikbaar token"):
        MagisterClient(_config()).get_paged("/api/leerlingen")


def test_tokens_and_secrets_never_reach_the_log(mock: respx.MockRouter) -> None:
    """Log events carry no bearer token or client secret."""
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    mock.post(TOKEN_URL).mock(return_value=_token("very-secret-token"))
    mock.get(f"{BASE}/api/leerlingen").mock(return_value=httpx.Response(200, json=envelope([])))
    try:
        with capture_logs() as logs:
            MagisterClient(_config()).get_paged("/api/leerlingen")
    finally:
        structlog.configure(**saved)
    assert logs and "very-secret-token" not in repr(logs) and "s3cr3t" not in repr(logs)


def test_429_waits_as_retry_after_says(mock: respx.MockRouter) -> None:
    """A 429 with Retry-After: wait that long, then try again."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=envelope([]))])
    sleeps = Sleeps()
    MagisterClient(_config(), sleep=sleeps).get_paged("/api/leerlingen")
    assert sleeps == [7.0]


def test_429_hint_in_body_is_honoured(mock: respx.MockRouter) -> None:
    """Magister may say 'probeer het over 12 seconden opnieuw' instead of a header."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.Response(429, text="Probeer het over 12 seconden opnieuw"),
        httpx.Response(200, json=envelope([]))])
    sleeps = Sleeps()
    MagisterClient(_config(), sleep=sleeps).get_paged("/api/leerlingen")
    assert sleeps == [12.0]


def test_429_asking_too_long_a_wait_gives_up_for_now(mock: respx.MockRouter) -> None:
    """A wait beyond max_retry_after is not slept through: a transient error for the next sync."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    sleeps = Sleeps()
    with pytest.raises(TransientSourceError, match="3600"):
        MagisterClient(_config(max_retry_after=60), sleep=sleeps).get_paged("/api/leerlingen")
    assert sleeps == []


def test_5xx_is_retried_with_backoff(mock: respx.MockRouter) -> None:
    """A 502 then a 200: one backoff wait, then the data."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.Response(502), httpx.Response(200, json=envelope([leerling()]))])
    sleeps = Sleeps()
    assert len(MagisterClient(_config(), sleep=sleeps).get_paged("/api/leerlingen")) == 1
    assert len(sleeps) == 1


def test_5xx_that_persists_is_transient_after_max_attempts(mock: respx.MockRouter) -> None:
    """Magister down: retry max_attempts times, then a transient error."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    route = mock.get(f"{BASE}/api/leerlingen").mock(return_value=httpx.Response(500))
    with pytest.raises(TransientSourceError, match="500 na 3 pogingen"):
        MagisterClient(_config(), sleep=Sleeps()).get_paged("/api/leerlingen")
    assert route.call_count == 3


def test_connection_error_is_transient(mock: respx.MockRouter) -> None:
    """No connection at all: transient, chained to the transport error."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransientSourceError) as caught:
        MagisterClient(_config(), sleep=Sleeps()).get_paged("/api/leerlingen")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_other_4xx_is_an_error(mock: respx.MockRouter) -> None:
    """A 403 (no right to read absences) is not retried."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    route = mock.get(f"{BASE}/api/leerlingen").mock(return_value=httpx.Response(403))
    with pytest.raises(SourceError, match="HTTP 403"):
        MagisterClient(_config()).get_paged("/api/leerlingen")
    assert route.call_count == 1


def test_backoff_doubles_per_attempt_with_up_to_half_again_as_jitter(mock: respx.MockRouter) -> None:
    """Waits after failed attempts 1, 2, 3: backoff_seconds times 1, 2, 4, each plus at most half."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(return_value=httpx.Response(503))
    sleeps = Sleeps()
    with pytest.raises(TransientSourceError, match="503 na 4 pogingen"):
        MagisterClient(_config(max_attempts=4, backoff_seconds=1.0),
                       sleep=sleeps).get_paged("/api/leerlingen")
    assert len(sleeps) == 3
    assert [base <= wait <= base * 1.5 for wait, base in zip(sleeps, (1, 2, 4), strict=True)] == [True] * 3


def test_connection_error_is_retried(mock: respx.MockRouter) -> None:
    """A dropped connection then an answer: one backoff wait, then the data."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.ConnectError("refused"), httpx.Response(200, json=envelope([leerling()]))])
    sleeps = Sleeps()
    assert len(MagisterClient(_config(), sleep=sleeps).get_paged("/api/leerlingen")) == 1
    assert len(sleeps) == 1


def test_connection_error_that_persists_names_the_attempts(mock: respx.MockRouter) -> None:
    """No connection on any attempt: the error says how often it was tried and what failed."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    route = mock.get(f"{BASE}/api/leerlingen").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransientSourceError, match=r"onbereikbaar na 3 pogingen \(ConnectError\)"):
        MagisterClient(_config(), sleep=Sleeps()).get_paged("/api/leerlingen")
    assert route.call_count == 3


def test_logging_in_again_is_not_one_of_the_attempts(mock: respx.MockRouter) -> None:
    """A 401 then two 5xx and a 200 fit in three attempts: re-authenticating costs none."""
    mock.post(TOKEN_URL).mock(side_effect=[_token("old"), _token("new")])
    route = mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.Response(401), httpx.Response(500), httpx.Response(500),
        httpx.Response(200, json=envelope([]))])
    assert MagisterClient(_config(), sleep=Sleeps()).get_paged("/api/leerlingen") == []
    assert route.call_count == 4


def test_401_after_a_retry_that_followed_a_new_token_is_an_error(mock: respx.MockRouter) -> None:
    """One call logs in again only once, also when a 5xx lies between the two 401s."""
    mock.post(TOKEN_URL).mock(side_effect=[_token("a"), _token("b"), _token("c")])
    mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.Response(401), httpx.Response(502), httpx.Response(401),
        httpx.Response(200, json=envelope([]))])
    with pytest.raises(SourceError, match="nieuwe token ook"):
        MagisterClient(_config(), sleep=Sleeps()).get_paged("/api/leerlingen")


def test_login_service_failure_is_not_retried_by_the_call(mock: respx.MockRouter) -> None:
    """A 503 from the token endpoint ends the call at once: the next sync tries again."""
    token = mock.post(TOKEN_URL).mock(return_value=httpx.Response(503))
    sleeps = Sleeps()
    with pytest.raises(TransientSourceError, match="inlogdienst antwoordt 503"):
        MagisterClient(_config(), sleep=sleeps).get_paged("/api/leerlingen")
    assert (token.call_count, sleeps) == (1, [])


def test_429_without_a_hint_waits_the_backoff(mock: respx.MockRouter) -> None:
    """A 429 that does not say how long: the same wait as after a 5xx."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.Response(429, text="Too Many Requests"), httpx.Response(200, json=envelope([]))])
    sleeps = Sleeps()
    MagisterClient(_config(backoff_seconds=2.0), sleep=sleeps).get_paged("/api/leerlingen")
    assert len(sleeps) == 1 and 2.0 <= sleeps[0] <= 3.0


def test_retry_after_date_in_the_past_retries_at_once(mock: respx.MockRouter) -> None:
    """Retry-After as an HTTP date that has already passed: no wait."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        httpx.Response(200, json=envelope([]))])
    sleeps = Sleeps()
    MagisterClient(_config(), sleep=sleeps).get_paged("/api/leerlingen")
    assert sleeps == [0.0]


def test_429_on_every_attempt_is_transient_after_max_attempts(mock: respx.MockRouter) -> None:
    """Throttled on each of the attempts: waited between them, then a transient error naming the wait."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    route = mock.get(f"{BASE}/api/leerlingen").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "4"}))
    sleeps = Sleeps()
    with pytest.raises(TransientSourceError, match=r"vraagt te wachten \(4 s\)"):
        MagisterClient(_config(), sleep=sleeps).get_paged("/api/leerlingen")
    assert (route.call_count, sleeps) == (3, [4.0, 4.0])


def test_throttled_wait_is_logged(mock: respx.MockRouter) -> None:
    """A wait a 429 asked for shows in the log with its length."""
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=envelope([]))])
    try:
        with capture_logs() as logs:
            MagisterClient(_config(), sleep=Sleeps()).get_paged("/api/leerlingen")
    finally:
        structlog.configure(**saved)
    assert [e["wait"] for e in logs if e["event"] == "magister.throttled"] == [7.0]


def test_non_json_answer_is_an_error(mock: respx.MockRouter) -> None:
    """An HTML error page instead of JSON is reported, not parsed."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(return_value=httpx.Response(200, text="<html>"))
    with pytest.raises(SourceError, match="geen JSON"):
        MagisterClient(_config()).get_paged("/api/leerlingen")


def test_short_pages_are_followed_until_total_count(mock: respx.MockRouter) -> None:
    """The server returns fewer items than asked: keep paging with skip until TotalCount."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    route = mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.Response(200, json=envelope([leerling(1), leerling(2)], total=3)),
        httpx.Response(200, json=envelope([leerling(3)], total=3))])
    assert [i["Id"] for i in MagisterClient(_config()).get_paged("/api/leerlingen")] == [1, 2, 3]
    assert route.calls[1].request.url.params["skip"] == "2"


def test_empty_page_before_total_count_is_transient(mock: respx.MockRouter) -> None:
    """TotalCount promises more but a page is empty: do not pretend the list is complete."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(side_effect=[
        httpx.Response(200, json=envelope([leerling(1)], total=5)),
        httpx.Response(200, json=envelope([], total=5))])
    with pytest.raises(TransientSourceError, match="5 items"):
        MagisterClient(_config()).get_paged("/api/leerlingen")


def test_count_mismatch_splits_the_window(mock: respx.MockRouter) -> None:
    """TotalCount above the items of a window: read the halves instead."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    lesson = afspraak(7, date(2026, 9, 1))
    route = mock.get(f"{BASE}/api/personen/1000/absenties").mock(side_effect=[
        httpx.Response(200, json=envelope([], total=1)),
        httpx.Response(200, json=envelope([absentie(1, lesson, date(2026, 9, 1))])),
        httpx.Response(200, json=envelope([]))])
    items = MagisterClient(_config()).get_window("/api/personen/1000/absenties",
                                                 date(2026, 8, 31), date(2026, 9, 3))
    assert len(items) == 1
    assert [c.request.url.params["tot"] for c in route.calls] == ["2026-09-03", "2026-09-01", "2026-09-03"]


def test_count_mismatch_on_one_day_holds_the_student_back(mock: respx.MockRouter) -> None:
    """When even a single day does not add up, that student's records are held back with a problem."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(return_value=httpx.Response(
        200, json=envelope([leerling(1000, "100001"), leerling(1001, "100002")])))
    mock.get(f"{BASE}/api/personen/1000/afspraken").mock(
        return_value=httpx.Response(200, json=envelope([], total=2)))
    mock.get(f"{BASE}/api/personen/1001/afspraken").mock(
        return_value=httpx.Response(200, json=envelope([afspraak(9, date(2026, 9, 1))])))
    mock.get(f"{BASE}/api/personen/1001/absenties").mock(
        return_value=httpx.Response(200, json=envelope([])))
    batch = MagisterSource(_config()).fetch(None)
    assert {r.student_id for r in batch.records} == {"99XX-100002"}
    assert [p.where for p in batch.problems] == ["leerling 99XX-100001"]
    assert len(batch.students) == 2


def test_envelope_without_items_is_an_error(mock: respx.MockRouter) -> None:
    """A body that is not an Items envelope is refused."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(return_value=httpx.Response(200, json={"items": []}))
    with pytest.raises(SourceError, match="geen Items-lijst"):
        MagisterClient(_config()).get_paged("/api/leerlingen")


def test_malformed_student_is_a_problem_not_a_crash(mock: respx.MockRouter) -> None:
    """One bad student item is reported; the others load."""
    mock.post(TOKEN_URL).mock(return_value=_token())
    mock.get(f"{BASE}/api/leerlingen").mock(return_value=httpx.Response(
        200, json=envelope([leerling(1000, "100001", Leerweg="X"), leerling(1001, "100002")])))
    mock.get(url__regex=rf"{BASE}/api/personen/1001/.*").mock(
        return_value=httpx.Response(200, json=envelope([])))
    batch = MagisterSource(_config()).fetch(None)
    assert [s.id for s in batch.students] == ["99XX-100002"]
    assert "leerweg" in batch.problems[0].message


def test_invalid_configuration_names_the_key() -> None:
    """A configuration without a BRIN is refused with the key named."""
    with pytest.raises(ConfigurationError, match="brin"):
        create_source({"base_url": BASE, "client_id": "x", "client_secret": "y"})
