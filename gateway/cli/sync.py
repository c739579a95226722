"""``verzuim-gateway sync``: pull every configured source since its cursor and feed the pipeline."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
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
    timings: dict[str, float] = field(default_factory=dict)  # seconds: "ophalen", "opslaan"


def build_source(name: str, config: dict[str, Any]) -> Source:
    """The adapter named by ``config["adapter"]`` (default: the source's own name)."""
    options = resolve_env_references(config, os.environ, f"bron {name}")  # *_env: secrets
    adapter = str(options.pop("adapter", name))
    source: Source = load(SOURCES_GROUP, adapter)(options)
    return source


def sync_source(store: Store, school: SchoolConfig, name: str, config: dict[str, Any],  # noqa: PLR0913
                actor: str, *, as_of: date | None = None) -> SyncOutcome:
    """Fetch one source since its cursor and ingest the batch (all or nothing); ``as_of`` is the day
    lessons may not lie after (default: today in Europe/Amsterdam)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
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
    timings["ophalen"] = time.perf_counter() - started
    problems = [f"{p.where}: {p.message}" for p in batch.problems]
    if not (batch.records or batch.students or batch.withdrawn_record_ids or batch.calendar):
        return SyncOutcome(school.id, name, True, "geen nieuwe gegevens", problems, timings)
    click.echo(f"{school.id} {name}: {len(batch.students)} leerlingen en {len(batch.records)} "
               "registraties opslaan ...", err=True)
    started = time.perf_counter()
    result = pipeline.ingest(store, school.id, source=name, batch=batch, actor=actor, as_of=as_of)
    timings["opslaan"] = time.perf_counter() - started
    if not result.accepted:
        reasons = sorted({r.reason for r in result.rejected})
        return SyncOutcome(school.id, name, False, f"batch afgewezen ({len(result.rejected)}): "
                           + "; ".join(reasons[:5]), problems, timings)
    return SyncOutcome(school.id, name, True,
                       f"{result.new} nieuw, {result.changed} gewijzigd, {result.withdrawn} ingetrokken, "
                       f"{len(batch.students)} studenten", problems, timings)


def _seconds(timings: dict[str, float]) -> str:
    """``ophalen 3,2 s, opslaan 4,1 s``: Dutch decimals, in the order measured."""
    return ", ".join(f"{stage} {seconds:.1f} s".replace(".", ",") for stage, seconds in timings.items())


@dataclass
class _Timings:
    """Seconds per stage of this run, per school and source (and ``regels`` for the evaluation)."""

    shown: bool
    path: Path | None
    measured: list[dict[str, Any]] = field(default_factory=list)

    def add(self, school_id: str, part: str, timings: dict[str, float]) -> None:
        self.measured.append({"school": school_id, "onderdeel": part,
                              "seconden": {k: round(v, 3) for k, v in timings.items()}})
        if self.shown and timings:
            click.echo(f"tijd {school_id} {part}: {_seconds(timings)}", err=True)

    def write(self) -> None:
        if self.path is not None:
            self.path.write_text(json.dumps(self.measured, indent=2), encoding="utf-8")


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
@click.option("--timings", is_flag=True,
              help="Toon de tijd per stap op stderr (ophalen, opslaan, en de stappen van de regels).")
@click.option("--timings-json", type=click.Path(path_type=Path, dir_okay=False),
              help="Schrijf de tijd per stap als JSON naar dit bestand (voor benchmarks).")
@actor_option
def sync(  # noqa: PLR0913  click hands over each command-line option as its own keyword argument
    *, schools: tuple[str, ...], sources: tuple[str, ...], as_of: date | None, no_evaluate: bool,
    show_problems: int, timings: bool, timings_json: Path | None, actor: str,
) -> None:
    """Haal alle geconfigureerde bronnen op sinds hun cursor en verwerk ze.

    De voortgang staat op stderr: een balk in een terminal, losse regels in een log."""
    _, store = settings_and_store()
    failed = 0
    measured = _Timings(timings, timings_json)
    try:
        for school_id in schools or list_schools(store):
            school = get_school(store, school_id)
            for name, config in sorted(school.sources.items()):
                if sources and name not in sources:
                    continue
                outcome = sync_source(store, school, name, config, actor, as_of=as_of)
                measured.add(school.id, name, outcome.timings)
                failed += not outcome.ok
                mark = "ok  " if outcome.ok else "FOUT"
                click.echo(f"{mark} {school.id} {name}: {outcome.message}")
                if outcome.problems:
                    click.echo(f"     {len(outcome.problems)} record(s) tegengehouden:")
                    for line in outcome.problems[:show_problems]:
                        click.echo(f"     - {line}")
            if not no_evaluate and school.sources:
                started = time.perf_counter()
                try:
                    with progress(f"{school.id}: regels toepassen (nieuwe meldingen)") as shown:
                        result = pipeline.evaluate(store, school.id, as_of=as_of or date.today(), actor=actor,
                                                   progress=shown)
                except GatewayError as exc:
                    failed += 1
                    click.echo(f"FOUT {school.id} evaluatie: {exc}")
                    continue
                measured.add(school.id, "regels", {**result.timings, "totaal": time.perf_counter() - started})
                click.echo(f"ok   {school.id} evaluatie: {result.students_evaluated} studenten, "
                           f"{len(result.created)} nieuwe meldingen, {len(result.withdrawn)} ingetrokken")
    finally:
        store.close()
        measured.write()
    if failed:
        raise click.exceptions.Exit(1)
