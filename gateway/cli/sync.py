"""``verzuim-gateway sync``: pull every configured source since its cursor and feed the pipeline."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import click

from gateway import pipeline
from gateway.cli._progress import progress
from gateway.cli._store import actor_option, settings_and_store
from gateway.config.school import SchoolConfig, get_school, resolve_env_references
from gateway.domain.errors import GatewayError, TransientSourceError
from gateway.domain.ports import SOURCES_GROUP, Source
from gateway.plugins import load
from gateway.store import Store, get_cursor, list_schools


@dataclass
class SyncOutcome:
    """What one source pull did, for the summary line."""

    school_id: str
    source: str
    ok: bool
    message: str
    problems: list[str] = field(default_factory=list)


def build_source(name: str, config: dict[str, Any]) -> Source:
    """The adapter named by ``config["adapter"]`` (default: the source's own name)."""
    options = resolve_env_references(config, os.environ, f"bron {name}")  # *_env: secrets
    adapter = str(options.pop("adapter", name))
    source: Source = load(SOURCES_GROUP, adapter)(options)
    return source


def sync_source(store: Store, school: SchoolConfig, name: str, config: dict[str, Any],
                actor: str) -> SyncOutcome:
    """Fetch one source since its cursor and ingest the batch (all or nothing)."""
    try:
        source = build_source(name, config)
        try:
            with progress(f"{school.id} {name}: ophalen") as shown:
                batch = source.fetch(get_cursor(store, school.id, name), progress=shown)
        finally:
            close = getattr(source, "close", None)
            if callable(close):
                close()
    except TransientSourceError as exc:
        return SyncOutcome(school.id, name, False, f"tijdelijk niet bereikbaar: {exc}")
    except GatewayError as exc:
        return SyncOutcome(school.id, name, False, str(exc))
    problems = [f"{p.where}: {p.message}" for p in batch.problems]
    if not (batch.records or batch.students or batch.withdrawn_record_ids or batch.calendar):
        return SyncOutcome(school.id, name, True, "geen nieuwe gegevens", problems)
    click.echo(f"{school.id} {name}: {len(batch.students)} leerlingen en {len(batch.records)} "
               "registraties opslaan ...", err=True)
    result = pipeline.ingest(store, school.id, source=name, batch=batch, actor=actor)
    if not result.accepted:
        reasons = sorted({r.reason for r in result.rejected})
        return SyncOutcome(school.id, name, False, f"batch afgewezen ({len(result.rejected)}): "
                           + "; ".join(reasons[:5]), problems)
    return SyncOutcome(school.id, name, True,
                       f"{result.new} nieuw, {result.changed} gewijzigd, {result.withdrawn} ingetrokken, "
                       f"{len(batch.students)} studenten", problems)


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(f"'{value}' is geen datum (JJJJ-MM-DD)") from exc


@click.command()
@click.option("--school", "schools", multiple=True, help="Alleen deze school (herhaalbaar).")
@click.option("--source", "sources", multiple=True, help="Alleen deze bron (herhaalbaar).")
@click.option("--as-of", callback=_as_of, help="Peildatum voor de regels (standaard: vandaag).")
@click.option("--no-evaluate", is_flag=True, help="Alleen ophalen en opslaan, geen regels toepassen.")
@click.option("--show-problems", default=10, show_default=True, help="Zoveel tegengehouden records tonen.")
@actor_option
def sync(  # noqa: PLR0913  click hands over each command-line option as its own keyword argument
    *, schools: tuple[str, ...], sources: tuple[str, ...], as_of: date | None, no_evaluate: bool,
    show_problems: int, actor: str,
) -> None:
    """Haal alle geconfigureerde bronnen op sinds hun cursor en verwerk ze.

    De voortgang staat op stderr: een balk in een terminal, losse regels in een log."""
    _, store = settings_and_store()
    failed = 0
    try:
        for school_id in schools or list_schools(store):
            school = get_school(store, school_id)
            for name, config in sorted(school.sources.items()):
                if sources and name not in sources:
                    continue
                outcome = sync_source(store, school, name, config, actor)
                failed += not outcome.ok
                mark = "ok  " if outcome.ok else "FOUT"
                click.echo(f"{mark} {school.id} {name}: {outcome.message}")
                if outcome.problems:
                    click.echo(f"     {len(outcome.problems)} record(s) tegengehouden:")
                    for line in outcome.problems[:show_problems]:
                        click.echo(f"     - {line}")
            if not no_evaluate and school.sources:
                try:
                    with progress(f"{school.id}: regels toepassen (leerlingen)") as shown:
                        result = pipeline.evaluate(store, school.id, as_of=as_of or date.today(), actor=actor,
                                                   progress=shown)
                except GatewayError as exc:
                    failed += 1
                    click.echo(f"FOUT {school.id} evaluatie: {exc}")
                    continue
                click.echo(f"ok   {school.id} evaluatie: {result.students_evaluated} studenten, "
                           f"{len(result.created)} nieuwe meldingen, {len(result.withdrawn)} ingetrokken")
    finally:
        store.close()
    if failed:
        raise click.exceptions.Exit(1)
