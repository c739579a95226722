"""``verzuim-gateway serve`` (the HTTP app with the push API) and ``api-key`` (per-school keys)."""

from __future__ import annotations

import click
import uvicorn

from gateway.api.app import ApiSettings, api_keys_for, create_app
from gateway.cli._store import settings_and_store
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
    """Start de HTTP-API (aanlever-API voor leveranciers) met uvicorn."""
    settings, store = settings_and_store()
    app = create_app(ApiSettings(max_body_bytes=max_body_mb * 1024 * 1024, evaluate_on_push=not no_evaluate),
                     store, api_keys_for(settings.data_dir))
    scheme = "https" if certfile else "http"
    click.echo(f"Aanlever-API op {scheme}://{host}:{port}/docs (stoppen met Ctrl-C)", err=True)
    uvicorn.run(app, host=host, port=port, ssl_certfile=certfile, ssl_keyfile=keyfile,
                log_level=settings.log_level.lower(), access_log=False)


@click.group(name="api-key")
def api_key() -> None:
    """API-sleutels van scholen voor de aanlever-API (gehasht opgeslagen)."""


@api_key.command(name="create")
@click.argument("school_id")
@click.option("--label", default="", help="Waarvoor de sleutel is (bijv. de leverancier).")
def create_key(school_id: str, label: str) -> None:
    """Maak een sleutel voor SCHOOL_ID; de sleutel wordt één keer getoond."""
    settings = Settings.from_env()
    store = open_store(settings)
    try:
        if school_id not in list_schools(store):
            raise click.ClickException(f"school '{school_id}' is niet geregistreerd")
    finally:
        store.close()
    entry, key = api_keys_for(settings.data_dir).create(school_id, label)
    click.echo(f"Sleutel {entry.key_id} voor school {school_id} "
               "(bewaar hem nu; hij wordt niet opnieuw getoond):", err=True)
    click.echo(key)


@api_key.command(name="list")
def list_keys() -> None:
    """Toon de sleutels (zonder geheim)."""
    for entry in api_keys_for(Settings.from_env().data_dir).list():
        state = "ingetrokken" if entry.revoked else "actief"
        click.echo(f"{entry.key_id}\t{entry.school_id}\t{state}\t{entry.created_at}\t{entry.label}")


@api_key.command(name="revoke")
@click.argument("key_id")
def revoke_key(key_id: str) -> None:
    """Trek sleutel KEY_ID in; hij werkt meteen niet meer."""
    if not api_keys_for(Settings.from_env().data_dir).revoke(key_id):
        raise click.ClickException(f"geen sleutel met id '{key_id}'")
    click.echo(f"Sleutel {key_id} ingetrokken.")


__all__ = ["api_key", "serve"]
