"""``verzuim-gateway evaluate``: the pure rules engine on one case file (DESIGN.md section 4)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from gateway.domain.errors import InvalidInput
from gateway.domain.signals import Signal
from gateway.rules import evaluate as run_rules
from gateway.rules.casefile import load_case_file
from gateway.rules.explain import dutch_number
from gateway.rules.profiles import load_profile


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"'{value}' is geen datum (JJJJ-MM-DD)") from exc


def _table(signals: list[Signal]) -> str:
    if not signals:
        return "Geen signalen."
    header = ("student", "regel", "soort", "ontvanger", "trigger", "periode", "uiterlijk", "uren")
    rows = [header] + [
        (s.student_id, s.rule, s.kind, s.recipient, s.trigger_date.isoformat(),
         f"{s.period_start.isoformat()} t/m {s.period_end.isoformat() if s.period_end else 'open'}",
         s.due_date.isoformat() if s.due_date else "-",
         dutch_number(s.hours) if s.hours is not None else "-")
        for s in signals
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.extend(f"{s.student_id} {s.rule} {s.trigger_date.isoformat()}: {s.explanation}" for s in signals)
    return "\n".join(lines)


@click.command()
@click.argument("casefile", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--as-of", "as_of", callback=_parse_date, help="Peildatum (JJJJ-MM-DD); vervangt as_of.")
@click.option("--profile", help="Regioprofiel (national, utrecht, noorderpoort, kop-van-nh).")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json",
              show_default=True, help="json voor machines, table voor mensen.")
def evaluate(casefile: Path, as_of: date | None, profile: str | None, fmt: str) -> None:
    """Pas de verzuimregels toe op een casusbestand en druk de signalen af."""
    case = load_case_file(casefile)
    peildatum = as_of or case.as_of
    if peildatum is None:
        raise InvalidInput("veld 'as_of' ontbreekt: zet het in het bestand of geef --as-of",
                           where=str(casefile))
    rules_profile = load_profile(profile or case.profile)
    signals = run_rules(case.calendar, case.students, case.attendance, rules_profile, peildatum)
    if fmt == "table":
        click.echo(_table(signals))
    else:
        click.echo(json.dumps({"signals": [s.to_json() for s in signals]}, ensure_ascii=False,
                              indent=2))
