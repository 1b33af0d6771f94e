"""Every table as plain rows for the JSON export, and a new database built from such rows.

A row is the table's columns by name: times as the stored UTC text, list columns as lists,
flags as booleans. A review is written as it was stored before migration 20 (its question's
text id, its times as UTC text, its mode's name), so the format did not change with it.
Building checks each value against its column, so a hand-edited file
fails with `FILE: section[i].field: ...` rather than landing as a broken database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, text
from sqlmodel import SQLModel

from emdrill.core.cards import MODES
from emdrill.core.dumpfile import SECTIONS, DumpError, Row
from emdrill.core.timing import FIRST_YEAR, LAST_YEAR, time_in_range
from emdrill.store.codec import (
    from_db_micros,
    json_list,
    mode_code,
    mode_of,
    to_db_micros,
    to_db_time,
    to_json_list,
)
from emdrill.store.db import Store, run_migrations
from emdrill.store.tables import (
    AnkiReviewRow,
    DeckRow,
    FacetRow,
    FamilyRow,
    IntentPickRow,
    InterviewRow,
    JSONList,
    ParametersRow,
    QuestionRow,
    RehearsalRow,
    ReviewRow,
    SettingRow,
    SlotRow,
    StoryRow,
    SystemRow,
    UTCDateTime,
    UTCMicros,
)

MODELS: dict[str, type[SQLModel]] = {
    "decks": DeckRow, "families": FamilyRow, "slots": SlotRow, "questions": QuestionRow,
    "progress": FacetRow, "reviews": ReviewRow, "anki_reviews": AnkiReviewRow,
    "intent_picks": IntentPickRow, "rehearsals": RehearsalRow,
    "stories": StoryRow, "systems": SystemRow, "settings": SettingRow,
    "interview": InterviewRow, "fsrs_parameters": ParametersRow,
}
SEQUENCES = "sequences"  # sqlite_sequence: AUTOINCREMENT's high-water marks (story ids)
# Columns the store derives from other rows (migration 4): left out, recounted on import.
DERIVED = {"questions": ("due", "reviews", "new_order", "num")}
# The reviews as exported: the stored columns, the question by its text id.
_REVIEWS = ("SELECT r.*, q.id AS question_id FROM review r "
            "JOIN question q ON q.num = r.question_num ORDER BY r.rowid")


def _select(section: str) -> str:
    if section == "reviews":
        return _REVIEWS
    order = "name" if section == SEQUENCES else "rowid"
    return f"SELECT * FROM {_table(section)} ORDER BY {order}"


def _exported(section: str, names: list[str], row: Any) -> Row:
    """One stored row as the export writes it (a review as described above)."""
    derived = DERIVED.get(section, ())
    found = {k: v for k, v in zip(names, row, strict=True) if k not in derived}
    if section != "reviews":
        return found
    qid = found.pop("question_id")
    out: Row = {}
    for name, value in found.items():
        if name == "question_num":
            out["question_id"] = qid
        elif name == "mode":
            out[name] = mode_of(value)
        elif name in _REVIEW_TIMES and value is not None:
            out[name] = to_db_time(from_db_micros(value))
        else:
            out[name] = value
    return out


def _table(section: str) -> str:
    if section == SEQUENCES:
        return "sqlite_sequence"
    return str(MODELS[section].__tablename__)


def _columns_of(section: str, kind: type) -> set[str]:
    if section == SEQUENCES:
        return set()
    table = MODELS[section].__table__  # type: ignore[attr-defined]
    return {c.name for c in table.columns if isinstance(c.type, kind)}


# ---------------------------------------------------------------- reading


def read_all(store: Store) -> dict[str, list[Row]]:
    """Every row of every exported table, in insertion order (rowid), which the deck order
    of families and the ids of stories and reviews rely on."""
    sections: dict[str, list[Row]] = {}
    with store.session() as s:
        for section in SECTIONS:
            lists, flags = _columns_of(section, JSONList), _columns_of(section, Boolean)
            result = s.execute(text(_select(section)))
            names = list(result.keys())
            sections[section] = [_out(_exported(section, names, row), lists, flags)
                                 for row in result]
    return sections


def iter_rows(con: sqlite3.Connection, section: str) -> Iterator[Row]:
    """One section's rows as `read_all` gives them, read one at a time from `con` (the
    caller holds one read transaction over every section, so they agree)."""
    lists, flags = _columns_of(section, JSONList), _columns_of(section, Boolean)
    cursor = con.execute(_select(section))
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield _out(_exported(section, names, row), lists, flags)


def _out(row: Row, lists: set[str], flags: set[str]) -> Row:
    for name in lists:
        row[name] = json_list(row[name])
    for name in flags:
        row[name] = bool(row[name])
    return row


def user_counts(store: Store) -> dict[str, int]:
    """How much of the user's own making the collection holds: reviews, stories, systems
    and changed settings (a fresh collection holds none)."""
    with store.session() as s:
        return {section: int(s.execute(text(f"SELECT count(*) FROM {_table(section)}"))
                             .scalar_one())
                for section in ("reviews", "stories", "systems", "settings")}


# ---------------------------------------------------------------- building


def build(path: Path, schema: int, rows: Iterable[tuple[str, int, Row]], *,
          source: Path) -> dict[str, int]:
    """A new database at `path` holding the rows at `schema` (the caller's `open_store`
    then migrates it), taken one at a time; returns the rows per section. Nothing is left at
    `path` when a row is refused."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path, isolation_level=None)
    counts = dict.fromkeys(SECTIONS, 0)
    try:
        con.execute("BEGIN")
        run_migrations(con, upto=schema)
        columns: dict[str, _Columns] = {}
        sequences: list[tuple[int, Row]] = []  # written last: the file's marks, no others
        for section, i, row in rows:
            counts[section] += 1
            if section == SEQUENCES:
                sequences.append((i, row))
                continue
            if section not in columns:
                columns[section] = _Columns.of(con, section, source)
            _insert(con, columns[section], f"{source}: {section}[{i}]", row)
        con.execute("DELETE FROM sqlite_sequence")
        marks = _Columns.of(con, SEQUENCES, source)
        for i, row in sequences:
            _insert(con, marks, f"{source}: {SEQUENCES}[{i}]", row)
        broken = con.execute("PRAGMA foreign_key_check").fetchone()
        if broken:
            table, rowid, parent, _ = broken
            raise DumpError(f"{source}: a row of {table} (row {rowid}) points at a {parent} "
                            "that is not in the file")
        con.execute("COMMIT")
    except BaseException:
        con.close()
        path.unlink(missing_ok=True)
        raise
    con.close()
    return counts


