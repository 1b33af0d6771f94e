"""The one place that reads typer's internals, so the reliance is isolated and tested.

`narrowed` lets one run build only the command it calls: typer turns every registered
command into a click command on each run, reading every signature. It reads
`Typer.registered_commands` / `registered_groups` and the `CommandInfo` / `TyperInfo` fields
`name`, `callback` and `typer_instance`; tests/test_cli_lazy.py checks each of them on the
installed typer, and that every command still answers when built alone.
"""

from __future__ import annotations

import copy

import typer
from typer.models import CommandInfo, TyperInfo


def _command_name(info: CommandInfo) -> str | None:
    """The name typer gives a command: its own, or its function's with dashes."""
    if isinstance(info.name, str):
        return info.name
    callback = info.callback
    return callback.__name__.lower().replace("_", "-") if callback is not None else None


def _group_name(info: TyperInfo) -> str | None:
    """The name typer gives a sub-app: the one it was added under, or its own."""
    for name in (info.name, info.typer_instance.info.name if info.typer_instance else None):
        if isinstance(name, str):
            return name
    return None


def narrowed(full: typer.Typer, args: list[str]) -> typer.Typer:
    """A copy of `full` holding only the command or group that `args` names.

    typer turns every registered command into a click command on each run, reading every
    signature; one run needs only the one it calls. Nothing is dropped when the first word is
    an option (`--help` lists everything), `help` (it walks the whole tree), or no known
    name (click's own "No such command" and its suggestion need them all). No words at all
    runs the root callback alone. `full` itself is left as it is."""
    if args and (args[0].startswith("-") or args[0] == "help"):
        return full
    first = args[0] if args else None
    commands = [c for c in full.registered_commands if _command_name(c) == first]
    groups = [g for g in full.registered_groups if _group_name(g) == first]
    if first is not None and not commands and not groups:
        return full
    unnamed = [g for g in full.registered_groups if _group_name(g) is None]
    small = copy.copy(full)
    small.registered_commands = commands
    small.registered_groups = groups + unnamed  # a nameless sub-app merges its commands up
    return small
