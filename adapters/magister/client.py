"""HTTP client for Magister's web API: bearer tokens, retries, paging and window splitting.

Shaped on the API as public clients show it (``Items``/``TotalCount`` envelopes, PascalCase keys,
``/api/personen/{id}/absenties?van=&tot=``). Tokens come from the tenant's token endpoint with the
client-credentials grant and are renewed before they expire or on a 401; they are never logged.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, NoReturn, cast

import httpx
import structlog
import tenacity

from adapters.magister.config import MagisterConfig
from gateway.domain.errors import InvalidInput, SourceError, TransientSourceError
from gateway.intake.jsonsafe import MIB, load_json
from gateway.intake.limited_read import AnswerTooLarge, read_limited

log = structlog.get_logger(__name__)

_RETRY_HINT = re.compile(r"(\d+)\s*(?:seconden|seconds|sec)", re.IGNORECASE)
_HINT_SCAN = 500  # characters of an error page searched for a "try again in X s" hint
_TOKEN_MARGIN = 30.0  # renew this many seconds before the token expires
# A page of 1000 items is about a megabyte; an answer past this is broken or hostile, and it is
# not read to the end.
MAX_RESPONSE_BYTES = 64 * MIB


class CountMismatch(SourceError):
    """``TotalCount`` disagrees with the items received, even for a single day."""


class _RetryableFailure(TransientSourceError):
    """One failed attempt that is worth repeating; ``give_up`` words the error once attempts run out."""

    def give_up(self, attempts: int, wait: float) -> TransientSourceError:
        """The error that ends the call after ``attempts`` attempts (``wait``: the wait it would need)."""
        raise NotImplementedError


class _NoConnection(_RetryableFailure):
    """No answer at all: connection refused, reset or timed out."""

    def __init__(self, error: httpx.TransportError) -> None:
        super().__init__(f"Magister onbereikbaar ({type(error).__name__})")
        self.error = error

    def give_up(self, attempts: int, wait: float) -> TransientSourceError:
        """Unreachable after every attempt."""
        return TransientSourceError(
            f"Magister onbereikbaar na {attempts} pogingen ({type(self.error).__name__})")


class _ServerError(_RetryableFailure):
    """A 5xx answer."""

    def __init__(self, status: int) -> None:
        super().__init__(f"Magister antwoordt {status}")
        self.status = status

    def give_up(self, attempts: int, wait: float) -> TransientSourceError:
        """Still failing after every attempt."""
        return TransientSourceError(f"Magister antwoordt {self.status} na {attempts} pogingen")


class _Throttled(_RetryableFailure):
    """A 429: wait as long as Magister asks (``retry_after``; None when it did not say)."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__("Magister vraagt te wachten")
        self.retry_after = retry_after

    def give_up(self, attempts: int, wait: float) -> TransientSourceError:
        """Out of attempts, or asked to wait longer than the adapter will: the next sync tries again."""
        return TransientSourceError(f"Magister vraagt te wachten ({wait:.0f} s); later opnieuw")


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or a "try again in X s" hint."""
    value = response.headers.get("Retry-After")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - time.time())
    match = _RETRY_HINT.search(response.text[:_HINT_SCAN])
    return float(match.group(1)) if match else None


def _asks_to_log_in(status: int) -> bool:
    """A 401 (expired token) or a redirect (to the login page): the token is no longer good."""
    return status == HTTPStatus.UNAUTHORIZED or HTTPStatus.MULTIPLE_CHOICES <= status < HTTPStatus.BAD_REQUEST


def _last_failure(state: tenacity.RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None else None


class _WaitAsAskedOr(tenacity.wait.wait_base):
    """Wait what a 429 asked for; else (no hint, or another failure) the ``backoff`` strategy."""

    def __init__(self, backoff: tenacity.wait.wait_base) -> None:
        self.backoff = backoff

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        failure = _last_failure(retry_state)
        if isinstance(failure, _Throttled) and failure.retry_after is not None:
            return failure.retry_after
        return float(self.backoff(retry_state))


class _StopWhenThrottledBeyond(tenacity.stop.stop_base):
    """Stop when a 429's wait exceeds ``limit`` seconds: not slept through, the next sync tries again.

    Reads the wait tenacity has just computed (``upcoming_sleep``): since tenacity 8.3 the wait is
    worked out before the stop strategy runs, as its own ``stop_before_delay`` relies on."""

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return (isinstance(_last_failure(retry_state), _Throttled)
                and retry_state.upcoming_sleep > self.limit)


def _give_up(state: tenacity.RetryCallState) -> NoReturn:
    """End the call with the last failure, worded with the attempts made."""
    failure = cast(_RetryableFailure, _last_failure(state))  # only these are retried, so only these run out
    raise failure.give_up(state.attempt_number, state.upcoming_sleep) from failure.__cause__


def _log_throttled(state: tenacity.RetryCallState) -> None:
    if isinstance(_last_failure(state), _Throttled):
        log.info("magister.throttled", wait=state.upcoming_sleep)


@dataclass
class _Call:
    """One ``get_json`` call: what to get, and whether it already logged in again (only once)."""

    path: str
    params: dict[str, Any]
    reauthenticated: bool = False
    token: str | None = None  # the bearer token of the last request


class MagisterClient:
    """One tenant's API; every call goes through ``get_json`` with auth and retries."""

    def __init__(self, config: MagisterConfig, *, sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self._sleep = sleep
        self._monotonic = monotonic
        self._http = httpx.Client(base_url=config.base_url.rstrip("/"), timeout=config.timeout,
                                  verify=config.verify, follow_redirects=False, transport=transport)
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()  # a source reads several students at once
        self.requests = 0  # for tests and benchmarks

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    # --- auth ------------------------------------------------------------------------------

    def _authenticate(self) -> str:
        try:
            response = self._http.post("/connect/token", data={
                "grant_type": "client_credentials",
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret.get_secret_value(),
            })
        except httpx.TransportError as exc:
            raise TransientSourceError(f"Magister-inlogdienst onbereikbaar ({type(exc).__name__})") from exc
        if (response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR
                or response.status_code == HTTPStatus.TOO_MANY_REQUESTS):
            raise TransientSourceError(f"Magister-inlogdienst antwoordt {response.status_code}")
        if response.status_code != HTTPStatus.OK:
            raise SourceError(
                f"Magister weigert de inloggegevens van client '{self.config.client_id}' "
                f"(HTTP {response.status_code}); controleer client_id en client_secret"
            )
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError("Magister-inlogdienst gaf geen bruikbaar token terug") from exc
        self._token = token
        self._token_expires = self._monotonic() + lifetime
        log.info("magister.authenticated", expires_in=lifetime)
        return token

    def _bearer(self) -> str:
        with self._token_lock:
            if self._token is None or self._monotonic() >= self._token_expires - _TOKEN_MARGIN:
                return self._authenticate()
            return self._token

    def _forget(self, token: str | None) -> None:
        """Drop ``token`` after a 401, unless another call has already logged in again."""
        with self._token_lock:
            if self._token == token:
                self._token = None

    # --- requests --------------------------------------------------------------------------

    def _retrying(self) -> tenacity.Retrying:
        """Connection errors, 5xx and 429 are tried ``max_attempts`` times in all. Between attempts:
        what a 429 asks for, else ``backoff_seconds * 2**(attempt - 1)`` plus up to half that again
        as jitter. A 429 asking more than ``max_retry_after`` ends the call at once."""
        backoff = self.config.backoff_seconds
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_RetryableFailure),
            wait=_WaitAsAskedOr(tenacity.wait_exponential(multiplier=backoff)
                                + tenacity.wait_random_exponential(multiplier=backoff / 2)),
            stop=(tenacity.stop_after_attempt(self.config.max_attempts)
                  | _StopWhenThrottledBeyond(self.config.max_retry_after)),
            sleep=self._sleep,
            before_sleep=_log_throttled,
            retry_error_callback=_give_up,
        )

    def get_json(self, path: str, params: dict[str, Any]) -> Any:
        """GET ``path`` as JSON: re-authenticates once on 401, honours 429 Retry-After, retries 5xx."""
        return self._retrying()(self._attempt, _Call(path, params))

    def _attempt(self, call: _Call) -> Any:
        """One attempt; logging in again after a 401 is part of it, not an attempt of its own."""
        while True:
            response = self._send(call)
            if not _asks_to_log_in(response.status_code):
                return _read_json(call.path, response)
            self._forget(call.token)
            if call.reauthenticated:
                raise SourceError("Magister weigert het nieuwe token ook (401); controleer de rechten")
            call.reauthenticated = True

    def _send(self, call: _Call) -> httpx.Response:
        call.token = self._bearer()
        headers = {"Authorization": f"Bearer {call.token}", "Accept": "application/json"}
        self.requests += 1
        request = self._http.build_request("GET", call.path, params=call.params, headers=headers)
        try:
            streamed = self._http.send(request, stream=True)
            try:
                return read_limited(streamed, MAX_RESPONSE_BYTES)
            except AnswerTooLarge as exc:
                raise SourceError(f"Magister-antwoord op {call.path} {exc}") from exc
            finally:
                streamed.close()
        except httpx.TransportError as exc:
            raise _NoConnection(exc) from exc

    def get_page(self, path: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        """One ``Items``/``TotalCount`` envelope."""
        body = self.get_json(path, params)
        if not isinstance(body, dict) or not isinstance(body.get("Items"), list):
            raise SourceError(f"Magister gaf op {path} geen Items-lijst terug")
        total = body.get("TotalCount")
        items = [item for item in body["Items"] if isinstance(item, dict)]
        return items, int(total) if isinstance(total, int) else len(items)

    def get_paged(self, path: str) -> list[dict[str, Any]]:
        """All items of a ``top``/``skip`` list; short pages are followed until ``TotalCount``."""
        items: list[dict[str, Any]] = []
        while True:
            page, total = self.get_page(path, {"top": self.config.page_size, "skip": len(items)})
            items.extend(page)
            if len(items) >= total:
                return items
            if not page:
                raise TransientSourceError(
                    f"Magister meldt {total} items op {path} maar gaf er {len(items)}; later opnieuw")

    def get_window(self, path: str, start: date, end: date) -> list[dict[str, Any]]:
        """All items of a ``van``/``tot`` window (both inclusive); a window whose ``TotalCount`` does
        not match the items is split in halves, down to single days."""
        items, total = self.get_page(path, {"van": start.isoformat(), "tot": end.isoformat()})
        if total == len(items):
            return items
        if start >= end:
            raise CountMismatch(
                f"Magister meldt {total} items op {path} voor {start} maar gaf er {len(items)}")
        middle = start + timedelta(days=(end - start).days // 2)
        return self.get_window(path, start, middle) + self.get_window(path, middle + timedelta(days=1), end)



def _read_json(path: str, response: httpx.Response) -> Any:
    """The body of a final answer; a 429 or 5xx raises a failure worth another attempt."""
    if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
        raise _Throttled(_retry_after(response))
    if response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
        raise _ServerError(response.status_code)
    if response.status_code >= HTTPStatus.BAD_REQUEST:
        raise SourceError(f"Magister weigert {path} (HTTP {response.status_code})")
    try:
        return load_json(response.content, where=path, max_bytes=MAX_RESPONSE_BYTES)
    except InvalidInput as exc:  # its text names the path: "<path>: <why>"
        raise SourceError(f"Magister gaf geen JSON terug op {exc}") from exc
