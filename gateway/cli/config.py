"""``verzuim-gateway config check FILE``: validate a school's configuration file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from gateway.config.config_check import CheckResult, InstalledAdapters, check_file
from gateway.domain.ports import CHANNELS_GROUP, SOURCES_GROUP
from gateway.plugins import available

EXIT_PROBLEMS = 2


def installed_adapters() -> InstalledAdapters:
    """The installed source and channel adapters, each able to check the settings of its own table
    (it is built, nothing connects)."""
    sources, channels = available(SOURCES_GROUP), available(CHANNELS_GROUP)
    return InstalledAdapters(sources=set(sources), channels=set(channels),
                             source_factories={name: ep.load() for name, ep in sources.items()},
                             channel_factories={name: ep.load() for name, ep in channels.items()})


def checked_file(file: Path) -> CheckResult:
    """Check ``file`` as ``config check`` does; print its warnings, and with problems print each one
    and exit with status 2 (``db register-school`` uses the same check and messages)."""
    result = check_file(file, environ=os.environ, installed=installed_adapters())
    for warning in result.warnings:
        click.echo(f"{file}: let op: {warning.render()}")
    if not result.ok:
        count = len(result.problems)
        click.echo(f"{file}: {count} {'probleem' if count == 1 else 'problemen'} gevonden:", err=True)
        for problem in result.problems:
            click.echo(f"{file}: {problem.render()}", err=True)
        sys.exit(EXIT_PROBLEMS)  # not click's Exit: the root main() runs click non-standalone
    return result


@click.group()
def config() -> None:
    """Schoolconfiguratie controleren."""


@config.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check(file: Path) -> None:
    """Controleer een schoolconfiguratie (TOML); exit 0 als die bruikbaar is, 2 bij problemen.

    Elk probleem van het bestand wordt in één keer gemeld."""
    config = checked_file(file).config
    if config is not None:
        click.echo(f"{file}: in orde: school {config.id} ({config.name}, BRIN {config.brin}), "
                   f"profiel {config.profile}, {len(config.sources)} bron(nen), "
                   f"{len(config.channels)} kanaal/kanalen.")
