"""The house rules of docs/architecture.md, checked on the source: imports point down the
layers, each third-party dependency stays with its owner, and no import cycle hides anywhere
(imports inside functions count too)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "emdrill"

# Which emdrill layers each layer may import (a layer is the first name after `emdrill.`).
ALLOWED = {
    "core": {"core"},
    "store": {"core", "store"},
    "ops": {"core", "store", "ops"},
    "ui": {"core", "ops", "ui"},
    "env": {"core"},
    "cli": {"core", "ops", "ui", "env", "cli"},
    "__main__": {"cli"},
    "__init__": set(),
}
# Third-party owners: the only layers (or modules) that may import each one.
OWNERS = {
    "rich": ("emdrill.ui.",),
    "typer": ("emdrill.cli.",),
    "click": ("emdrill.cli.",),
    "sqlmodel": ("emdrill.store.",),
    "sqlalchemy": ("emdrill.store.",),
    "sqlite3": ("emdrill.store.",),
    "fsrs": ("emdrill.core.scheduler",),
    "fsrs_rs_python": ("emdrill.core.fitting",),
    "platformdirs": ("emdrill.env",),
    "genanki": ("emdrill.ops.anki_export",),
    "backports": ("emdrill.store.anki",),  # backports.zstd: an Anki package's collection
    "compression": ("emdrill.store.anki",),  # the same, from the standard library (3.14+)
    "blessed": ("emdrill.ui.keys",),
    "markdown_it": ("emdrill.core.stories", "emdrill.core.questionlist"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """Every module `path` imports, at any depth of the file, with its line."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield (full if full in modules else node.module), node.lineno


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: {m for m, _ in imports_of(path, modules) if m in modules and m != name}
            for name, path in modules.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def violations() -> list[str]:
    modules = all_modules()
    found = []
    for name, path in modules.items():
        own = layer(name)
        for imported, line in imports_of(path, modules):
            where = f"{path.relative_to(SRC.parent)}:{line}"
            top = imported.split(".")[0]
            if top == "emdrill" and imported != "emdrill":
                if layer(imported) not in ALLOWED.get(own, set()):
                    found.append(f"{where}: {own}/ may not import {imported}")
            elif top in OWNERS and not name.startswith(OWNERS[top]) and name not in {
                    o.rstrip(".") for o in OWNERS[top]}:
                found.append(f"{where}: only {', '.join(OWNERS[top])} may import {top}")
    return found


def test_no_import_breaks_the_layer_or_ownership_rules() -> None:
    assert violations() == []


def test_no_import_cycles() -> None:
    assert find_cycle(graph()) is None


def test_every_layer_is_in_the_rules() -> None:
    assert {layer(m) for m in all_modules()} <= set(ALLOWED)


# The checks themselves must catch what they are for.


def test_cycle_finder_finds_a_cycle_through_three_modules() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(edges) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize(("source", "expected"), [
    ("import rich\n", "only emdrill.ui. may import rich"),
    ("def f():\n    from emdrill.store import db\n", "core/ may not import emdrill.store.db"),
    ("from sqlmodel import select\n", "only emdrill.store. may import sqlmodel"),
    ("def f():\n    import fsrs_rs_python\n",
     "only emdrill.core.fitting may import fsrs_rs_python"),
])
def test_a_planted_bad_import_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          source: str, expected: str) -> None:
    fake = tmp_path / "src" / "emdrill"
    (fake / "core").mkdir(parents=True)
    (fake / "store").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "store" / "__init__.py").write_text("")
    (fake / "store" / "db.py").write_text("")
    (fake / "core" / "__init__.py").write_text("")
    (fake / "core" / "planted.py").write_text(source)
    monkeypatch.setitem(globals(), "SRC", tmp_path / "src")
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    assert any(expected in v for v in violations())


