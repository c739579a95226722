"""The ``verzuim-gateway demo`` command (registered through ``verzuim_gateway.commands``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from demo.flow import run_demo
from gateway.logging import configure_logging


@click.command()
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False), default=Path("demo-out"),
              show_default=True, help="Map voor de uitvoer (database, DUO-berichten, mails, PKI).")
@click.option("--size", "sizes", type=(str, int), multiple=True, metavar="SCHOOL AANTAL", hidden=True,
              help="Aantal studenten van een locatie (voor tests).")
def demo(workdir: Path, sizes: tuple[tuple[str, int], ...]) -> None:
    """Draai het hele werk van de gateway op deze machine: ophalen, regels, melden, storing, terugval."""
    configure_logging("console", "error")  # the progress lines tell the story
    click.echo(f"Verzuim-gateway demo in {workdir.resolve()}")
    result = run_demo(workdir, click.echo, dict(sizes))
    click.echo("")
    for line in result.summary:
        click.echo(line)
    click.echo("")
    if result.ok:
        click.echo(f"Demo geslaagd. Uitvoer: {workdir}/gateway.db, {workdir}/duo/*.xml, "
                   f"{workdir}/mail/*.eml, {workdir}/pki/")
        return
    click.echo("Demo NIET geslaagd; dit is niet gebeurd zoals verwacht:", err=True)
    for problem in result.problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)  # not click's Exit: the root main() runs click non-standalone
