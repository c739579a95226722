"""The client transport reads answers within a size limit."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import httpx
import pytest

from adapters.duo.client import HttpxTransport, ResponseTooLarge

CHUNK = 64 * 1024


class CountingStream(httpx.SyncByteStream):
    """An answer of ``chunks`` pieces of 64 KiB that counts how many were read."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.chunks):
            self.read += 1
            yield b"x" * CHUNK


def transport_answering(stream: httpx.SyncByteStream, limit: int,
                        headers: dict[str, str] | None = None) -> HttpxTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/xml", **(headers or {})},
                              stream=stream)
    return HttpxTransport(httpx.MockTransport(answer), httpx.Timeout(5.0),
                          max_response_bytes=limit)


def test_reading_stops_once_the_answer_passes_the_limit() -> None:
    """A streamed answer over the limit raises ResponseTooLarge after the chunk that passed
    it; the rest is never read."""
    stream = CountingStream(chunks=1000)
    transport = transport_answering(stream, limit=2 * CHUNK)
    with pytest.raises(ResponseTooLarge):
        transport.post("https://duo.example/", b"<x/>", {})
    assert stream.read == 3


def test_declared_length_over_the_limit_is_refused_before_reading() -> None:
    """An answer announcing a Content-Length over the limit is not read at all."""
    stream = CountingStream(chunks=4)
    transport = transport_answering(stream, limit=CHUNK, headers={"content-length": str(4 * CHUNK)})
    with pytest.raises(ResponseTooLarge):
        transport.post("https://duo.example/", b"<x/>", {})
    assert stream.read == 0


def test_answer_within_the_limit_is_returned_whole() -> None:
    """An answer up to the limit comes back complete."""
    transport = transport_answering(CountingStream(chunks=2), limit=2 * CHUNK)
    response = transport.post("https://duo.example/", b"<x/>", {})
    assert response.status_code == 200
    assert len(response.content) == 2 * CHUNK


def test_answer_with_a_declared_length_within_the_limit_is_returned_whole() -> None:
    """The usual answer (Content-Length, not compressed) is read in one go and comes back whole."""
    transport = transport_answering(CountingStream(chunks=2), limit=2 * CHUNK,
                                    headers={"content-length": str(2 * CHUNK)})
    response = transport.post("https://duo.example/", b"<x/>", {})
    assert len(response.content) == 2 * CHUNK and response.request.url == "https://duo.example/"


def test_compressed_answer_is_limited_as_it_unpacks() -> None:
    """A small gzip body that unpacks past the limit is refused, though its declared length is small."""
    packed = gzip.compress(b"x" * (8 * CHUNK))
    transport = transport_answering(httpx.ByteStream(packed), limit=2 * CHUNK,
                                    headers={"content-length": str(len(packed)), "content-encoding": "gzip"})
    with pytest.raises(ResponseTooLarge):
        transport.post("https://duo.example/", b"<x/>", {})