# Who may read the environment, and what for. env.py owns emdrill's own variables and the
# data folder; the terminal conventions are read where the console is built, the editor
# where it is started.
ENVIRONMENT_READERS = {
    "emdrill.env": "EMDRILL_* variables, the platform's data folder",
    "emdrill.ui.console": "NO_COLOR, FORCE_COLOR, COLUMNS",
    "emdrill.cli.editor": "VISUAL, EDITOR",
}


def test_only_the_named_modules_read_the_environment() -> None:
    readers = set()
    for name, path in all_modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")
                    and isinstance(node.value, ast.Name) and node.value.id == "os"):
                readers.add(name)
    assert readers == set(ENVIRONMENT_READERS)


# Below cli/ no module reads the time of day or a timer (a Clock and a tick come in), except
# where a wait is bounded: the busy retry and an Anki package's query.
CLOCK_READERS = {"emdrill.env", "emdrill.store.db", "emdrill.store.anki"}
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"),
               ("time", "time"), ("time", "monotonic"), ("time", "perf_counter")}


def test_nothing_below_cli_reads_the_clock() -> None:
    readers = set()
    for name, path in all_modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and (node.value.id, node.attr) in CLOCK_CALLS):
                readers.add(name)
    below = {r for r in readers if not r.startswith("emdrill.cli")}
    assert below == CLOCK_READERS


# Public top-level classes that may share a name across modules, each with its reason. Empty:
# every class name says what it is wherever it is imported (Outlook, Scope, Plan, Coverage and
# Report each meant two things until issue 27).
SHARED_CLASS_NAMES: dict[str, str] = {}


def public_classes() -> dict[str, list[str]]:
    """Each public top-level class name, with the modules that define it."""
    found: dict[str, list[str]] = {}
    for name, path in all_modules().items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                found.setdefault(node.name, []).append(name)
    return found


def test_no_two_modules_define_the_same_public_class() -> None:
    twice = {c: where for c, where in public_classes().items()
             if len(where) > 1 and c not in SHARED_CLASS_NAMES}
    assert twice == {}, f"one name, two classes: {twice}"
    assert set(SHARED_CLASS_NAMES) <= set(public_classes())  # no stale exception


def test_the_class_name_check_sees_a_planted_duplicate(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "emdrill"
    (pkg / "core").mkdir(parents=True)
    (pkg / "core" / "a.py").write_text("class Plan:\n    pass\n")
    (pkg / "core" / "b.py").write_text("class Plan:\n    pass\nclass _Plan:\n    pass\n")
    monkeypatch.setitem(globals(), "SRC", tmp_path)
    monkeypatch.setitem(globals(), "PACKAGE", pkg)
    assert public_classes() == {"Plan": ["emdrill.core.a", "emdrill.core.b"]}


def documented_modules(text: str) -> set[str]:
    """The modules docs/architecture.md's module map names: each `name.py` under its
    layer's heading (**core/**, **store/**, ...), as "layer/name.py"."""
    section = text.split("## Module map")[1].split("\n## ")[0]
    parts = re.split(r"\*\*(core|store|ops|ui|cli)/\*\*", section)
    return {f"{layer}/{name}" for layer, body in zip(parts[1::2], parts[2::2], strict=True)
            for name in re.findall(r"`([a-z_]+\.py)`", body)}


def test_the_module_map_names_every_module_and_only_modules_that_exist() -> None:
    doc = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = documented_modules(doc)
    actual = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
              if path.parent != PACKAGE and path.name != "__init__.py"}
    assert sorted(actual - named) == [], "modules docs/architecture.md does not name"
    assert sorted(named - actual) == [], "modules docs/architecture.md names that do not exist"
    top = {path.name for path in PACKAGE.glob("*.py")} - {"__init__.py", "__main__.py"}
    assert all(f"`{name}`" in doc for name in top)  # env.py: the edge, in the layer table


def test_the_module_map_check_reads_its_headings() -> None:
    text = ("## Module map\n**core/**\n- `cards.py`: x (`bench/a.py`)\n**ui/**: `keys.py` (y)\n"
            "## Rules\n`later.py`\n")
    assert documented_modules(text) == {"core/cards.py", "ui/keys.py"}
