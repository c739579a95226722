"""``verzuim-gateway worker``: deliver meldingen from the outbox until stopped."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from datetime import date, datetime
from pathlib import Path
from types import FrameType

import click

from gateway.cli._store import recipients_option, settings_and_store
from gateway.cli.audit import checkpoint_schedule
from gateway.delivery.outbox.levers import count_dead
from gateway.delivery.routing import RecipientDirectory
from gateway.delivery.worker import Worker, plugin_channels
from gateway.pipeline.status_polling import poll_due

# The run made dead letters: a script or a scheduler sees that something needs a person.
EXIT_DEAD_LETTERS = 1
# Rows claimed and recorded per transaction (group commit), and attempts in flight at once.
DEFAULT_BATCH = 16
DEFAULT_CONCURRENCY = 4


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
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH,
    show_default=True,
    help="Verzendingen die samen worden opgepakt en samen vastgelegd (één commit per groep).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Verzendingen die tegelijk onderweg zijn (elk nog steeds precies één keer).",
)
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
@click.option(
    "--audit-checkpoint-minutes",
    type=click.IntRange(min=0),
    default=0,
    envvar="VERZUIM_AUDIT_CHECKPOINT_MINUTES",
    show_default="uit",
    help="Schrijf elke zoveel minuten een getekend controlepunt van de auditketen.",
)
@click.option(
    "--audit-checkpoint-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="VERZUIM_AUDIT_CHECKPOINT_DIR",
    help="Map voor de controlepunten (standaard audit-checkpoints in de datamap); breng ze buiten de server.",
)
def worker(  # noqa: PLR0913  click hands over each command-line option as its own keyword argument
    *,
    name: str,
    once: bool,
    batch: int,
    concurrency: int,
    idle_wait: float,
    recipient_certs: Path | None,
    recipients: Path,
    today: datetime | None,
    due_alert_workdays: int,
    audit_checkpoint_minutes: int,
    audit_checkpoint_dir: Path | None,
) -> None:
    """Verstuur meldingen uit de outbox (stop met Ctrl-C of SIGTERM).

    Exit 1 als er in deze run verzendingen onbestelbaar werden (met het aantal)."""
    settings, store = settings_and_store()
    directory = RecipientDirectory.load(recipients, cert_dir=recipient_certs) if recipient_certs else None
    fixed = today.date() if today else None
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    channels = plugin_channels(os.environ)  # channel secrets come as <key>_env references
    runner = Worker(
        store,
        channels,
        worker_id=name,
        batch=batch,
        concurrency=concurrency,
        directory=directory,
        today=(lambda: fixed) if fixed else date.today,
        due_alert_workdays=due_alert_workdays,
        checkpoints=checkpoint_schedule(settings, audit_checkpoint_minutes, audit_checkpoint_dir),
        status_poller=lambda now: poll_due(store, channels, now=now, actor=f"worker:{name}"),
    )
    dead_before = count_dead(store)
    try:
        if once:
            runner.recover()
            runner.check_due_dates()
            runner.checkpoint_if_due()
            runner.poll_statuses()
            handled = 0
            while not stop.is_set() and (done := runner.run_round()):
                handled += done
        else:
            handled = runner.run(stop, idle_wait=idle_wait)
    finally:
        runner.close()
    click.echo(f"Worker gestopt: {handled} verzendingen verwerkt.")
    dead = count_dead(store) - dead_before
    if dead > 0:
        click.echo(f"{dead} verzending(en) onbestelbaar geworden; zie `verzuim-gateway outbox list "
                   "--state dead` en bied ze na herstel opnieuw aan met `outbox replay`.", err=True)
        sys.exit(EXIT_DEAD_LETTERS)  # not click's Exit: main() runs click non-standalone
