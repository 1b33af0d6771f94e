"""The table models (`store/tables.py`) are the one definition of the current schema: a
database built from them equals one built by every migration, object by object, and the
fingerprint every open compares (`LATEST_SCHEMA_DIGEST`) is the one they give."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, Table
from sqlmodel import SQLModel, create_engine

from emdrill.store import health, tables
from emdrill.store.db import run_migrations
from emdrill.store.migrations import LATEST, LATEST_SCHEMA_DIGEST


def _migrated(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN")
    run_migrations(con, upto=LATEST)
    con.execute("COMMIT")
    return con


def _modelled(path: Path) -> sqlite3.Connection:
    engine = create_engine(f"sqlite:///{path}")
    tables.create_schema(engine)
    engine.dispose()
    return sqlite3.connect(path)


def _words(sql: str) -> str:
    """SQL with its layout taken away: one space between words, none inside brackets."""
    flat = " ".join(sql.split())
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", flat))


def _checks(sql: str) -> list[str]:
    """Every CHECK (...) expression of a CREATE TABLE, column or table constraint alike."""
    found = []
    for match in re.finditer(r"\bCHECK\s*\(", sql, re.IGNORECASE):
        depth, start = 1, match.end()
        for i in range(start, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            if depth == 0:
                found.append(_words(sql[start:i]))
                break
    return sorted(found)


def facts(con: sqlite3.Connection) -> dict[str, Any]:
    """What a schema is, read back from SQLite itself: per table its columns (in order: name,
    declared type, NOT NULL, default, place in the primary key), checks, AUTOINCREMENT and
    foreign keys; per index its table, columns, uniqueness, origin and partial WHERE (and its
    SQL, whitespace aside); per trigger its SQL, whitespace aside."""
    out: dict[str, Any] = {}
    master = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    for kind, name, table, sql in master:
        if kind == "table":
            columns = [(n, t.upper(), bool(nn), d, pk)
                       for _cid, n, t, nn, d, pk in con.execute(f"PRAGMA table_info({name})")]
            keys = [c for c in columns if c[4]]
            if len(keys) == 1 and keys[0][1] == "INTEGER":  # the rowid: never NULL
                columns = [(n, t, nn or bool(pk), d, pk) for n, t, nn, d, pk in columns]
            out[f"table {name}"] = {
                "columns": columns, "checks": _checks(sql or ""),
                "autoincrement": "AUTOINCREMENT" in (sql or "").upper(),
                "foreign keys": sorted(tuple(r[1:]) for r in con.execute(
                    f"PRAGMA foreign_key_list({name})")),
            }
            for _seq, index, unique, origin, partial in con.execute(
                    f"PRAGMA index_list({name})"):
                out[f"index {index}"] = {
                    "table": name, "unique": unique, "origin": origin, "partial": partial,
                    "columns": [r[2] for r in con.execute(f"PRAGMA index_info({index})")]}
        elif kind == "trigger":
            out[f"trigger {name}"] = {"table": table, "sql": _words(sql)}
    for kind, name, _table, sql in master:
        if kind == "index" and sql:  # declared ones (not a key's or UNIQUE's own)
            where = re.split(r"\bWHERE\b", sql, maxsplit=1, flags=re.IGNORECASE)
            out[f"index {name}"]["sql"] = _words(sql)
            out[f"index {name}"]["where"] = _words(where[1]) if len(where) > 1 else None
    return out


def _differences(made: dict[str, Any], migrated: dict[str, Any]) -> list[str]:
    problems = [f"{k}: the models lack it" for k in sorted(migrated.keys() - made.keys())]
    problems += [f"{k}: no migration makes it" for k in sorted(made.keys() - migrated.keys())]
    for key in sorted(made.keys() & migrated.keys()):
        for part in sorted(made[key].keys() | migrated[key].keys()):
            model, history = made[key].get(part), migrated[key].get(part)
            if model != history:
                problems.append(f"{key} {part}: models {model!r}, migrations {history!r}")
    return problems


def test_the_models_declare_what_the_migrations_make(tmp_path: Path) -> None:
    made = facts(_modelled(tmp_path / "models.db"))
    migrated = facts(_migrated(tmp_path / "migrated.db"))
    assert _differences(made, migrated) == []
    assert len(migrated) > 50  # every table, index and trigger was compared


def test_the_digest_every_open_compares_is_the_models_schema(tmp_path: Path) -> None:
    """Once the models and the migrations agree (above), the fingerprint of the schema they
    make is LATEST_SCHEMA_DIGEST: an open needs only the constant, never the models."""
    con = _migrated(tmp_path / "migrated.db")
    made = facts(_modelled(tmp_path / "models.db"))
    assert _differences(made, facts(con)) == []
    digest = health.schema_digest(health.schema_rows(con))
    assert digest == LATEST_SCHEMA_DIGEST, f"set LATEST_SCHEMA_DIGEST = {digest!r}"
    # the indexes' and triggers' text in the fingerprint is the models' own, word for word
    models = {(t, n): _words(s) for t, n, s in health.schema_rows(
        sqlite3.connect(tmp_path / "models.db")) if t in ("index", "trigger") and s}
    assert models == {(t, n): _words(s) for t, n, s in health.schema_rows(con)
                      if t in ("index", "trigger") and s}


@contextmanager
def _changed(change: Any, undo: Any) -> Iterator[None]:
    change()
    try:
        yield
    finally:
        undo()


def _extra_column() -> Iterator[None]:
    table: Table = tables.FacetRow.__table__  # type: ignore[attr-defined]
    column = Column("extra", Integer, nullable=True)
    with _changed(lambda: table.append_column(column),
                  lambda: table._columns.remove(column)):
        yield


def _dropped_index() -> Iterator[None]:
    table: Table = tables.QuestionRow.__table__  # type: ignore[attr-defined]
    index = next(i for i in table.indexes if i.name == "question_new")
    with _changed(lambda: table.indexes.remove(index), lambda: table.indexes.add(index)):
        yield


def _widened_index() -> Iterator[None]:
    table: Table = tables.ReviewRow.__table__  # type: ignore[attr-defined]
    index = next(i for i in table.indexes if i.name == "review_first")
    where = index.dialect_options["sqlite"]["where"]
    with _changed(lambda: index.dialect_options["sqlite"].__setitem__("where", None),
                  lambda: index.dialect_options["sqlite"].__setitem__("where", where)):
        yield


def _nullable_column() -> Iterator[None]:
    column = tables.ReviewRow.__table__.c.mode  # type: ignore[attr-defined]
    with _changed(lambda: setattr(column, "nullable", True),
                  lambda: setattr(column, "nullable", False)):
        yield


def _lost_trigger() -> Iterator[None]:
    kept = tables.TRIGGERS
    with _changed(lambda: setattr(tables, "TRIGGERS", kept[:-1]),
                  lambda: setattr(tables, "TRIGGERS", kept)):
        yield


def _lost_check() -> Iterator[None]:
    table: Table = tables.SystemRow.__table__  # type: ignore[attr-defined]
    check = next(c for c in table.constraints if type(c).__name__ == "CheckConstraint")
    with _changed(lambda: table.constraints.remove(check),
                  lambda: table.constraints.add(check)):
        yield


@pytest.mark.parametrize(("mutation", "seen"), [
    (_extra_column, "table facet columns"),
    (_dropped_index, "index question_new: the models lack it"),
    (_widened_index, "index review_first partial"),
    (_nullable_column, "table review columns"),
    (_lost_trigger, "trigger play_count_changed: the models lack it"),
    (_lost_check, "table system checks"),
])
def test_a_model_that_drifts_from_the_migrations_is_caught(
        tmp_path: Path, mutation: Any, seen: str) -> None:
    migrated = facts(_migrated(tmp_path / "migrated.db"))
    with contextmanager(mutation)():
        made = facts(_modelled(tmp_path / "models.db"))
    problems = _differences(made, migrated)
    assert any(p.startswith(seen) for p in problems), problems


def test_the_metadata_holds_only_the_models() -> None:
    assert set(SQLModel.metadata.tables) == {
        t.__tablename__ for t in SQLModel.__subclasses__()
        if getattr(t, "__table__", None) is not None}
