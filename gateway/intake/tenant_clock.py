"""Moving a test tenant's clock over HTTP, so the conformance kit can show corrections from the command line.

A tenant (the stand-ins, or a vendor's own test tenant) that offers ``PUT <url>`` with the body
``{"today": "YYYY-MM-DD"}`` lets ``verzuim-gateway adapter check`` read the reference school the day
before a correction and again on the as-of day. The check configuration names it:

    [clock]
    url = "http://127.0.0.1:8081/sandbox/klok"
    token = "..."        # sent as ``Authorization: Bearer``; optional
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.errors import SourceError


class TenantClock(BaseModel):
    """The ``[clock]`` section of a check configuration."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://", description="PUT {\"today\": \"YYYY-MM-DD\"} moves the clock")
    token: str | None = None
    timeout: float = Field(10.0, gt=0)


def http_clock(clock: TenantClock) -> Callable[[date], None]:
    """``move_to(day)`` for the kit: sets the tenant's clock, or raises ``SourceError`` saying why not."""
    headers = {"Authorization": f"Bearer {clock.token}"} if clock.token else {}

    def move_to(day: date) -> None:
        try:
            response = httpx.put(clock.url, json={"today": day.isoformat()}, headers=headers,
                                 timeout=clock.timeout)
        except httpx.HTTPError as exc:
            raise SourceError(f"klok van de testomgeving niet te verzetten ({type(exc).__name__})") from exc
        if response.status_code >= 300:  # noqa: PLR2004  any non-success answer
            raise SourceError(f"klok van de testomgeving niet te verzetten (HTTP {response.status_code})")

    return move_to
