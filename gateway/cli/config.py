"""``verzuim-gateway config check FILE``: validate a school's configuration file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from gateway.config.config_check import InstalledAdapters, check_file
from gateway.domain.ports import CHANNELS_GROUP, SOURCES_GROUP
from gateway.plugins import available

EXIT_PROBLEMS = 2


@click.group()
def config() -> None:
    """Schoolconfiguratie controleren."""


@config.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check(file: Path) -> None:
    """Controleer een schoolconfiguratie (TOML); exit 0 als die bruikbaar is, 2 bij problemen."""
    sources, channels = available(SOURCES_GROUP), available(CHANNELS_GROUP)
    # Each installed adapter checks the settings of its own table (it is built, nothing connects).
    installed = InstalledAdapters(sources=set(sources), channels=set(channels),
                                  source_factories={name: ep.load() for name, ep in sources.items()},
                                  channel_factories={name: ep.load() for name, ep in channels.items()})
    result = check_file(file, environ=os.environ, installed=installed)
    for warning in result.warnings:
        click.echo(f"{file}: let op: {warning.render()}")
    if result.ok and result.config is not None:
        config = result.config
        click.echo(f"{file}: in orde: school {config.id} ({config.name}, BRIN {config.brin}), "
                   f"profiel {config.profile}, {len(config.sources)} bron(nen), "
                   f"{len(config.channels)} kanaal/kanalen.")
        return
    count = len(result.problems)
    click.echo(f"{file}: {count} {'probleem' if count == 1 else 'problemen'} gevonden:", err=True)
    for problem in result.problems:
        click.echo(f"{file}: {problem.render()}", err=True)
    sys.exit(EXIT_PROBLEMS)  # not click's Exit: the root main() runs click non-standalone
