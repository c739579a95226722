"""Request size limit: an ASGI middleware that refuses bodies over a maximum with 413 problem+json."""

from __future__ import annotations

import json
from typing import Any

from gateway.api.problems import PROBLEM_MEDIA_TYPE, TYPE_BASE

Scope = dict[str, Any]


class BodySizeLimit:
    """Refuse a declared ``Content-Length`` over ``max_bytes`` at once; count streamed bodies too."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, scope: Scope, send: Any) -> None:
        body = json.dumps({
            "type": TYPE_BASE + "verzoek-te-groot", "title": "Verzoek te groot", "status": 413,
            "detail": f"het verzoek is groter dan {self.max_bytes} bytes; lever in kleinere batches",
            "instance": scope.get("path"), "errors": []}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._refuse(scope, send)
                    return
        # No (acceptable) declared length: read the body up to the limit, then replay it to the app.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.max_bytes:
                await self._refuse(scope, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Any:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
