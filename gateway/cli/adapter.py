"""``verzuim-gateway adapter``: list source adapters and run the conformance kit against one."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import click

from gateway.api.payloads import create_source as create_push_source
from gateway.domain.ports import SOURCES_GROUP
from gateway.intake.conformance import CheckConfig, load_check_config, run_checks, source_factory
from gateway.intake.tenant_clock import http_clock
from gateway.logging import configure_logging
from gateway.plugins import available, load


@click.group()
def adapter() -> None:
    """Bronadapters: overzicht en conformiteitscontrole."""


@adapter.command(name="list")
def list_adapters() -> None:
    """Toon de geregistreerde bronadapters."""
    for name, entry in sorted(available(SOURCES_GROUP).items()):
        click.echo(f"{name}\t{entry.value}")


@adapter.command()
@click.argument("name")
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="TOML of JSON met [source] (de adapterconfiguratie) en optioneel [reference].")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(name: str, config_path: Path, fmt: str) -> None:
    """Controleer adapter NAME tegen het contract en de referentieschool (exit 1 bij fouten).

    NAME ``push`` controleert een push-koppeling: [source] folder is een map met de JSON-bodies
    (students*.json, calendar*.json, attendance*.json) zoals de leverancier ze naar de API stuurt.
    Met [clock] url (en token) verzet de kit de klok van de testomgeving en controleert hij ook
    correcties onder hetzelfde id.
    """
    configure_logging(level="warning")  # the report is the output; adapter logs go to stderr
    config = load_check_config(config_path)
    if name == "push" and name not in available(SOURCES_GROUP):
        factory = source_factory(lambda _: create_push_source, name, _push_source(config))
    else:
        factory = source_factory(partial(load, SOURCES_GROUP), name, config.source)
    move_to = http_clock(config.clock) if config.clock is not None else None
    report = run_checks(name, factory, config.reference, move_to=move_to)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.to_text())
    if not report.ok:
        raise click.exceptions.Exit(1)


def _push_source(config: CheckConfig) -> dict[str, object]:
    """The push folder's configuration; its as-of day is the reference's (else today, as the API)."""
    if config.reference is None or "as_of" in config.source:
        return config.source
    _school, as_of = config.reference.build()
    return {**config.source, "as_of": as_of.isoformat()}
