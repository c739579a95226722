"""``verzuim-gateway audit``: verify the hash chain (against a signed checkpoint), write checkpoints,
show entries."""

from __future__ import annotations

import json
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from gateway.cli._store import settings_and_store
from gateway.config.settings import Settings
from gateway.domain.errors import IntegrityError
from gateway.store import audit as audit_log
from gateway.store import checkpoint as checkpoints
from gateway.store import checkpoint_keys as keys

CHECKPOINT_FOLDER = "audit-checkpoints"


def checkpoint_folder(settings: Settings) -> Path:
    """Where checkpoints go unless told otherwise: a folder in the data folder, for shipping off-host."""
    return settings.data_dir / CHECKPOINT_FOLDER


def checkpoint_schedule(
    settings: Settings, minutes: int, folder: Path | None
) -> checkpoints.CheckpointSchedule | None:
    """The worker's checkpoint schedule (None when ``minutes`` is 0: off); makes the key on first use."""
    if minutes <= 0:
        return None
    target = folder or checkpoint_folder(settings)
    target.mkdir(parents=True, exist_ok=True)
    key = _key(settings)
    return checkpoints.CheckpointSchedule(target, key, timedelta(minutes=minutes), socket.gethostname())


def _key(settings: Settings) -> keys.SigningKey:
    key = keys.signing_key(settings.data_dir)
    if key.created:
        click.echo(
            f"Nieuwe ondertekensleutel gemaakt: {key.path} (0600). Publieke sleutel: {key.public_path} "
            f"({key.key_id}); bewaar een kopie daarvan buiten deze server.",
            err=True,
        )
    return key


@click.group()
def audit() -> None:
    """Auditlog: keten controleren, controlepunten schrijven en regels tonen."""


@audit.command()
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Controleer ook tegen dit getekende controlepunt: vindt een ingekorte of herschreven keten.",
)
@click.option(
    "--public-key",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"Publieke sleutel van het controlepunt (PEM); standaard {keys.PUBLIC_KEY_FILE} in de datamap. "
    "Gebruik liever een kopie die buiten deze server bewaard is.",
)
def verify(checkpoint_file: Path | None, public_key: Path | None) -> None:
    """Controleer de hele keten; exit 0 met het aantal regels, anders de eerste gebroken regel."""
    settings, store = settings_and_store()
    anchored = ""
    if checkpoint_file is None:
        result = audit_log.verify(store)
    else:
        signed = checkpoints.read(checkpoint_file)
        public = keys.load_public_key(public_key or settings.data_dir / keys.PUBLIC_KEY_FILE)
        try:
            result = checkpoints.verify_against(store, signed, public)
        except IntegrityError as exc:
            click.echo(f"Controlepunt {checkpoint_file} ongeldig: {exc}.", err=True)
            sys.exit(1)
        cp = signed.checkpoint
        anchored = f"; het controlepunt van {cp.created_at} ({cp.seq} regels) klopt"
    if result.ok:
        click.echo(f"Auditlog in orde: {result.entries} regels{anchored}.")
        return
    click.echo(
        f"Auditlog gebroken bij regel {result.first_broken}: {result.problem} "
        f"({result.entries} regels daarvoor in orde).",
        err=True,
    )
    sys.exit(1)


@audit.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help=f"Bestand, of map voor een bestand met tijdstempel; standaard de map {CHECKPOINT_FOLDER} "
    "in de datamap. Breng het daarna naar een plek buiten deze server.",
)
@click.option("--gateway", default=socket.gethostname, show_default="hostnaam", help="Naam van deze gateway.")
def checkpoint(out: Path | None, gateway: str) -> None:
    """Schrijf een getekend controlepunt van de keten (laatste regel, hash, tijd)."""
    settings, store = settings_and_store()
    key = _key(settings)
    if out is None:
        out = checkpoint_folder(settings)
        out.mkdir(parents=True, exist_ok=True)
    try:
        signed = checkpoints.take(store, key, gateway=gateway, now=datetime.now(UTC))
    except IntegrityError as exc:
        click.echo(f"Geen controlepunt: {exc}.", err=True)
        sys.exit(1)
    path = checkpoints.write(signed, out)
    cp = signed.checkpoint
    click.echo(f"Controlepunt geschreven: {path} (regel {cp.seq}, sleutel {cp.key_id}).")


@audit.command("public-key")
def public_key_command() -> None:
    """Toon de publieke sleutel van de controlepunten (PEM) en haar vingerafdruk."""
    settings = Settings.from_env()
    key = _key(settings)
    click.echo(f"# {key.key_id} ({key.public_path})")
    click.echo(keys.public_pem(key.public), nl=False)


@audit.command("list")
@click.option("--subject", help="Alleen regels over dit onderwerp (melding-id, batch).")
@click.option("--school", help="Alleen regels van deze school.")
@click.option("--limit", default=50, show_default=True)
def list_entries(subject: str | None, school: str | None, limit: int) -> None:
    """Toon de nieuwste regels (JSON per regel)."""
    _, store = settings_and_store()
    for entry in audit_log.entries(store, subject=subject, school_id=school, limit=limit):
        click.echo(json.dumps(entry, ensure_ascii=False, sort_keys=True))
