"""`--into-plan` / `--not-in-plan`: what `import` and `add` do with an active interview
plan's scope (ops/plan_scope.py holds new questions out until the user lets them in)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from emdrill.core.timing import Clock
    from emdrill.ops.opening import Store

IntoPlanOption = Annotated[bool | None, typer.Option(
    "--into-plan/--not-in-plan", show_default=False,
    help="With an interview plan: put the new questions in its scope, or keep them out "
    "(default: ask on a terminal, keep them out otherwise).")]


def settle(store: Store, clock: Clock, ids: Iterable[str], *, into: bool | None,
           how: str) -> None:
    """Ask (or take `into`) whether the questions held out of the plan's scope go in; say
    what each answer means for the plan. `how` is the command that lets them in later."""
    from emdrill.cli import editor
    from emdrill.ops import plan_scope
    from emdrill.ui import question_views as view

    widening = plan_scope.widening(store, clock, ids)
    if widening is None:
        return
    terminal = editor.interactive()

    def say(line: str) -> None:
        view.show_scope_line(line, terminal=terminal)

    if into is None and terminal:
        say(view.widening_line(widening))
        into = bool(editor.confirm("Put them in the plan's scope?"))
    if into:
        plan_scope.let_in(store, clock, widening.ids)
        say(view.let_in_line(widening))
    else:
        say(view.kept_out_line(widening, how=how))
