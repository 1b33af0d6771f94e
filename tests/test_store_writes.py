"""Every write goes through `Store.transact`: run the commands that write, watch every
statement the store's connection runs, and read the source for transactions begun or ended
anywhere else."""

from __future__ import annotations

import ast
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emdrill.cli.main import app
from emdrill.store import db
from emdrill.store.db import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SRC = Path(db.__file__).resolve().parents[1]
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class _Watch:
    """What the store's connections ran: a write outside a transaction begun by
    `Store.transact` (or the migrations on opening) is a write around the wrapper."""

    def __init__(self) -> None:
        self.opened_by: list[str] = []  # who began each write transaction
        self.begun_immediate = 0
        self.stray: list[str] = []
        self.ops: list[str] = []
        self._open: str | None = None  # the transaction in progress: "BEGIN IMMEDIATE" etc.

    def statement(self, sql: str) -> None:
        words = sql.split()
        head = words[0].upper() if words else ""
        if head.startswith("--"):
            return  # a trigger program, reported again with the statement that fired it
        if head == "BEGIN":
            self._open = " ".join(words[:2]).upper()
            self.begun_immediate += self._open == "BEGIN IMMEDIATE"
        elif head in ("COMMIT", "ROLLBACK", "END"):
            self._open = None
        elif head in WRITES and self._open != "BEGIN IMMEDIATE":
            self.stray.append(sql)


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> _Watch:
    seen = _Watch()
    connector, migrate, transact = db._connector, db._migrate, Store.transact

    def watched_connector(uri: str) -> Callable[[], sqlite3.Connection]:
        connect = connector(uri)

        def watched() -> sqlite3.Connection:
            con = connect()
            con.set_trace_callback(seen.statement)
            return con
        return watched

    def counted_migrate(con: sqlite3.Connection) -> None:
        seen.opened_by.append("migrations")
        migrate(con)

    @contextmanager
    def counted(self: Store, op: str, *, orm: bool = False, wait_ms: int | None = None,
                answer: bool = False) -> Iterator[sqlite3.Connection]:
        if self.writing is None:
            seen.opened_by.append("transact")
            seen.ops.append(op)
        with transact(self, op, orm=orm, wait_ms=wait_ms, answer=answer) as con:
            yield con

    monkeypatch.setattr(db, "_connector", watched_connector)
    monkeypatch.setattr(db, "_migrate", counted_migrate)
    monkeypatch.setattr(Store, "transact", counted)
    monkeypatch.setenv("EMDRILL_NOW", T0.isoformat())
    return seen


def _ok(runner: CliRunner, args: list[str], typed: str | None = None) -> str:
    result = runner.invoke(app, args, input=typed)
    assert result.exit_code == 0, (args, result.output)
    return result.output


def test_every_command_that_writes_writes_through_transact(watch: _Watch,
                                                           tmp_path: Path) -> None:
    run = CliRunner()
    _ok(run, ["status"])  # a first use: migrations, then the bundled deck (the ORM)
    qid = json.loads(_ok(run, ["next", "--json", "-n", "1"]))[0]["id"]
    story = "\n".join(["", "Budget fight", "5", "5", "", "", "They wanted it all.", "", "",
                       "I split it.", "", "", "", ""]) + "\n"
    commands: list[tuple[list[str], str | None]] = [
        (["config", "new-per-day", "5"], None),
        (["grade", qid, "--intent", "good", "--story", "1"], None),
        (["undo"], None),
        (["grade", qid, "--intent", "again", "--story", "2"], None),
        (["suspend", qid], None), (["unsuspend", qid], None),
        (["bury", qid], None), (["unsuspend", qid], None),
        (["story", "add", "--no-edit"], story),
        (["system", "edit", "team", "--no-edit"], "I hire slowly.\n\n"),
        (["interview", "2026-03-16"], None), (["interview", "--clear"], None),
        (["add", "Tell me about a hire you got wrong.", "--yes"], None),
        (["export", "json", str(tmp_path / "all.json")], None),
        (["import", str(tmp_path / "all.json"), "--replace"], None),
    ]
    for args, typed in commands:
        before = len(watch.ops)
        _ok(run, args, typed)
        if args[0] != "export":
            assert len(watch.ops) > before, f"{args}: wrote nothing through transact"
    assert watch.stray == []
    # every write transaction the connections began was begun by the wrapper (or by the
    # migrations on opening): nobody issues BEGIN IMMEDIATE on their own
    assert watch.begun_immediate == len(watch.opened_by)
    assert {"grade", "undo", "load the bundled deck", "save a setting", "add a story"} \
        <= set(watch.ops)


