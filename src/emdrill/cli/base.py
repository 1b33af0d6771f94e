"""What every command group shares: one-line errors for expected failures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from emdrill.core.errors import EmdrillError

if TYPE_CHECKING:
    from emdrill.ops.collection import Store


class Group(TyperGroup):
    """Turns expected failures into one line on stderr and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except EmdrillError as exc:
            for line in str(exc).splitlines() or ["error"]:
                typer.echo(f"emdrill: {line}", err=True)
            raise typer.Exit(1) from None


def open_here(*, autoload: bool = True) -> Store:
    """Open the collection in the data folder, with the environment read once here."""
    from emdrill import env
    from emdrill.ops import collection

    clock = env.read_clock()
    return collection.open_collection(env.db_path(), now=clock.now, seed=env.read_seed(),
                                      autoload=autoload, local=clock.local)
