"""``verzuim-gateway audit``: verify the hash chain, show entries."""

from __future__ import annotations

import json
import sys

import click

from gateway.cli._store import settings_and_store
from gateway.store import audit as audit_log


@click.group()
def audit() -> None:
    """Auditlog: keten controleren en regels tonen."""


@audit.command()
def verify() -> None:
    """Controleer de hele keten; exit 0 met het aantal regels, anders de eerste gebroken regel."""
    _, store = settings_and_store()
    result = audit_log.verify(store)
    if result.ok:
        click.echo(f"Auditlog in orde: {result.entries} regels.")
        return
    click.echo(
        f"Auditlog gebroken bij regel {result.first_broken}: {result.problem} "
        f"({result.entries} regels daarvoor in orde).",
        err=True,
    )
    sys.exit(1)


@audit.command("list")
@click.option("--subject", help="Alleen regels over dit onderwerp (melding-id, batch).")
@click.option("--school", help="Alleen regels van deze school.")
@click.option("--limit", default=50, show_default=True)
def list_entries(subject: str | None, school: str | None, limit: int) -> None:
    """Toon de nieuwste regels (JSON per regel)."""
    _, store = settings_and_store()
    for entry in audit_log.entries(store, subject=subject, school_id=school, limit=limit):
        click.echo(json.dumps(entry, ensure_ascii=False, sort_keys=True))
