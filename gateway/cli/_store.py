"""Shared helpers of the store commands: settings, store and the acting person."""

from __future__ import annotations

import errno
import getpass
from pathlib import Path

import click
import sqlalchemy as sa

from gateway.config.settings import Settings, open_store
from gateway.delivery.routing import DEFAULT_DIRECTORY
from gateway.domain.errors import ConfigurationError
from gateway.logging import configure_logging
from gateway.store import Store


def _where(settings: Settings) -> str:
    """The database for people: host, port and name, never the password in the URL."""
    url = sa.engine.make_url(settings.effective_database_url)
    if url.drivername.startswith("sqlite"):
        return f"SQLite-bestand {url.database}"
    return f"database '{url.database}' op {url.host or 'localhost'}:{url.port or 5432}"


def database_problem(settings: Settings, exc: sa.exc.DBAPIError) -> ConfigurationError:
    """One Dutch line for a database that cannot be reached or does not exist."""
    text = str(exc.orig).strip() if exc.orig is not None else ""
    detail = text.splitlines()[0] if text else ""
    if "does not exist" in text:
        return ConfigurationError(f"{_where(settings)} bestaat niet; maak de database aan of zet "
                                  "VERZUIM_DATABASE_URL goed")
    return ConfigurationError(f"{_where(settings)} is niet bereikbaar ({detail or 'geen verbinding'}); "
                              "controleer VERZUIM_DATABASE_URL en of de databaseserver draait")


# Why a folder cannot be made, in Dutch (the operating system's reason is English).
_FOLDER_REASONS = {
    errno.EACCES: "geen schrijfrecht",
    errno.EPERM: "geen toestemming",
    errno.ENOTDIR: "een deel van het pad is een bestand, geen map",
    errno.ENOENT: "een bovenliggende map bestaat niet en kan niet gemaakt worden",
    errno.EROFS: "het bestandssysteem is alleen-lezen",
    errno.ENOSPC: "de schijf is vol",
}


def folder_problem(data_dir: Path, exc: OSError) -> ConfigurationError:
    """One Dutch line for a data folder that cannot be made."""
    reason = _FOLDER_REASONS.get(exc.errno or 0, exc.strerror or "onbekende reden")
    return ConfigurationError(f"datamap {data_dir} kan niet gemaakt worden ({reason}); zet VERZUIM_DATA_DIR "
                              "op een map waarin geschreven mag worden")


def open_checked_store(settings: Settings, *, migrate: bool = False) -> Store:
    """The store the settings name, with one connection tried first: a data folder that cannot be
    made or a database that cannot be reached is a ``ConfigurationError`` in Dutch, not a traceback."""
    try:
        store = open_store(settings)
    except OSError as exc:
        raise folder_problem(settings.data_dir, exc) from exc
    try:
        with store.engine.connect():
            pass
        if migrate:
            store.migrate()
    except sa.exc.DBAPIError as exc:
        store.close()
        raise database_problem(settings, exc) from exc
    return store


def settings_and_store() -> tuple[Settings, Store]:
    """Settings from the environment, logging configured, and the store opened (closed with the command)."""
    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level)
    store = open_checked_store(settings)
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
