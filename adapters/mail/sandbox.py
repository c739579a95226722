"""A stand-in SMTP server (aiosmtpd, STARTTLS required) that delivers into a maildir.

Run it as ``verzuim-gateway sandbox smtp``, or in-process with ``start_sandbox`` (tests, demo),
which returns host, port and a stop handle. ``SandboxSmtp.mode`` simulates outages: ``refuse``
closes the listening socket (connections are refused), ``tempfail`` answers 451 to every
recipient, ``hang`` never answers after the message data (the client's timeout decides).
"""

from __future__ import annotations

import asyncio
import mailbox
import signal
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import click
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from gateway.testing.pki import create_ca, issue_server_cert

Mode = Literal["accept", "refuse", "tempfail", "hang"]
START_TIMEOUT = 10.0


@dataclass
class SandboxHandler:
    """aiosmtpd handler: accept into the maildir, or misbehave as the mode says."""

    maildir: Path
    mode: Mode = "accept"
    rejected_recipients: set[str] = field(default_factory=set)
    received: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    release: asyncio.Event | None = None

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        if self.mode == "tempfail":
            return "451 4.3.0 Tijdelijk niet beschikbaar, probeer het later opnieuw"
        if address.lower() in self.rejected_recipients:
            return "550 5.1.1 Onbekende ontvanger"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.mode == "hang" and self.release is not None:
            await self.release.wait()
            return "451 4.3.0 Afgebroken"
        content = envelope.original_content or envelope.content or b""
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        key = mailbox.Maildir(str(self.maildir), create=True).add(data)
        self.received.append((key, tuple(envelope.rcpt_tos)))
        return f"250 2.0.0 OK: opgeslagen als {key}"


@dataclass
class SandboxSmtp:
    """A running in-process sandbox: where it listens and how to stop it."""

    host: str
    port: int
    maildir: Path
    handler: SandboxHandler
    _loop: asyncio.AbstractEventLoop
    _thread: threading.Thread
    _server: asyncio.base_events.Server | None
    _smtp_factory: Callable[[], SMTP] | None = None

    @property
    def mode(self) -> Mode:
        """The current behaviour (``accept``, ``refuse``, ``tempfail``, ``hang``)."""
        return self.handler.mode

    def set_mode(self, mode: Mode) -> None:
        """Change behaviour at once; ``refuse`` closes the listener, leaving it reopens on the same port."""
        future = asyncio.run_coroutine_threadsafe(self._apply_mode(mode), self._loop)
        future.result(START_TIMEOUT)

    async def _apply_mode(self, mode: Mode) -> None:
        previous = self.handler.mode
        self.handler.mode = mode
        if previous == "hang" and self.handler.release is not None:
            self.handler.release.set()
            self.handler.release = asyncio.Event()
        if mode == "refuse" and self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        elif mode != "refuse" and self._server is None:
            self._server = await self._listen(_bind(self.host, self.port))

    async def _listen(self, sock: socket.socket) -> asyncio.base_events.Server:
        if self._smtp_factory is None:
            raise RuntimeError("SMTP-sandbox is nog niet gestart")
        return await self._loop.create_server(self._smtp_factory, sock=sock)

    def messages(self) -> list[bytes]:
        """The raw messages delivered so far, oldest first."""
        box = mailbox.Maildir(str(self.maildir), create=True)
        return [box.get_bytes(key) for key, _ in self.handler.received]

    def stop(self) -> None:
        """Stop listening, release hung sessions and end the server thread."""
        async def _shutdown() -> None:
            if self.handler.release is not None:
                self.handler.release.set()
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
                self._server = None

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(_shutdown(), self._loop).result(START_TIMEOUT)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(START_TIMEOUT)


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(16)
    sock.setblocking(False)
    return sock


