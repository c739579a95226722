"""``verzuim-gateway serve`` (push API, console, feedback API) and ``api-key`` (school and receiver keys)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import NamedTuple

import click
import uvicorn

from gateway.api.app import ApiSettings, create_app
from gateway.api.keys import create_api_key, list_api_keys, revoke_api_key
from gateway.api.problems import AnsweredErrors
from gateway.cli._listen import listening_socket
from gateway.cli._store import actor_option, recipients_option, settings_and_store
from gateway.console import ConsoleSettings, console_routers
from gateway.console.pages.errors import error_page
from gateway.console.receivers import create_receiver_key, list_receiver_keys, revoke_receiver_key
from gateway.delivery.routing import load_directory_data
from gateway.domain.errors import GatewayError
from gateway.store import Store

MIB = 1024 * 1024


class IssuedKey(NamedTuple):
    """A new key: whose it is (for people), its id, and the key itself (shown once)."""

    owner: str
    key_id: str
    key: str


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Adres om op te luisteren.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--max-body-mb", default=16, show_default=True, type=int, help="Grootste verzoek (MiB).")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False), help="TLS-certificaat (PEM).")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), help="TLS-sleutel (PEM).")
@click.option("--no-evaluate", is_flag=True, help="Na een levering niet meteen de regels toepassen.")
@recipients_option
def serve(  # noqa: PLR0913  click hands over each command-line option as its own keyword argument
    *, host: str, port: int, max_body_mb: int, certfile: str | None, keyfile: str | None, no_evaluate: bool,
    recipients: Path,
) -> None:
    """Start de HTTP-API (aanlever-API, terugkoppel-API) en de verzuimconsole met uvicorn."""
    settings, store = settings_and_store()
    sock = listening_socket(host, port)
    directory = load_directory_data(recipients)
    console = ConsoleSettings(secure_cookies=bool(certfile))
    app = create_app(ApiSettings(max_body_bytes=max_body_mb * MIB, evaluate_on_push=not no_evaluate),
                     store, extra_routers=console_routers(console, directory=directory),
                     error_pages=error_page)
    scheme = "https" if certfile else "http"
    click.echo(f"Aanlever-API op {scheme}://{host}:{port}/docs, console op {scheme}://{host}:{port}/console "
               "(stoppen met Ctrl-C)", err=True)
    config = uvicorn.Config(AnsweredErrors(app), host=host, port=port, ssl_certfile=certfile,
                            ssl_keyfile=keyfile, log_level=settings.log_level.lower(), access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


@click.group(name="api-key")
def api_key() -> None:
    """API-sleutels van scholen (aanlever-API) en ontvangers (terugkoppel-API), gehasht opgeslagen."""


@api_key.command(name="create")
@click.argument("school_id", required=False)
@click.option("--receiver", default=None, metavar="ORGANISATIE",
              help="Sleutel voor een ontvanger (terugkoppel-API), bijv. dsp-kop-van-nh of leerplicht-0344.")
@click.option("--label", default="", help="Waarvoor de sleutel is (bijv. de leverancier).")
@recipients_option
@actor_option
def create_key(school_id: str | None, receiver: str | None, label: str, recipients: Path, actor: str) -> None:
    """Maak een sleutel voor SCHOOL_ID of (--receiver) een ontvanger; hij wordt één keer getoond."""
    issue: Callable[[Store], IssuedKey]
    if school_id is not None and receiver is None:
        issue = partial(_school_key, school_id=school_id, label=label, actor=actor)
    elif receiver is not None and school_id is None:
        issue = partial(_receiver_key, organisation=receiver, label=label, actor=actor, recipients=recipients)
    else:
        raise click.UsageError("geef een SCHOOL_ID of --receiver ORGANISATIE (één van beide)")
    _settings, store = settings_and_store()
    try:
        issued = issue(store)
    except GatewayError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Sleutel {issued.key_id} voor {issued.owner} "
               "(bewaar hem nu; hij wordt niet opnieuw getoond):", err=True)
    click.echo(issued.key)


def _school_key(store: Store, *, school_id: str, label: str, actor: str) -> IssuedKey:
    entry, key = create_api_key(store, school_id, label, actor=actor)
    return IssuedKey(f"school {entry.school_id}", entry.key_id, key)


def _receiver_key(store: Store, *, organisation: str, label: str, actor: str, recipients: Path) -> IssuedKey:
    entry, key = create_receiver_key(store, organisation, label, actor=actor,
                                     directory=load_directory_data(recipients))
    return IssuedKey(f"ontvanger {entry.organisation}", entry.key_id, key)


@api_key.command(name="list")
def list_keys() -> None:
    """Toon de sleutels (zonder geheim)."""
    _settings, store = settings_and_store()
    for entry in list_api_keys(store):
        state = "ingetrokken" if entry.revoked else "actief"
        click.echo(f"{entry.key_id}\t{entry.school_id}\t{state}\t"
                   f"{entry.created_at.isoformat(timespec='seconds')}\t{entry.label}")
    for receiver in list_receiver_keys(store):
        state = "ingetrokken" if receiver.revoked else "actief"
        click.echo(f"{receiver.key_id}\tontvanger:{receiver.organisation}\t{state}\t"
                   f"{receiver.created_at.isoformat(timespec='seconds')}\t{receiver.label}")


@api_key.command(name="revoke")
@click.argument("key_id")
@actor_option
def revoke_key(key_id: str, actor: str) -> None:
    """Trek sleutel KEY_ID in; hij werkt meteen niet meer."""
    _settings, store = settings_and_store()
    if not (revoke_api_key(store, key_id, actor=actor) or revoke_receiver_key(store, key_id, actor=actor)):
        raise click.ClickException(f"geen sleutel met id '{key_id}'")
    click.echo(f"Sleutel {key_id} ingetrokken.")


__all__ = ["api_key", "serve"]
