"""HTTP client for Magister's web API: bearer tokens, retries, paging and window splitting.

Shaped on the API as public clients show it (``Items``/``TotalCount`` envelopes, PascalCase keys,
``/api/personen/{id}/absenties?van=&tot=``). Tokens come from the tenant's token endpoint with the
client-credentials grant and are renewed before they expire or on a 401; they are never logged.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from datetime import date, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import structlog

from adapters.magister.config import MagisterConfig
from gateway.domain.errors import SourceError, TransientSourceError

log = structlog.get_logger(__name__)

_RETRY_HINT = re.compile(r"(\d+)\s*(?:seconden|seconds|sec)", re.IGNORECASE)
_TOKEN_MARGIN = 30.0  # renew this many seconds before the token expires


class CountMismatch(SourceError):
    """``TotalCount`` disagrees with the items received, even for a single day."""


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
    match = _RETRY_HINT.search(response.text[:500])
    return float(match.group(1)) if match else None


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
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientSourceError(f"Magister-inlogdienst antwoordt {response.status_code}")
        if response.status_code != 200:
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
        if self._token is None or self._monotonic() >= self._token_expires - _TOKEN_MARGIN:
            return self._authenticate()
        return self._token

    # --- requests --------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        base = self.config.backoff_seconds * (2 ** (attempt - 1))
        return float(base + random.uniform(0, base / 2))  # noqa: S311 - jitter, not security

    def get_json(self, path: str, params: dict[str, Any]) -> Any:
        """GET ``path`` as JSON: re-authenticates once on 401, honours 429 Retry-After, retries 5xx."""
        reauthenticated = False
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.config.max_attempts
            headers = {"Authorization": f"Bearer {self._bearer()}", "Accept": "application/json"}
            try:
                self.requests += 1
                response = self._http.get(path, params=params, headers=headers)
            except httpx.TransportError as exc:
                if last:
                    raise TransientSourceError(
                        f"Magister onbereikbaar na {attempt} pogingen ({type(exc).__name__})") from exc
                self._sleep(self._backoff(attempt))
                continue
            status = response.status_code
            if status == 401 or 300 <= status < 400:  # expired token, or a redirect to the login page
                self._token = None
                if reauthenticated:
                    raise SourceError("Magister weigert het nieuwe token ook (401); controleer de rechten")
                reauthenticated = True
                attempt -= 1  # re-authenticating is not a failed attempt
                continue
            if status == 429:
                wait = _retry_after(response)
                wait = self._backoff(attempt) if wait is None else wait
                if last or wait > self.config.max_retry_after:
                    raise TransientSourceError(f"Magister vraagt te wachten ({wait:.0f} s); later opnieuw")
                log.info("magister.throttled", wait=wait)
                self._sleep(wait)
                continue
            if status >= 500:
                if last:
                    raise TransientSourceError(f"Magister antwoordt {status} na {attempt} pogingen")
                self._sleep(self._backoff(attempt))
                continue
            if status >= 400:
                raise SourceError(f"Magister weigert {path} (HTTP {status})")
            try:
                return response.json()
            except ValueError as exc:
                raise SourceError(f"Magister gaf geen JSON terug op {path}") from exc

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
