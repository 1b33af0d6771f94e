"""Lazy loading is one mechanism, not a habit (docs/architecture.md, "Lazy loading").

A command's module is imported only when that command runs or is listed (the command table,
cli/lazy.py), and each heavy package has one lazy entry point in the module that owns it.
Every other import sits at the top of its file. This walks every module's syntax tree and
fails on an import inside a function body that is not declared below with its reason
(imports under `if TYPE_CHECKING:` are types only and do not count). Which modules each
command really loads is pinned by test_cli_lazy.py, test_store_paths.py and test_cli.py."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "emdrill"

_PLAN = "the interview plan: the hot path loads it only while an interview is booked"

# (module, what it imports inside a function) -> why that import waits.
LAZY: dict[tuple[str, str], str] = {
    ("emdrill.core.fitting", "fsrs_rs_python"):
        "the optimizer, only when fitting; status reads fitting's offer thresholds",
    ("emdrill.core.stories", "markdown_it"):
        "the story parser (_markdown), only when a story file is read",
    ("emdrill.store.db", "sqlalchemy"):
        "the ORM engine (Store._orm), built on the first write through the models",
    ("emdrill.store.db", "sqlmodel"): "the ORM engine and its sessions (Store._orm, _unit)",
    ("emdrill.store.db", "emdrill.store.tables"):
        "the table models a session works on, imported with the ORM engine (Store._orm)",
    ("emdrill.store.migrations", "emdrill.store.memories"):
        "migration 10's recompute, only when a file from before it is opened",
    ("emdrill.store.review_log", "emdrill.store.practice"):
        "the intent pick a decoding answer records (grade and undo otherwise do without)",
    ("emdrill.env", "platformdirs"): "the platform's data folder, only without EMDRILL_HOME",
    ("emdrill.ui.keys", "blessed"): "the terminal's key reader, only in a session on a tty",
    ("emdrill.ui.keys", "termios"): "not on Windows (blessed restores the console there)",
    ("emdrill.ops.opening", "emdrill.ops.decks"):
        "deck parsing, only on a collection's first use (the bundled decks load)",
    ("emdrill.ops.home_status", "emdrill.ops.interview"): _PLAN,
    ("emdrill.ops.queueing", "emdrill.ops.interview"): _PLAN,
    ("emdrill.ui.views", "emdrill.ui.interview_view"): _PLAN,
    ("emdrill.ui.views", "emdrill.core.story_bank"):
        "show's story match (question_json), not the status views beside it",
}

# cli/: a command module is imported only when one of its commands runs (`--help` lists the
# table's summaries), so it imports at the top. A command's body may import the emdrill
# modules that it alone needs where a sibling command in the same module must stay light:
# `where` (upkeep), `simulate` (stats), `deck --help`, `suggest` (questions), `backup` and
# `restore` (transfer), `undo` and `status` beside `show` and the home screen (review), and
# the two modules every command loads (main, base). What every command loads anyway (these,
# the standard library, typer) is always at the top.
CLI_TOP = ("emdrill.cli.base", "emdrill.cli.lazy", "emdrill.core.errors", "emdrill.ui.console")


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _names(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif node.module:
        for alias in node.names:  # `from emdrill.ops import interview` imports a module
            full = f"{node.module}.{alias.name}"
            candidate = SRC.joinpath(*full.split("."))
            yield full if candidate.with_suffix(".py").exists() or candidate.is_dir() \
                else node.module


def _inner_imports(tree: ast.AST, in_function: bool = False
                   ) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            continue
        if in_function and isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _inner_imports(child, in_function or isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))


def _declared(module: str, imported: str) -> bool:
    return any(module == m and (imported == p or imported.startswith(p + "."))
               for m, p in LAZY)


def inner_imports() -> list[tuple[str, int, str]]:
    """(module, line, imported module) for every import inside a function body."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [(_module(path), node.lineno, name)
                  for node in _inner_imports(tree) for name in _names(node)]
    return found


def _refused(module: str, imported: str) -> bool:
    if _declared(module, imported):
        return False
    if module.startswith("emdrill.cli."):
        return not imported.startswith("emdrill.") or imported.startswith(CLI_TOP)
    return True


def test_every_import_inside_a_function_is_a_declared_entry_point() -> None:
    refused = [f"{m}:{line}: {name}" for m, line, name in inner_imports() if _refused(m, name)]
    assert refused == [], "move these to the top of the file (or declare a lazy entry point)"


def test_each_declared_entry_point_is_used() -> None:
    """A stale entry would let a new lazy import slip in under an old reason."""
    used = {(m, name) for m, _line, name in inner_imports()}
    stale = [key for key in LAZY
             if not any(m == key[0] and (n == key[1] or n.startswith(key[1] + "."))
                        for m, n in used)]
    assert stale == []


def test_the_walk_finds_an_import_inside_a_function() -> None:
    """The check itself: a nested import is seen, one for types only is not."""
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import fsrs\n"
                     "def f():\n    if True:\n        import sqlmodel\n"
                     "class C:\n    def m(self):\n        from rich import table\n")
    assert [_names(n).__next__() for n in _inner_imports(tree)] == ["sqlmodel", "rich"]
    assert _refused("emdrill.ops.grading", "sqlmodel")
    assert _refused("emdrill.cli.review", "emdrill.ui.console")
    assert _refused("emdrill.cli.review", "random")
    assert not _refused("emdrill.cli.review", "emdrill.ops.grading")
    assert not _refused("emdrill.store.db", "sqlalchemy.pool")
