"""The command table: a run builds only the command it names, imports only that command's
module, and nothing a user sees changes (help, suggestions, completion: test_cli_conventions).

The names come from the table itself, so a command added later is covered without touching
this file; a typer app left out of the table fails `test_every_typer_app_is_in_the_table`."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main
from typer.core import TyperGroup

from emdrill.cli import main as cli_main
from emdrill.cli.lazy import LazyGroup
from emdrill.cli.main import COMMANDS, app

CLI = Path(cli_main.__file__).parent


def _root() -> LazyGroup:
    root = typer.main.get_command(app)
    assert isinstance(root, LazyGroup)
    return root


def _groups() -> list[str]:
    root = _root()
    ctx = typer.Context(root)
    return [n for n in root.list_commands(ctx) if isinstance(root.get_command(ctx, n), TyperGroup)]


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         *args: str) -> tuple[int, str, str]:
    """`emdrill ARGS` in this process, through `main()` as the installed script calls it."""
    monkeypatch.setattr(sys, "argv", ["emdrill", *args])
    code: int | str | None = 0
    try:
        cli_main.main()
    except SystemExit as done:
        code = done.code
    out, err = capsys.readouterr()
    assert isinstance(code, int | None)
    return code or 0, out, err


def test_the_root_builds_nothing_until_asked() -> None:
    root = _root()
    assert root.commands == {}  # every command is in the table, none built with the group
    assert root.list_commands(typer.Context(root)) == list(COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_entry_names_a_typer_app_that_builds_that_command(name: str) -> None:
    path, summary = COMMANDS[name]
    module, _, attribute = path.partition(":")
    held = getattr(importlib.import_module(module), attribute)
    assert isinstance(held, typer.Typer)
    built = typer.main.get_command(held)
    assert built.name == name  # --help lists the name the table gives
    assert summary == built.get_short_help_str()  # and the summary its own docstring gives


def test_every_typer_app_is_in_the_table() -> None:
    """A command defined in cli/ but left out of COMMANDS would never run: none is."""
    defined = set()
    for path in CLI.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Name) and node.value.func.id == "App"):
                defined |= {f"emdrill.cli.{path.stem}:{t.id}" for t in node.targets
                            if isinstance(t, ast.Name)}
    assert defined - {"emdrill.cli.main:app"} == {path for path, _ in COMMANDS.values()}


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--help", "status"]])
def test_help_lists_every_command_in_the_table(
        args: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(monkeypatch, capsys, *args)
    assert code == 0
    rows = out.split("Commands:")[1].splitlines()  # a long summary wraps onto deeper lines
    listed = [line.split()[0] for line in rows if line.startswith("  ") and line[2] != " "]
    assert listed == list(COMMANDS)
    assert len(listed) > 20


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_and_group_answers_help_when_built_alone(
        name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(monkeypatch, capsys, name, "--help")
    assert code == 0, err
    assert out.startswith(f"Usage: emdrill {name} ")


@pytest.mark.parametrize("group", _groups())
def test_each_group_runs_its_subcommands(
        group: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = _root()
    ctx = typer.Context(root)
    sub = root.get_command(ctx, group)
    assert isinstance(sub, TyperGroup)
    for name in sub.list_commands(ctx):
        code, out, err = _run(monkeypatch, capsys, group, name, "--help")
        assert code == 0, err
        assert out.startswith(f"Usage: emdrill {group} {name} ")


def test_main_builds_only_the_named_command(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    built: list[str] = []
    real = typer.main.get_command_from_info

    def counting(*args: Any, **kwargs: Any) -> Any:
        command = real(*args, **kwargs)
        built.append(command.name or "")
        return command

    monkeypatch.setattr(typer.main, "get_command_from_info", counting)
    code, out, _ = _run(monkeypatch, capsys, "where")
    assert code == 0 and "data folder:" in out
    assert built == ["where"]


# Runs `emdrill ARGS` and names every module loaded when it ends (`-X importtime` would miss
# those `importlib.import_module` loads).
_TRACE = ("import sys\nfrom emdrill.cli.main import main\nsys.argv = ['emdrill', *sys.argv[1:]]\n"
          "try:\n    main()\nfinally:\n    print('LOADED', *sorted(sys.modules))\n")


def _cli_modules_imported(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _TRACE, *args], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.split("LOADED ")[1].split()
    return {n for n in loaded if n.startswith("emdrill.cli.")}


def test_a_run_imports_only_its_own_command_module() -> None:
    assert _cli_modules_imported("where") == {
        "emdrill.cli.main", "emdrill.cli.base", "emdrill.cli.lazy", "emdrill.cli.upkeep"}
    assert _cli_modules_imported("--version") == {
        "emdrill.cli.main", "emdrill.cli.base", "emdrill.cli.lazy"}


def test_help_lists_the_table_and_builds_no_command() -> None:
    assert _cli_modules_imported("--help") == {
        "emdrill.cli.main", "emdrill.cli.base", "emdrill.cli.lazy"}


def test_an_unknown_command_still_errors_with_a_suggestion(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(monkeypatch, capsys, "stauts")
    assert code == 2
    assert "No such command 'stauts'" in err and "status" in err.split("Did you mean")[1]
    code, _, err = _run(monkeypatch, capsys, "zzzz")
    assert code == 2 and "No such command 'zzzz'." in err and "Did you mean" not in err


def test_help_walks_the_whole_tree(monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(monkeypatch, capsys, "help", "story", "add")
    assert code == 0, err
    assert out.startswith("Usage: emdrill story add ")


def test_no_arguments_still_shows_status(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(monkeypatch, capsys)
    assert code == 0, err
    assert "due now" in out and "new left today" in out
