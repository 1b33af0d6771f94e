"""The command table, built on demand: click's lazy-group pattern on typer's group class.

The root group lists its commands from a table of names, `module:attribute` paths and
summaries, and imports a command's module and builds its click command only when a run asks
for that name (`list_commands` / `get_command`, as click's documentation shows). A run builds
the command it calls; `--help` lists the table's summaries and builds none (click's own
listing would build every command to ask for its summary); shell completion builds the
commands whose names match what was typed.
typer vendors its own click, so the group class is typer's (the same two methods); commands
are still defined with typer, each in a `typer.Typer` of its own, and turned into a click
command by `typer.main.get_command`, typer's documented way to get one.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any, ClassVar

import typer
import typer.main

from emdrill.cli.base import Group

if TYPE_CHECKING:  # click's types, as cli/base explains (typer 0.29 vendors click)
    from typer._click import Command, Context, HelpFormatter


class LazyGroup(Group):
    """A group whose subcommands are named in `table` and built the first time one is asked
    for. A subclass sets `table` (typer builds the group itself, with its own arguments)."""

    # name -> ("package.module:typer_app", the command's --help summary)
    table: ClassVar[Mapping[str, tuple[str, str]]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._built: dict[str, Command] = {}

    def list_commands(self, ctx: Context) -> list[str]:
        eager = super().list_commands(ctx)
        return [*eager, *(name for name in self.table if name not in eager)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        eager = super().get_command(ctx, cmd_name)
        if eager is not None or cmd_name not in self.table:
            return eager
        if cmd_name not in self._built:
            module, _, attribute = self.table[cmd_name][0].partition(":")
            app = getattr(importlib.import_module(module), attribute)
            if not isinstance(app, typer.Typer):
                raise TypeError(f"{self.table[cmd_name][0]} is not a typer.Typer")
            self._built[cmd_name] = typer.main.get_command(app)
        return self._built[cmd_name]

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The command listing of --help, as click writes it, from the table's summaries (a
        command already built, or added to the group itself, gives its own)."""
        rows = []
        for name in self.list_commands(ctx):
            built = self.commands.get(name) or self._built.get(name)
            if built is None:
                rows.append((name, self.table[name][1]))
            elif not built.hidden:
                rows.append((name, built.get_short_help_str()))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: Context, args: list[str]
                        ) -> tuple[str | None, Command | None, list[str]]:
        # typer suggests a near name from the commands built so far; offer the table's.
        name = args[0] if args else ""
        if (name and not name.startswith("-") and not ctx.resilient_parsing
                and self.get_command(ctx, name) is None):
            near = get_close_matches(name, self.list_commands(ctx))
            if near:
                ctx.fail(f"No such command {name!r}. Did you mean "
                         f"{', '.join(repr(n) for n in near)}?")
        return super().resolve_command(ctx, args)
