"""Conventions a shell user expects: --version, shell completion (bash, zsh, fish) for
commands, options, question ids and family slugs, whole --help summaries, clean usage."""

from __future__ import annotations

import os
import sys
from importlib.metadata import version

import pytest
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

import procs
from emdrill.cli.main import app


def _complete(shell: str, words: str, *, cword: int | None = None) -> list[str]:
    """What the shell's hook would get back for the command line `words`."""
    env = {**os.environ, "_EMDRILL_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        env |= {"COMP_WORDS": words, "COMP_CWORD": str(cword if cword is not None
                                                        else len(words.split()) - 1)}
    else:
        env |= {"_TYPER_COMPLETE_ARGS": words, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    done = procs.run([sys.executable, "-m", "emdrill"], env=env, capture_output=True,
                     text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")


@pytest.fixture
def loaded(runner: CliRunner) -> CliRunner:
    assert runner.invoke(app, ["status"]).exit_code == 0  # loads the bundled decks
    return runner


def test_version(runner: CliRunner) -> None:
    done = runner.invoke(app, ["--version"])
    assert done.exit_code == 0 and done.output == f"emdrill {version('emdrill')}\n"


def test_bash_completes_commands_options_ids_and_families(loaded: CliRunner) -> None:
    assert _complete("bash", "emdrill st") == ["status", "stats", "story", ""]
    assert "--intent-pick" in _complete("bash", "emdrill grade --int")
    ids = _complete("bash", "emdrill show underperformance-u")
    assert "underperformance-underperformer" in ids and all(
        i.startswith("underperformance-u") for i in ids if i)
    assert _complete("bash", "emdrill drill --family con") == ["conflict", ""]


def test_zsh_and_fish_complete_too(loaded: CliRunner) -> None:
    zsh = "\n".join(_complete("zsh", "emdrill shaky --family de"))
    assert '"decisions"' in zsh and '"delivery"' in zsh and "conflict" not in zsh
    fish = _complete("fish", "emdrill grade decisions-unp")
    assert fish[0] == "decisions-unpopular"


def test_the_hook_script_prints(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--show-completion` prints the hook for the shell it runs under (shellingham finds it;
    here it is pinned, as a test worker's parent process is not always a shell)."""
    import shellingham  # type: ignore[import-untyped]

    monkeypatch.setattr(shellingham, "detect_shell", lambda: ("bash", "/bin/bash"))
    done = runner.invoke(app, ["--show-completion"], prog_name="emdrill")
    assert done.exit_code == 0 and "_EMDRILL_COMPLETE=complete_" in done.output


def _every_command() -> list[list[str]]:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    ctx = typer.Context(root)
    found: list[list[str]] = []
    for name in root.list_commands(ctx):
        command = root.get_command(ctx, name)
        found.append([name])
        if isinstance(command, TyperGroup):
            found.extend([name, sub] for sub in command.list_commands(ctx))
    return found


def test_help_summaries_are_whole_and_usage_lines_clean(runner: CliRunner) -> None:
    listing = runner.invoke(app, ["--help"]).output
    assert "..." not in listing.split("Commands:")[1]
    for words in _every_command():
        shown = runner.invoke(app, [*words, "--help"], prog_name="emdrill").output
        usage = shown.splitlines()[0]
        assert usage.startswith(f"Usage: emdrill {' '.join(words)} [OPTIONS]"), usage
        assert "[[" not in usage and "{" not in usage, usage
        if "Commands:" in shown:
            assert "..." not in shown.split("Commands:")[1], words
    assert runner.invoke(app, ["show", "--help"], prog_name="emdrill").output.startswith(
        "Usage: emdrill show [OPTIONS] ID\n")
    assert runner.invoke(app, ["deck", "check", "--help"], prog_name="emdrill").output.startswith(
        "Usage: emdrill deck check [OPTIONS] [PATH]...\n")
