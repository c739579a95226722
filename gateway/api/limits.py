"""Request size limit: an ASGI middleware that refuses bodies over a maximum with 413 problem+json."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import status

from gateway.api.problems import PROBLEM_MEDIA_TYPE, http_problem, problem_document

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Any]]


def _length(value: bytes) -> int:
    """A ``Content-Length`` value; an unreadable one counts as none (the body is then counted)."""
    try:
        return int(value)
    except ValueError:
        return 0


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that first gives the whole ``body`` once, then what the client sends next."""
    delivered = False

    async def replay() -> Any:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class BodySizeLimit:
    """Refuse a declared ``Content-Length`` over ``max_bytes`` at once; count streamed bodies too."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, scope: Scope, send: Any) -> None:
        problem = http_problem(status.HTTP_413_CONTENT_TOO_LARGE,
                               f"het verzoek is groter dan {self.max_bytes} bytes; lever in kleinere batches")
        body = json.dumps(problem_document(problem, scope.get("path"))).encode()
        await send({"type": "http.response.start", "status": problem.status,
                    "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    def _declared_too_large(self, scope: Scope) -> bool:
        return any(_length(value) > self.max_bytes
                   for name, value in scope.get("headers", []) if name == b"content-length")

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The body as sent, or None as soon as it grows over the limit."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.max_bytes:
                return None
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def __call__(self, scope: Scope, receive: Receive, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # No (acceptable) declared length: read the body up to the limit, then replay it to the app.
        body = None if self._declared_too_large(scope) else await self._read_body(receive)
        if body is None:
            await self._refuse(scope, send)
            return
        await self.app(scope, _replay(body, receive), send)
