"""The command table, built on demand: click's lazy-group pattern on typer's group class.

The root group lists its commands from a table of names and `module:attribute` paths, and
imports a command's module and builds its click command only when a run asks for that name
(`list_commands` / `get_command`, as click's documentation shows). A run builds the command
it calls; `--help` and shell completion ask for every name they show, so they build those.
typer vendors its own click, so the group class is typer's (the same two methods); commands
are still defined with typer, each in a `typer.Typer` of its own, and turned into a click
command by `typer.main.get_command`, typer's documented way to get one.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from difflib import get_close_matches
from typing import Any, ClassVar

import typer
import typer.main

from emdrill.cli.base import Group


class LazyGroup(Group):
    """A group whose subcommands are named in `table` and built the first time one is asked
    for. A subclass sets `table` (typer builds the group itself, with its own arguments)."""

    table: ClassVar[Mapping[str, str]] = {}  # name -> "package.module:typer_app"

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._built: dict[str, Any] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        eager = super().list_commands(ctx)
        return [*eager, *(name for name in self.table if name not in eager)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        eager = super().get_command(ctx, cmd_name)
        if eager is not None or cmd_name not in self.table:
            return eager
        if cmd_name not in self._built:
            module, _, attribute = self.table[cmd_name].partition(":")
            app = getattr(importlib.import_module(module), attribute)
            if not isinstance(app, typer.Typer):
                raise TypeError(f"{self.table[cmd_name]} is not a typer.Typer")
            self._built[cmd_name] = typer.main.get_command(app)
        return self._built[cmd_name]

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        # typer suggests a near name from the commands built so far; offer the table's.
        name = args[0] if args else ""
        if (name and not name.startswith("-") and not ctx.resilient_parsing
                and self.get_command(ctx, name) is None):
            near = get_close_matches(name, self.list_commands(ctx))
            if near:
                ctx.fail(f"No such command {name!r}. Did you mean "
                         f"{', '.join(repr(n) for n in near)}?")
        return super().resolve_command(ctx, args)