@dataclass(frozen=True)
class _Columns:
    """What a section's rows are checked against: its table and each column's type."""

    table: str
    info: dict[str, tuple[str, bool]]  # column -> (declared type, required)
    lists: set[str]
    flags: set[str]
    times: set[str]

    @staticmethod
    def of(con: sqlite3.Connection, section: str, source: Path) -> _Columns:
        table = _table(section)
        info = {r[1]: (r[2].upper(), bool(r[3]) and r[4] is None)
                for r in con.execute(f"PRAGMA table_info({table})")}
        if not info:
            raise DumpError(f"{source}: \"{section}\" has rows, but schema has no {table} "
                            "table")
        times = _columns_of(section, UTCDateTime)
        if section == "reviews" and "question_num" not in info:  # before migration 20
            times |= _REVIEW_TIMES
        return _Columns(table, info, _columns_of(section, JSONList),
                        _columns_of(section, Boolean), times)


def _insert(con: sqlite3.Connection, columns: _Columns, where: str, row: Row) -> None:
    if "question_num" in columns.info:  # a review, into the layout of migration 20
        row = _compact_review(con, where, row)
    values = [_value(where, name, row[name], columns.info, columns.lists, columns.flags,
                     columns.times) for name in row]
    fields = ", ".join(f'"{name}"' for name in row)
    marks = ", ".join("?" for _ in row)
    try:
        con.execute(f"INSERT INTO {columns.table} ({fields}) VALUES ({marks})", values)
    except sqlite3.Error as exc:
        raise DumpError(f"{where}: {exc}") from None