# ---------------------------------------------------------------- the source

# The modules that open sqlite3 connections (docs/architecture.md, "The connections that are
# not a Store"): the store itself, and files that are not an open collection: a copy made or
# checked by the backup API (backup), a database built from an export before it becomes one
# (dump.build), a foreign Anki package (anki). None of them writes to an open collection.
OWN_CONNECTIONS = {"store/db.py", "store/dump.py", "store/backup.py", "store/anki.py"}
ENDS = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b")


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        yield path.relative_to(SRC).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


# `tables.create_schema` builds an empty database from the models on an engine it is handed
# (the schema tests), never an open collection.
OWN_ENGINES = {"store/db.py", "store/tables.py"}


def _statement_starts(tree: ast.Module) -> Iterator[ast.Constant]:
    """Every string constant that begins a statement: a plain string, or the first part of
    an f-string (a later part, like a trigger's `... BEGIN UPDATE`, is inside one)."""
    inner = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for part in node.values[1:]}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in inner):
            yield node


def _connects(tree: ast.Module) -> Iterator[int]:
    """The lines that call sqlite3's `connect`, however it was imported."""
    aliases = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and node.module == "sqlite3" for a in node.names if a.name == "connect"}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr == "connect"
                and isinstance(func.value, ast.Name) and func.value.id == "sqlite3") or (
                isinstance(func, ast.Name) and func.id in aliases):
            yield node.lineno


def test_only_the_documented_modules_open_a_sqlite3_connection() -> None:
    """Every other module reads through a `Store` (`open_store`, or `open_read_only` for
    what only reads); the list holds no module that no longer connects either."""
    connecting = {name: list(_connects(tree)) for name, tree in _modules()}
    assert {name for name, lines in connecting.items() if lines} == OWN_CONNECTIONS


def test_the_connect_walk_sees_both_spellings() -> None:
    tree = ast.parse("import sqlite3\nfrom sqlite3 import connect as c\n"
                     "sqlite3.connect('a')\nc('b')\nother.connect('c')\n")
    assert list(_connects(tree)) == [3, 4]


def test_no_module_begins_or_ends_a_transaction_outside_the_store() -> None:
    found: list[str] = []
    for name, tree in _modules():
        if name not in OWN_CONNECTIONS:
            found += [f"{name}:{node.lineno}: {str(node.value)[:30]!r}"
                      for node in _statement_starts(tree) if ENDS.match(str(node.value))]
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("commit", "rollback", "begin", "begin_nested")
                    and name not in OWN_ENGINES):
                found.append(f"{name}:{node.lineno}: .{node.func.attr}()")
            if (isinstance(node, ast.Attribute) and node.attr in ("write", "transaction")
                    and isinstance(node.value, ast.Name) and node.value.id == "store"):
                found.append(f"{name}:{node.lineno}: store.{node.attr} (use store.transact)")
    assert found == []


def test_only_the_store_makes_an_orm_session_or_engine() -> None:
    found = []
    for name, tree in _modules():
        made = {alias.asname or alias.name for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module is not None
                and node.module.split(".")[0] in ("sqlmodel", "sqlalchemy")
                for alias in node.names
                if alias.name in ("Session", "create_engine", "sessionmaker")}
        found += [f"{name}:{node.lineno}" for node in ast.walk(tree)
                  if name != "store/db.py" and isinstance(node, ast.Call)
                  and isinstance(node.func, ast.Name) and node.func.id in made]
    assert found == []