def server_tls_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """The sandbox's STARTTLS context (TLS 1.2+)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_file), str(key_file))
    return context


class _Authenticator:
    def __init__(self, username: str, password: str) -> None:
        self.username = username.encode()
        self.password = password.encode()

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.username
              and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False)


@dataclass(frozen=True)
class SandboxOptions:
    """How the sandbox listens and behaves; ``port=0`` picks a free port.

    ``starttls=False`` makes a server that offers no STARTTLS at all (to test the client's refusal);
    ``username`` makes SMTP AUTH required; ``rejected_recipients`` are answered 550.
    """

    host: str = "127.0.0.1"
    port: int = 0
    mode: Mode = "accept"
    starttls: bool = True
    username: str | None = None
    password: str | None = None
    rejected_recipients: frozenset[str] = frozenset()


def start_sandbox(maildir: Path, cert_file: Path, key_file: Path,
                  options: SandboxOptions | None = None) -> SandboxSmtp:
    """Start the sandbox in a background thread (see ``SandboxOptions``; ``.port`` says where)."""
    options = options or SandboxOptions()
    host, mode, starttls = options.host, options.mode, options.starttls
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    tls = server_tls_context(cert_file, key_file)
    handler = SandboxHandler(maildir, mode, {r.lower() for r in options.rejected_recipients})
    sock = _bind(host, options.port)
    bound_port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    authenticator = (_Authenticator(options.username, options.password or "")
                     if options.username else None)

    def smtp_factory() -> SMTP:
        return SMTP(handler, hostname="sandbox.verzuim-gateway.test", tls_context=tls if starttls else None,
                    require_starttls=starttls, authenticator=authenticator,
                    auth_required=authenticator is not None, loop=loop)

    ready = threading.Event()
    sandbox = SandboxSmtp(host, bound_port, maildir, handler, loop, threading.Thread(), None)
    sandbox._smtp_factory = smtp_factory
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def setup() -> None:
            handler.release = asyncio.Event()
            if mode != "refuse":
                sandbox._server = await sandbox._listen(sock)
            else:
                sock.close()

        try:
            loop.run_until_complete(setup())
        except Exception as exc:  # noqa: BLE001 - handed to the starting thread
            failure.append(exc)
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=run, name=f"smtp-sandbox-{bound_port}", daemon=True)
    sandbox._thread = thread
    thread.start()
    if not ready.wait(START_TIMEOUT):
        raise RuntimeError("SMTP-sandbox start niet op tijd")
    if failure:
        raise RuntimeError(f"SMTP-sandbox start niet: {failure[0]}") from failure[0]
    return sandbox


@contextmanager
def running_sandbox(maildir: Path, cert_file: Path, key_file: Path, **options: Any) -> Iterator[SandboxSmtp]:
    """``start_sandbox`` as a context manager that always stops the server; ``options`` are the
    fields of ``SandboxOptions``."""
    rejected = frozenset(options.pop("rejected_recipients", ()))
    sandbox = start_sandbox(maildir, cert_file, key_file,
                            SandboxOptions(**options, rejected_recipients=rejected))
    try:
        yield sandbox
    finally:
        sandbox.stop()


@click.command(name="smtp")
@click.option("--host", default="127.0.0.1", show_default=True, help="Adres om op te luisteren.")
@click.option("--port", default=2525, show_default=True, type=int, help="Poort (0: een vrije poort).")
@click.option("--maildir", type=click.Path(file_okay=False, path_type=Path), default=Path("var/maildir"),
              show_default=True, help="Maildir waarin ontvangen berichten komen.")
@click.option("--cert", "cert_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TLS-certificaat van de server (PEM).")
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Sleutel bij het TLS-certificaat (PEM).")
@click.option("--pki-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("var/pki"),
              show_default=True, help="Zonder --cert/--key: maak hier een test-PKI (ca.crt, smtp-server.*).")
@click.option("--mode", type=click.Choice(["accept", "refuse", "tempfail", "hang"]), default="accept",
              show_default=True, help="Gedrag: accepteren, of een storing nabootsen.")
@click.option("--user", default=None, help="Vereis SMTP AUTH met deze gebruiker.")
@click.option("--password", default=None, help="Wachtwoord bij --user.")
def command(*, host: str, port: int, maildir: Path,  # noqa: PLR0913  click passes each option
            cert_file: Path | None, key_file: Path | None, pki_dir: Path, mode: Mode, user: str | None,
            password: str | None) -> None:
    """Lokale SMTP-server met STARTTLS die berichten in een maildir bewaart."""
    if (cert_file is None) != (key_file is None):
        raise click.UsageError("geef --cert en --key samen, of geen van beide")
    if cert_file is None or key_file is None:
        ca = create_ca("Verzuim Gateway SMTP-sandbox CA")
        ca_cert, _ = ca.write(pki_dir, "ca")
        cert_file, key_file = issue_server_cert(ca, ("localhost", host)).write(pki_dir, "smtp-server")
        click.echo(f"Test-PKI gemaakt; vertrouw {ca_cert} als CA-bestand.")
    sandbox = start_sandbox(maildir, cert_file, key_file,
                            SandboxOptions(host=host, port=port, mode=mode, username=user,
                                           password=password))
    click.echo(f"SMTP-sandbox luistert op {sandbox.host}:{sandbox.port} (STARTTLS verplicht), "
               f"maildir {maildir}. Stoppen met Ctrl-C.")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    click.echo("SMTP-sandbox gestopt.")
