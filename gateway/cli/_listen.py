"""The socket ``serve`` listens on, bound before uvicorn starts: a port that is taken, out of range
or on an unknown address is one Dutch line (``ConfigurationError``), not uvicorn's log and traceback."""

from __future__ import annotations

import errno
import socket

from gateway.domain.errors import ConfigurationError

LOWEST_PORT, HIGHEST_PORT = 1, 65535


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (uvicorn takes it over and listens on it)."""
    if not LOWEST_PORT <= port <= HIGHEST_PORT:
        raise ConfigurationError(f"poort {port} bestaat niet; kies een poort van {LOWEST_PORT} tot en met "
                                 f"{HIGHEST_PORT} (--port)")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ConfigurationError(f"adres '{host}' is onbekend ({exc.strerror}); "
                                 "geef een ander --host") from exc
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restarts reuse the port
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigurationError(f"poort {port} op {host} is al in gebruik; stop wat daar draait of "
                                     "kies een andere poort met --port") from exc
        raise ConfigurationError(f"kan niet luisteren op {host}:{port} ({exc.strerror})") from exc
    return sock
