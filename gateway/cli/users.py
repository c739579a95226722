"""``verzuim-gateway user create|list``: console users for school staff (beheer)."""

from __future__ import annotations

import click

from gateway.cli._store import actor_option, settings_and_store
from gateway.console.auth import ROLES, Role, User, create_user, list_users
from gateway.domain.errors import GatewayError


@click.group(name="user")
def user() -> None:
    """Gebruikers van de verzuimconsole (elk aan één school gebonden)."""


@user.command(name="create")
@click.argument("username")
@click.option("--school", "school_id", required=True, help="Id van de school van deze gebruiker.")
@click.option("--role", type=click.Choice(ROLES), default="melder", show_default=True,
              help="melder: beoordelen en goedkeuren; beheerder: ook intrekken en opnieuw aanbieden.")
@click.password_option("--password", prompt="Wachtwoord", envvar="VERZUIM_USER_PASSWORD",
                       help="Wachtwoord (min. 12 tekens); anders gevraagd, of uit VERZUIM_USER_PASSWORD.")
@actor_option
def create(username: str, school_id: str, role: Role, password: str, actor: str) -> None:
    """Maak gebruiker USERNAME aan voor een school."""
    _settings, store = settings_and_store()
    try:
        made = create_user(store, User(username, school_id, role), password, actor=actor)
    except GatewayError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Gebruiker {made.username} ({made.role}) aangemaakt voor school {made.school_id}.")


@user.command(name="list")
@click.option("--school", "school_id", default=None, help="Alleen de gebruikers van deze school.")
def list_command(school_id: str | None) -> None:
    """Toon de gebruikers (zonder wachtwoord)."""
    _settings, store = settings_and_store()
    for entry in list_users(store, school_id):
        state = "actief" if entry.active else "uitgeschakeld"
        click.echo(f"{entry.username}\t{entry.school_id}\t{entry.role}\t{state}")