_REVIEW_TIMES = {c.name for c in ReviewRow.__table__.columns  # type: ignore[attr-defined]
                 if isinstance(c.type, UTCMicros)}


def _compact_review(con: sqlite3.Connection, where: str, row: Row) -> Row:
    """A review as exported, as migration 20 stores it: the question by its `num`, times as
    microseconds, the mode by its place. Each value is checked as `_value` checks one."""
    out: Row = {}
    for name, value in row.items():
        if name == "question_id":
            if not isinstance(value, str):
                raise DumpError(f"{where}.{name}: must be text")
            found = con.execute("SELECT num FROM question WHERE id = ?", (value,)).fetchone()
            if found is None:
                raise DumpError(f"{where}: a row of review (row {row.get('id')}) points at a "
                                "question that is not in the file")
            out["question_num"] = found[0]
        elif name == "mode":
            if not isinstance(value, str) or value not in MODES:
                raise DumpError(f"{where}.{name}: must be one of {', '.join(MODES)}")
            out[name] = mode_code(value)
        elif name in _REVIEW_TIMES and value is not None:
            if not isinstance(value, str):
                raise DumpError(f"{where}.{name}: must be text")
            out[name] = to_db_micros(_parsed_time(where, name, value))
        else:
            out[name] = value
    return out


def _value(where: str, name: str, value: Any, info: dict[str, tuple[str, bool]],
           lists: set[str], flags: set[str], times: set[str]) -> Any:
    """The value to store for one field, or DumpError saying what is wrong with it."""
    if name not in info:
        raise DumpError(f"{where}: unknown field \"{name}\"")
    declared, required = info[name]
    if value is None:
        if required:
            raise DumpError(f"{where}.{name}: must not be null")
        return None
    if name in lists:
        if not isinstance(value, list):
            raise DumpError(f"{where}.{name}: must be a list")
        return to_json_list(value)
    if name in flags:
        if not isinstance(value, bool):
            raise DumpError(f"{where}.{name}: must be true or false")
        return int(value)
    expected, kind = _TYPES.get(declared, ((str,), "text"))
    if isinstance(value, bool) or not isinstance(value, expected):
        raise DumpError(f"{where}.{name}: must be {kind}")
    if name in times:
        return _time(where, name, str(value))
    if isinstance(value, int | float):
        return _number(where, name, value)
    return value


# Every number emdrill stores is a count, an id, a rating, a state, seconds or a memory
# parameter: none is negative, and none comes near what a double holds exactly.
NUMBER_LIMIT = 2 ** 53


def _number(where: str, name: str, value: float) -> float:
    if not (0 <= value <= NUMBER_LIMIT):  # also refuses NaN (json reads it)
        raise DumpError(f"{where}.{name}: {value!r} is out of range "
                        f"(0 to {NUMBER_LIMIT})")
    return value


# Declared column type -> the JSON values it takes. sqlite_sequence declares no types.
_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "INTEGER": ((int,), "a whole number"), "FLOAT": ((int, float), "a number"),
    "TEXT": ((str,), "text"), "": ((int, str), "text or a number"),
}


def _time(where: str, name: str, value: str) -> str:
    """The stored form of a time (fixed-width UTC text, whose order is time order)."""
    return to_db_time(_parsed_time(where, name, value))


def _parsed_time(where: str, name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise DumpError(f"{where}.{name}: '{value}' is not an ISO-8601 time with an offset")
    if not time_in_range(parsed):
        raise DumpError(f"{where}.{name}: '{value}' is out of range "
                        f"({FIRST_YEAR} to {LAST_YEAR})")
    return parsed
