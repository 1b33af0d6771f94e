"""The `suspend`, `unsuspend` and `bury` commands: setting questions aside
(docs/set-aside.md). Each parses, makes one call into `ops.set_aside`, and prints a line."""

from __future__ import annotations

from typing import Annotated

import typer

from emdrill import env
from emdrill.cli.base import App, open_here
from emdrill.ops import set_aside

suspend_app = App()
unsuspend_app = App()
bury_app = App()

IdsArg = Annotated[list[str], typer.Argument(
    metavar="ID...", help="Question ids (see `emdrill deck list --ids`).")]


@suspend_app.command()
def suspend(ids: IdsArg) -> None:
    """Take questions out of every drill until you unsuspend them."""
    changed = set_aside.suspend(open_here(), ids)
    _report(ids, changed, "suspended", "already suspended")


@unsuspend_app.command()
def unsuspend(ids: IdsArg) -> None:
    """Put suspended or buried questions back into the drills."""
    changed = set_aside.unsuspend(open_here(), ids)
    _report(ids, changed, "back in play", "not suspended or buried")


@bury_app.command()
def bury(ids: IdsArg) -> None:
    """Keep questions out of the drills until the next study day (04:00)."""
    clock = env.read_clock()
    until = set_aside.bury(open_here(), clock, ids)
    unique = list(dict.fromkeys(ids))
    when = until.astimezone(clock.local).strftime("%Y-%m-%d %H:%M")
    typer.echo(f"buried until {when}: {', '.join(unique)}")


def _report(ids: list[str], changed: list[str], done: str, unchanged: str) -> None:
    unique = list(dict.fromkeys(ids))
    if changed:
        typer.echo(f"{done}: {', '.join(changed)}")
    rest = [i for i in unique if i not in changed]
    if rest:
        typer.echo(f"{unchanged}: {', '.join(rest)}")
