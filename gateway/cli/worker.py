"""``verzuim-gateway worker``: deliver meldingen from the outbox until stopped."""

from __future__ import annotations

import signal
import socket
import threading
from types import FrameType

import click

from gateway.cli._store import settings_and_store
from gateway.worker import Worker, plugin_channels


@click.command()
@click.option(
    "--name",
    default=lambda: f"{socket.gethostname()}:worker",
    show_default="host:worker",
    help="Vaste naam van deze worker; bij herstart neemt hij zijn onderbroken verzendingen over.",
)
@click.option("--once", is_flag=True, help="Verwerk wat nu klaarstaat en stop.")
@click.option("--idle-wait", default=1.0, show_default=True, help="Seconden wachten als er niets klaarstaat.")
def worker(name: str, once: bool, idle_wait: float) -> None:
    """Verstuur meldingen uit de outbox (stop met Ctrl-C of SIGTERM)."""
    _, store = settings_and_store()
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner = Worker(store, plugin_channels(), worker_id=name)
    if once:
        runner.recover()
        handled = 0
        while not stop.is_set() and runner.run_once():
            handled += 1
    else:
        handled = runner.run(stop, idle_wait=idle_wait)
    click.echo(f"Worker gestopt: {handled} verzendingen verwerkt.")
