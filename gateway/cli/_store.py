"""Shared helpers of the store commands: settings, store and the acting person."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from gateway.config.settings import Settings, open_store
from gateway.delivery.routing import DEFAULT_DIRECTORY
from gateway.logging import configure_logging
from gateway.store import Store


def settings_and_store() -> tuple[Settings, Store]:
    """Settings from the environment, logging configured, and the store opened (closed with the command)."""
    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level)
    store = open_store(settings)
    click.get_current_context().call_on_close(store.close)  # closed even when the command fails
    return settings, store


def default_actor() -> str:
    """The operator's login name, for audit entries."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "onbekend"


actor_option = click.option(
    "--actor", default=default_actor, show_default="loginnaam", help="Wie dit doet (komt in de audit)."
)


# The recipient directory: gemeenten, regions and desks (serve scopes receiver keys by it, the worker
# routes mail by it).
recipients_option = click.option(
    "--recipients",
    type=click.Path(path_type=Path, exists=True),
    envvar="VERZUIM_RECIPIENTS",
    default=DEFAULT_DIRECTORY,
    show_default="mappings/recipients",
    help="Ontvangersregister (map met *.toml per RMC-regio): gemeenten, regio's en hun ontvangers.",
)
