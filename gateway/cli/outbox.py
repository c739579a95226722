"""``verzuim-gateway outbox``: see what is stuck or due, retry, replay, pause and resume delivery."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import click

from gateway.cli._store import actor_option, settings_and_store
from gateway.delivery import outbox as box
from gateway.delivery.outbox.levers import PAUSE_ROUTES, resolve_melding_id, why_not_retried
from gateway.domain.outbox_lifecycle import OutboxState


@click.group()
def outbox() -> None:
    """Outbox: wat staat vast of komt eraan, en ingrijpen."""


@outbox.command("list")
@click.option("--school", help="Alleen deze school.")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([s.value for s in OutboxState]),
    help="Alleen deze toestand(en); standaard alles wat nog niet klaar is plus onbestelbaar.",
)
@click.option("--due-within", type=int, help="Alleen meldingen met uiterste datum binnen zoveel dagen.")
@click.option("--stuck-minutes", type=int, help="Alleen rijen die al zoveel minuten niet bewogen.")
@click.option("--json", "as_json", is_flag=True, help="JSON per regel (voor scripts).")
def list_rows(
    school: str | None,
    states: tuple[str, ...],
    due_within: int | None,
    stuck_minutes: int | None,
    as_json: bool,
) -> None:
    """Toon wat vastzit of binnenkort moet."""
    _, store = settings_and_store()
    rows = box.list_rows(
        store,
        school_id=school,
        states=states or box.ATTENTION,
        due_within=timedelta(days=due_within) if due_within is not None else None,
        stuck_for=timedelta(minutes=stuck_minutes) if stuck_minutes is not None else None,
    )
    pauses = box.list_pauses(store)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, default=str, sort_keys=True))
        return
    for p in pauses:
        click.echo(
            f"PAUZE school {p['school_id']} route {p['route']} sinds {p['created_at']:%Y-%m-%d %H:%M} "
            f"door {p['actor']}: {p['reason'] or '-'}"
        )
    if not rows:
        click.echo("Niets in de outbox dat aandacht vraagt.")
        return
    for r in rows:
        click.echo(
            f"{r['id']:>6} {r['school_id']} {r['route']:<4} {r['operation']:<8} {r['state']:<9} "
            f"poging {r['attempts']:<2} volgende {r['next_attempt_at']:%Y-%m-%d %H:%M} "
            f"melding {r['melding_id']} ({r['rule']}, {r['status']}, uiterlijk {r['due_date'] or '-'})"
            + (f" [terugval van {r['fallback_from']}]" if r.get("fallback_from") else "")
            + (f"\n       fout: {r['last_error']}" if r["last_error"] else "")
        )


@outbox.command()
@click.argument("melding_id")
@actor_option
def retry(melding_id: str, actor: str) -> None:
    """Probeer een wachtende melding nu meteen opnieuw (wacht niet op de volgende poging).

    MELDING_ID mag het begin van het id zijn. Een onbestelbare melding bied je opnieuw aan met
    ``outbox replay``."""
    _, store = settings_and_store()
    full_id = resolve_melding_id(store, melding_id)
    n = box.retry_now(store, full_id, actor)
    if not n:
        click.echo(f"Niets opnieuw geprobeerd: {why_not_retried(store, full_id)}.", err=True)
        sys.exit(1)  # the asked retry did not happen; not click's Exit: main() runs click non-standalone
    click.echo(f"{n} verzending(en) van melding {full_id} nu aan de beurt.")


@outbox.command()
@click.argument("melding_id")
@click.option("--reason", required=True, help="Waarom opnieuw aanbieden (komt in de audit).")
@actor_option
def replay(melding_id: str, reason: str, actor: str) -> None:
    """Bied een onbestelbare melding opnieuw aan: een nieuwe poging die naar de vorige verwijst.

    MELDING_ID mag het begin van het id zijn."""
    _, store = settings_and_store()
    new_id = box.replay(store, resolve_melding_id(store, melding_id), actor, reason)
    click.echo(f"Nieuwe poging {new_id} aangemaakt.")


@outbox.command()
@click.argument("school_id")
@click.option("--route", default="*", show_default=True, type=click.Choice(PAUSE_ROUTES),
              help="duo, mail of * (alle routes).")
@click.option("--reason", help="Waarom (komt in de audit).")
@actor_option
def pause(school_id: str, route: str, reason: str | None, actor: str) -> None:
    """Zet verzending voor een (geregistreerde) school en route direct stil."""
    _, store = settings_and_store()
    done = box.pause(store, school_id, route, actor, reason)
    click.echo(f"Verzending gepauzeerd voor {school_id} / {route}." if done else "Was al gepauzeerd.")


@outbox.command()
@click.argument("school_id")
@click.option("--route", default="*", show_default=True)
@actor_option
def resume(school_id: str, route: str, actor: str) -> None:
    """Hef een pauze op."""
    _, store = settings_and_store()
    done = box.resume(store, school_id, route, actor)
    click.echo(f"Verzending hervat voor {school_id} / {route}." if done else "Er was geen pauze.")
