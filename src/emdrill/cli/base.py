"""What every command group shares: one-line errors for expected failures, and a last
resort for the unexpected ones (one line, and the full trace in a log file)."""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from emdrill.core.errors import EmdrillError

if TYPE_CHECKING:
    # click's types, as typer's own classes are declared with them: typer 0.29 vendors click
    # as typer._click (older typer uses click itself; mypy checks the newest typer allowed).
    from typer._click import Command as ClickCommand
    from typer._click import Context

    from emdrill.ops.opening import Store


# Exit, abort and usage errors are click's own way of ending; typer may vendor click, so
# its classes are found through typer's.
_QUIET: tuple[type[BaseException], ...] = (
    typer.Exit, typer.Abort,
    *(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"),
    BrokenPipeError)  # click ends quietly on a closed pipe


def summary(help_text: str | None) -> str:
    """A command's one-line summary for --help listings: its docstring's first line, whole
    (click would cut it at 45 characters with "...")."""
    return (help_text or "").strip().split("\n\n")[0].replace("\n", " ").strip()


def usage_pieces(command: ClickCommand, ctx: Context) -> list[str]:
    """The usage line's words: ID when required, [FILE] when optional, PATH... when many,
    the same whatever typer version builds it (some print {ID} or [[FILE]])."""
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if param.param_type_name != "argument":
            pieces.extend(param.get_usage_pieces(ctx))
            continue
        name = (param.metavar or param.name or "ARG").strip("[]{}.").upper()
        name = name if param.required else f"[{name}]"
        pieces.append(name + ("..." if param.nargs != 1 else ""))
    return pieces


class Command(TyperCommand):
    """Every emdrill command: a whole summary and a clean usage line."""

    def get_short_help_str(self, limit: int = 45) -> str:
        return summary(self.short_help or self.help)

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        return usage_pieces(self, ctx)


F = TypeVar("F", bound=Callable[..., Any])


class App(typer.Typer):
    """typer.Typer whose commands are `Command`s (typer's documented `cls` argument), with
    plain help and no completion options of its own: each command or group is an App of its
    own, built when the root's table asks for it (cli/lazy.py), so only the root may add
    the completion options."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("add_completion", False)
        kwargs.setdefault("rich_markup_mode", None)
        super().__init__(**kwargs)

    def command(self, name: str | None = None, **kwargs: Any) -> Callable[[F], F]:
        kwargs.setdefault("cls", Command)
        return super().command(name, **kwargs)


class Group(TyperGroup):
    """Turns expected failures into one line on stderr and exit status 1."""

    def get_short_help_str(self, limit: int = 45) -> str:
        return summary(self.short_help or self.help)

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except EmdrillError as exc:
            for line in str(exc).splitlines() or ["error"]:
                typer.echo(f"emdrill: {line}", err=True)
            raise typer.Exit(1) from None
        except _QUIET:
            raise
        except Exception as exc:
            unexpected(exc)


LOG_NAME = "error.log"


def unexpected(exc: BaseException) -> NoReturn:
    """A bug: one line on stderr and the full trace appended to a log in the data folder."""
    log = _write_trace(exc)
    reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:160]
    where = f"the full trace is in {log}" if log else "no log file could be written"
    typer.echo(f"emdrill: unexpected error ({reason}); this is a bug, {where}", err=True)
    raise typer.Exit(1)


def _write_trace(exc: BaseException) -> Path | None:
    from emdrill import env

    text = (f"--- {datetime.now().astimezone().isoformat()} emdrill {' '.join(sys.argv[1:])}\n"
            + "".join(traceback.format_exception(exc)))
    for folder in (env.home_dir, lambda: Path(tempfile.gettempdir())):
        try:
            path = folder() / LOG_NAME
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8", errors="replace") as f:
                f.write(text)
            return path
        except Exception:  # the data folder itself may be what is broken
            continue
    return None


def open_here(*, autoload: bool = True) -> Store:
    """Open the collection in the data folder, with the environment read once here."""
    from emdrill import env
    from emdrill.ops import opening

    clock = env.read_clock()
    opening.set_test_kill(env.read_test_kill())  # a test hook; unset: nothing
    return opening.open_collection(env.db_path(), now=clock.now, seed=env.read_seed(),
                                   autoload=autoload, local=clock.local)
