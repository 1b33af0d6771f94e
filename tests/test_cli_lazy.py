"""`main()` builds only the command its arguments name, and nothing a user sees changes.

The names come from typer's own build of the full app, so a command added later is covered
without touching this file."""

from __future__ import annotations

import sys
from typing import Any

import pytest
import typer.main
from typer.core import TyperGroup

from emdrill.cli import main as cli_main
from emdrill.cli.lazy import _command_name, _group_name, narrowed
from emdrill.cli.main import app


def _full_names() -> list[str]:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return list(group.commands)


def _groups() -> list[str]:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return [n for n, c in group.commands.items() if isinstance(c, TyperGroup)]


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


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--help", "status"]])
def test_help_lists_every_command_of_the_full_app(
        args: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(monkeypatch, capsys, *args)
    assert code == 0
    rows = out.split("Commands:")[1].splitlines()  # a long summary wraps onto deeper lines
    listed = {line.split()[0] for line in rows if line.startswith("  ") and line[2] != " "}
    assert listed == set(_full_names())
    assert len(listed) > 20


@pytest.mark.parametrize("name", _full_names())
def test_each_command_and_group_answers_help_when_built_alone(
        name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(monkeypatch, capsys, name, "--help")
    assert code == 0, err
    assert out.startswith(f"Usage: emdrill {name} ")


@pytest.mark.parametrize("group", _groups())
def test_each_group_runs_its_subcommands_when_built_alone(
        group: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    full = typer.main.get_command(app)
    assert isinstance(full, TyperGroup)
    sub = full.commands[group]
    assert isinstance(sub, TyperGroup)
    for name in sub.commands:
        code, out, err = _run(monkeypatch, capsys, group, name, "--help")
        assert code == 0, err
        assert out.startswith(f"Usage: emdrill {group} {name} ")


def test_each_name_builds_one_command_and_leaves_the_app_whole() -> None:
    before = (list(app.registered_commands), list(app.registered_groups))
    for name in _full_names():
        if name == "help":  # it walks the whole tree, so it keeps everything
            continue
        small = narrowed(app, [name, "--help"])
        assert len(small.registered_commands) + len(small.registered_groups) == 1, name
    assert (app.registered_commands, app.registered_groups) == before
    assert narrowed(app, ["--help"]) is app
    assert narrowed(app, ["help", "story"]) is app
    assert narrowed(app, ["no-such-thing"]) is app
    root = narrowed(app, [])
    assert not root.registered_commands and not root.registered_groups


def test_main_converts_only_the_named_command(monkeypatch: pytest.MonkeyPatch,
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


def test_an_unknown_command_still_errors_with_a_suggestion(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(monkeypatch, capsys, "stauts")
    assert code == 2
    assert "No such command 'stauts'" in err and "status" in err.split("Did you mean")[1]


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


def test_the_typer_internals_read_are_still_there() -> None:
    """cli/lazy.py reads these; a typer that renames one fails here, by name, first."""
    assert app.registered_commands and app.registered_groups
    built = typer.main.get_command(app)
    assert isinstance(built, TyperGroup)
    names = {_command_name(c) for c in app.registered_commands}
    groups = {_group_name(g) for g in app.registered_groups}
    assert names | groups == set(built.commands)
