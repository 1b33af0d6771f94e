"""`where`, `check` and `config`: where the data lives, whether the file is whole, and the
settings."""

from __future__ import annotations

from typing import Annotated

import typer

from emdrill import env
from emdrill.cli.base import App, open_here
from emdrill.ui.console import emit_json

where_app = App()
check_app = App()
config_app = App()

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@where_app.command()
def where(as_json: JsonOption = False) -> None:
    """Print where emdrill keeps its data."""
    home = env.home_dir()
    if as_json:
        emit_json({"data_folder": str(home), "database": str(env.db_path())})
        return
    typer.echo(f"data folder: {home}")
    typer.echo(f"database:    {env.db_path()}")

@check_app.command()
def check(
    repair: Annotated[bool, typer.Option("--repair", help="First bring out-of-range stored "
                                         "values (times before 1970 or after 2200) back into "
                                         "range.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Check the collection file for damage (reading only) and say how to recover."""
    from emdrill.ops import health

    path = env.db_path()
    exists = path.exists()
    repaired = (health.repair(path) if repair and exists else [])
    problems = health.database_problems(path) if exists else []
    if as_json:  # the same exit status: 1 when damaged

        good = health.latest_good_backup(path) if problems else None
        emit_json({"database": str(path), "exists": exists, "ok": not problems,
                   "problems": problems, "repaired": repaired,
                   "latest_good_backup": str(good) if good else None})
        if problems:
            raise typer.Exit(1)
        return
    if not exists:
        typer.echo(f"no database yet at {path}; nothing to check")
        return
    if repair:
        for line in repaired or ["nothing to repair"]:
            typer.echo(f"repaired: {line}" if repaired else line)
    if problems:
        for problem in problems[:20]:
            typer.echo(f"emdrill: {path}: {problem}", err=True)
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        typer.echo(f"emdrill: {path} is damaged ({count}); {health.RECOVER}", err=True)
        good = health.latest_good_backup(path)
        if good is not None:
            typer.echo(f"emdrill: the latest good backup is {good}: emdrill restore {good}",
                       err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {path} passes the full integrity check")


# "-1" is a value to reject by its range, not an unknown flag.
@config_app.command("config", context_settings={"ignore_unknown_options": True})
def config_cmd(
    key: Annotated[str | None, typer.Argument(help="Setting to show or change.")] = None,
    value: Annotated[str | None, typer.Argument(help="New value.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show settings, or set one: emdrill config retention 0.92"""
    from emdrill.core import settings
    from emdrill.ops import opening

    if key is not None and value is not None:
        normal = settings.validate_setting(key, value)  # before the store is touched
        normal = opening.change_setting(open_here(autoload=False), key, normal)
        typer.echo(f"{key} = {normal}")
        return
    if key is not None and key not in settings.SETTINGS:
        settings.validate_setting(key, "")
    values = opening.setting_values(open_here(autoload=False))
    if as_json:
        emit_json({k: {"value": v, "help": settings.SETTINGS[k].help} for k, v in values.items()
                   if key is None or key == k})
        return
    width = max(len(k) for k in settings.SETTINGS)
    for spec in settings.SETTINGS.values():
        if key is None or key == spec.key:
            typer.echo(f"{spec.key:<{width}} {values[spec.key]:<6} {spec.help}")
