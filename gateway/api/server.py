"""Serve an ASGI app with uvicorn in a background thread on a socket bound before start-up.

Binding first (port 0: a free ephemeral port) means the URL is known and connectable as soon as
``serve_in_thread`` returns: connections queue in the listen backlog until uvicorn accepts them.
Used by the stand-ins and the tests; ``verzuim-gateway serve`` runs uvicorn in the foreground.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import uvicorn


@dataclass
class ServerHandle:
    """A running server: its base URL and a way to stop it."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread
    sock: socket.socket

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit and wait (bounded) for the thread to end."""
        self.server.should_exit = True
        self.thread.join(timeout)
        self.sock.close()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: a free ephemeral port)."""
    # proto IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP,
    # and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0,
                    ssl_files: tuple[str, str] | None = None) -> ServerHandle:
    """Start ``app`` on a fresh socket in a daemon thread; ``ssl_files`` = (certfile, keyfile)."""
    sock = bind_socket(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    kwargs: dict[str, Any] = {}
    if ssl_files:
        kwargs.update(ssl_certfile=ssl_files[0], ssl_keyfile=ssl_files[1])
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", **kwargs)
    server = uvicorn.Server(config)
    scheme = "https" if ssl_files else "http"

    def run() -> None:
        server.run(sockets=[sock])

    thread = threading.Thread(target=run, name=f"uvicorn-{bound_port}", daemon=True)
    thread.start()
    return ServerHandle(url=f"{scheme}://{bound_host}:{bound_port}", server=server, thread=thread,
                        sock=sock)
