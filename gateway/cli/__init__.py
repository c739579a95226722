"""The ``verzuim-gateway`` command line: a root group whose subcommands load lazily.

Core commands live in ``gateway.cli.<name>``; adapters add commands (``verzuim_gateway.commands``)
and stand-in servers (``verzuim_gateway.sandboxes``) through entry points.
"""

from __future__ import annotations

import importlib
import sys

import click
import sqlalchemy as sa

from gateway.cli.usage_nl import usage_message
from gateway.domain.errors import GatewayError
from gateway.domain.ports import COMMANDS_GROUP, SANDBOXES_GROUP
from gateway.plugins import available

# name -> "module:attribute" of a click command, imported only when used.
CORE_COMMANDS: dict[str, str] = {
    "evaluate": "gateway.cli.evaluate:evaluate",
    "sandbox": "gateway.cli:sandbox",
    "adapter": "gateway.cli.adapter:adapter",
    "serve": "gateway.cli.serve:serve",
    "api-key": "gateway.cli.serve:api_key",
    "sync": "gateway.cli.sync:sync",
    "worker": "gateway.cli.worker:worker",
    "outbox": "gateway.cli.outbox:outbox",
    "audit": "gateway.cli.audit:audit",
    "db": "gateway.cli.db:db",
    "config": "gateway.cli.config:config",
    "user": "gateway.cli.users:user",
}


def _load_ref(ref: str) -> click.Command:
    module, _, attr = ref.partition(":")
    command = getattr(importlib.import_module(module), attr)
    if not isinstance(command, click.Command):
        raise click.ClickException(f"{ref} is geen commando")
    return command


class LazyGroup(click.Group):
    """A group that lists core and plugin commands without importing them until used."""

    def __init__(self, *args: object, plugin_group: str | None = None,
                 core: dict[str, str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._plugin_group = plugin_group
        self._core = core or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(self._core) | set(super().list_commands(ctx))
        if self._plugin_group:
            names |= set(available(self._plugin_group))
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._core:
            return _load_ref(self._core[cmd_name])
        if self._plugin_group:
            eps = available(self._plugin_group)
            if cmd_name in eps:
                command = eps[cmd_name].load()
                if isinstance(command, click.Command):
                    return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help must list every command even when one plugin fails to import.
        rows = []
        for name in self.list_commands(ctx):
            try:
                command = self.get_command(ctx, name)
            except (ImportError, AttributeError) as exc:
                rows.append((name, f"(niet beschikbaar: {exc})"))
                continue
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=formatter.width - 20)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, core=CORE_COMMANDS, plugin_group=COMMANDS_GROUP)
@click.version_option(package_name="verzuim-gateway")
def cli() -> None:
    """Verzuim gateway: van schooladministratie naar verzuimmelding."""


@click.group(cls=LazyGroup, plugin_group=SANDBOXES_GROUP)
def sandbox() -> None:
    """Lokale stand-ins van DUO, SMTP, Magister en Eduarte (voor tests en demo)."""


def main() -> None:
    """Console-script entry point; domain errors become a clear message and exit status 2."""
    try:
        # Without standalone mode click returns a command's ctx.exit() code instead of exiting.
        result = cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        if exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
        click.echo(f"Fout: {usage_message(exc)}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        # click would print its English "Error:"; people read Dutch.
        click.echo(f"Fout: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Afgebroken.", err=True)
        sys.exit(1)
    except GatewayError as exc:
        click.echo(f"Fout: {exc}", err=True)
        sys.exit(2)
    except sa.exc.DBAPIError as exc:
        # The database went away during the command: its first line only (the statement and its
        # parameters could carry personal data).
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "onbekende fout"
        click.echo(f"Fout: de database gaf een fout ({reason})", err=True)
        sys.exit(2)
    if isinstance(result, int) and not isinstance(result, bool):
        sys.exit(result)
