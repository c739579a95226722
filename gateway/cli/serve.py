"""``verzuim-gateway serve`` (push API, console, feedback API) and ``api-key`` (school and receiver keys)."""

from __future__ import annotations

import click
import uvicorn

from gateway.api.app import ApiSettings, api_keys_for, create_app
from gateway.cli._store import settings_and_store
from gateway.console import ConsoleSettings, console_routers
from gateway.console.receivers import create_receiver_key, list_receiver_keys, revoke_receiver_key
from gateway.settings import Settings
from gateway.store import list_schools, open_store


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Adres om op te luisteren.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--max-body-mb", default=16, show_default=True, type=int, help="Grootste verzoek (MiB).")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False), help="TLS-certificaat (PEM).")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), help="TLS-sleutel (PEM).")
@click.option("--no-evaluate", is_flag=True, help="Na een levering niet meteen de regels toepassen.")
def serve(host: str, port: int, max_body_mb: int, certfile: str | None, keyfile: str | None,
          no_evaluate: bool) -> None:
    """Start de HTTP-API (aanlever-API, terugkoppel-API) en de verzuimconsole met uvicorn."""
    settings, store = settings_and_store()
    console = ConsoleSettings(secure_cookies=bool(certfile))
    app = create_app(ApiSettings(max_body_bytes=max_body_mb * 1024 * 1024, evaluate_on_push=not no_evaluate),
                     store, api_keys_for(settings.data_dir), extra_routers=console_routers(console))
    scheme = "https" if certfile else "http"
    click.echo(f"Aanlever-API op {scheme}://{host}:{port}/docs, console op {scheme}://{host}:{port}/console "
               "(stoppen met Ctrl-C)", err=True)
    uvicorn.run(app, host=host, port=port, ssl_certfile=certfile, ssl_keyfile=keyfile,
                log_level=settings.log_level.lower(), access_log=False)


@click.group(name="api-key")
def api_key() -> None:
    """API-sleutels van scholen voor de aanlever-API (gehasht opgeslagen)."""


@api_key.command(name="create")
@click.argument("school_id", required=False)
@click.option("--receiver", default=None, metavar="ORGANISATIE",
              help="Sleutel voor een ontvanger (terugkoppel-API), bijv. dsp-kop-van-nh of leerplicht-0344.")
@click.option("--label", default="", help="Waarvoor de sleutel is (bijv. de leverancier).")
def create_key(school_id: str | None, receiver: str | None, label: str) -> None:
    """Maak een sleutel voor SCHOOL_ID of (--receiver) een ontvanger; hij wordt één keer getoond."""
    if (school_id is None) == (receiver is None):
        raise click.UsageError("geef een SCHOOL_ID of --receiver ORGANISATIE (één van beide)")
    settings = Settings.from_env()
    store = open_store(settings)
    try:
        if receiver is not None:
            receiver_entry, receiver_key = create_receiver_key(store, receiver, label)
            click.echo(f"Sleutel {receiver_entry.key_id} voor ontvanger {receiver} "
                       "(bewaar hem nu; hij wordt niet opnieuw getoond):", err=True)
            click.echo(receiver_key)
            return
        if school_id not in list_schools(store):
            raise click.ClickException(f"school '{school_id}' is niet geregistreerd")
    finally:
        store.close()
    assert school_id is not None
    entry, key = api_keys_for(settings.data_dir).create(school_id, label)
    click.echo(f"Sleutel {entry.key_id} voor school {school_id} "
               "(bewaar hem nu; hij wordt niet opnieuw getoond):", err=True)
    click.echo(key)


@api_key.command(name="list")
def list_keys() -> None:
    """Toon de sleutels (zonder geheim)."""
    settings = Settings.from_env()
    for entry in api_keys_for(settings.data_dir).list():
        state = "ingetrokken" if entry.revoked else "actief"
        click.echo(f"{entry.key_id}\t{entry.school_id}\t{state}\t{entry.created_at}\t{entry.label}")
    store = open_store(settings)
    try:
        for receiver in list_receiver_keys(store):
            state = "ingetrokken" if receiver.revoked else "actief"
            click.echo(f"{receiver.key_id}\tontvanger:{receiver.organisation}\t{state}\t"
                       f"{receiver.created_at.isoformat(timespec='seconds')}\t{receiver.label}")
    finally:
        store.close()


@api_key.command(name="revoke")
@click.argument("key_id")
def revoke_key(key_id: str) -> None:
    """Trek sleutel KEY_ID in; hij werkt meteen niet meer."""
    settings = Settings.from_env()
    if not api_keys_for(settings.data_dir).revoke(key_id):
        store = open_store(settings)
        try:
            if not revoke_receiver_key(store, key_id):
                raise click.ClickException(f"geen sleutel met id '{key_id}'")
        finally:
            store.close()
    click.echo(f"Sleutel {key_id} ingetrokken.")


__all__ = ["api_key", "serve"]
