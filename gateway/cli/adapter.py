"""``verzuim-gateway adapter``: list source adapters and run the conformance kit against one."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import click

from gateway.api.payloads import create_source as create_push_source
from gateway.domain.ports import SOURCES_GROUP
from gateway.intake.conformance import load_check_config, run_checks, source_factory
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
    """
    configure_logging(level="warning")  # the report is the output; adapter logs go to stderr
    config = load_check_config(config_path)
    if name == "push" and name not in available(SOURCES_GROUP):
        factory = source_factory(lambda _: create_push_source, name, config.source)
    else:
        factory = source_factory(partial(load, SOURCES_GROUP), name, config.source)
    report = run_checks(name, factory, config.reference)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.to_text())
    if not report.ok:
        raise click.exceptions.Exit(1)
