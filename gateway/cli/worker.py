"""``verzuim-gateway worker``: deliver meldingen from the outbox until stopped."""

from __future__ import annotations

import os
import signal
import socket
import threading
from datetime import date, datetime
from pathlib import Path
from types import FrameType

import click

from gateway.cli._store import recipients_option, settings_and_store
from gateway.delivery.routing import RecipientDirectory
from gateway.delivery.worker import Worker, plugin_channels


@click.command()
@click.option(
    "--name",
    default=lambda: f"{socket.gethostname()}:{os.getpid()}",
    show_default="host:pid",
    help="Naam van deze worker, uniek per worker. Geef elke worker een vaste unieke naam: dan neemt "
    "hij na een herstart zijn onderbroken verzendingen meteen over (anders pas als hun lease is "
    "verlopen).",
)
@click.option("--once", is_flag=True, help="Verwerk wat nu klaarstaat en stop.")
@click.option("--idle-wait", default=1.0, show_default=True, help="Seconden wachten als er niets klaarstaat.")
@click.option(
    "--recipient-certs",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    envvar="VERZUIM_RECIPIENT_CERTS",
    help="Map met de S/MIME-certificaten van de ontvangers (nodig voor de mailroute en terugval).",
)
@recipients_option
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    envvar="VERZUIM_TODAY",
    help="Vaste datum voor uiterste melddata (demo en tests); standaard de echte datum.",
)
@click.option(
    "--due-alert-workdays",
    default=2,
    show_default=True,
    help="Waarschuw als een niet-afgeleverde melding binnen zoveel werkdagen moet.",
)
def worker(  # noqa: PLR0913  click hands over each command-line option as its own keyword argument
    *,
    name: str,
    once: bool,
    idle_wait: float,
    recipient_certs: Path | None,
    recipients: Path,
    today: datetime | None,
    due_alert_workdays: int,
) -> None:
    """Verstuur meldingen uit de outbox (stop met Ctrl-C of SIGTERM)."""
    _, store = settings_and_store()
    directory = RecipientDirectory.load(recipients, cert_dir=recipient_certs) if recipient_certs else None
    fixed = today.date() if today else None
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner = Worker(
        store,
        plugin_channels(os.environ),  # channel secrets come as <key>_env references
        worker_id=name,
        directory=directory,
        today=(lambda: fixed) if fixed else date.today,
        due_alert_workdays=due_alert_workdays,
    )
    try:
        if once:
            runner.recover()
            runner.check_due_dates()
            handled = 0
            while not stop.is_set() and runner.run_once():
                handled += 1
        else:
            handled = runner.run(stop, idle_wait=idle_wait)
    finally:
        runner.close()
    click.echo(f"Worker gestopt: {handled} verzendingen verwerkt.")
