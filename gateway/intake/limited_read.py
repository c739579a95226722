"""Reading an HTTP answer from an outside system within a size limit, for every adapter alike.

An answer whose Content-Length is over the limit is refused before anything is read; one without
is read chunk by chunk and refused as soon as it passes the limit, so a hostile or broken server
cannot fill the gateway's memory.
"""

from __future__ import annotations

import httpx

from gateway.domain.errors import InvalidInput
from gateway.intake.jsonsafe import too_large


class AnswerTooLarge(InvalidInput):
    """The answer is larger than the limit; it was not read to the end."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(too_large(size, limit))
        self.limit = limit


def read_limited(
    streamed: httpx.Response, limit: int, request: httpx.Request | None = None
) -> httpx.Response:
    """The complete answer of a streamed response, its body read within ``limit`` bytes."""
    declared = streamed.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise AnswerTooLarge(int(declared), limit)
    if request is not None:
        streamed.request = request
    if declared.isdigit() and streamed.headers.get("content-encoding", "identity") == "identity":
        # The HTTP/1.1 framing reads no more than the declared length, and nothing is
        # decompressed: read it in one go. (A compressed body is counted as it unpacks.)
        streamed.read()
        return streamed
    chunks: list[bytes] = []
    size = 0
    for chunk in streamed.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise AnswerTooLarge(size, limit)
        chunks.append(chunk)
    # The body is decoded already: the copy carries no Content-Encoding to undo twice.
    headers = [(name, value) for name, value in streamed.headers.multi_items()
               if name.lower() not in ("content-encoding", "content-length")]
    return httpx.Response(streamed.status_code, headers=headers, content=b"".join(chunks),
                          request=streamed.request)
