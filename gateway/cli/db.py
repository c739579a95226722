"""``verzuim-gateway db``: create or upgrade the database, register schools."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from gateway import pipeline
from gateway.cli._store import actor_option, folder_problem, open_checked_store, settings_and_store
from gateway.cli.config import checked_file
from gateway.config.school import find_school
from gateway.config.settings import Settings, write_key_file
from gateway.domain.errors import GatewayError
from gateway.logging import configure_logging
from gateway.store.retention import RetentionPolicy, run_retention
from gateway.store.rotation import reencrypt, stale_values
from gateway.store.students import index_unindexed


@click.group()
def db() -> None:
    """Database: aanmaken, bijwerken, scholen registreren."""


@db.command()
def init() -> None:
    """Maak de datamap, een versleutelsleutel (als er geen is) en de tabellen."""
    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level)
    if not settings.encryption_keys:
        try:
            path = write_key_file(settings.data_dir)
        except OSError as exc:
            raise folder_problem(settings.data_dir, exc) from exc
        click.echo(f"Nieuwe sleutel gemaakt in {path} (bewaar een kopie veilig).")
        settings = Settings.from_env()
    store = open_checked_store(settings, migrate=True)
    click.echo(f"Database klaar ({store.dialect}).")
    store.close()


@db.command()
def migrate() -> None:
    """Breng de database naar de nieuwste versie."""
    _, store = settings_and_store()
    store.migrate()
    with store.write() as conn:
        indexed = index_unindexed(conn, store.cipher)
    made = f" Namen van {indexed} leerling(en) doorzoekbaar gemaakt." if indexed else ""
    click.echo(f"Database bijgewerkt.{made}")


@db.command("register-school")
@click.argument("config_file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@actor_option
def register_school(config_file: Path, actor: str) -> None:
    """Registreer of werk een school bij vanuit haar TOML-configuratie (wijziging komt in de audit).

    Het bestand wordt eerst gecontroleerd zoals ``config check`` dat doet, met dezelfde meldingen."""
    config = checked_file(config_file).config
    if config is None:  # checked_file exits on problems; this keeps the type narrow
        raise GatewayError(f"{config_file}: schoolconfiguratie niet bruikbaar")
    _, store = settings_and_store()
    with store.read() as conn:
        is_new = find_school(conn, config.id) is None
    changed = pipeline.register_school(store, config, actor)
    outcome = "aangemaakt" if is_new else ("bijgewerkt" if changed else "ongewijzigd")
    click.echo(f"School {config.id} {outcome}.")


@db.command()
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Peildatum (standaard vandaag).")
@click.option(
    "--attendance-days",
    type=click.IntRange(min=1),
    default=RetentionPolicy.attendance_days,
    show_default=True,
    help="Bewaartermijn van aanwezigheidsgegevens (dagen).",
)
@click.option(
    "--melding-days",
    type=click.IntRange(min=1),
    default=RetentionPolicy.melding_days,
    show_default=True,
    help="Bewaartermijn van de inhoud van afgehandelde meldingen (dagen).",
)
@click.option("--dry-run", is_flag=True, help="Tel alleen wat zou verdwijnen; verander niets.")
@actor_option
def retention(
    as_of: datetime | None, attendance_days: int, melding_days: int, dry_run: bool, actor: str
) -> None:
    """Ruim persoonsgegevens en inhoud op die hun bewaartermijn voorbij zijn (nooit iets dat nog weg moet)."""
    _, store = settings_and_store()
    day = as_of.date() if as_of else date.today()
    result = run_retention(store, day, actor, RetentionPolicy(attendance_days, melding_days), dry_run=dry_run)
    prefix = "Proefrun, zou verwijderen" if dry_run else "Verwijderd"
    click.echo(
        f"{prefix}: {result.attendance_deleted} aanwezigheidsregels, {result.history_deleted} oude versies, "
        f"persoonsgegevens van {result.personal_cleared} leerlingen, "
        f"inhoud van {result.payloads_pruned} meldingen."
    )


@db.command("rotate-keys")
@actor_option
def rotate_keys(actor: str) -> None:
    """Versleutel alle persoonsgegevens opnieuw met de actieve sleutel (na het toevoegen van een nieuwe)."""
    _, store = settings_and_store()
    try:
        counts = reencrypt(store, actor=actor)
    except GatewayError as exc:
        raise click.ClickException(str(exc)) from exc
    for name, count in counts.items():
        click.echo(f"{name}: {count} waarde(n) opnieuw versleuteld")
    left = stale_values(store)
    if left:
        click.echo(f"Nog {left} waarde(n) onder een oude sleutel (tijdens het draaien gewijzigd): "
                   "voer de opdracht opnieuw uit.", err=True)
        raise SystemExit(1)
    click.echo(f"Alles staat onder sleutel {store.cipher.active_key_id}; oude sleutels kunnen weg.")
