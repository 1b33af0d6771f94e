"""Is the database ours and whole? Cheap checks on every open and, when due, before the first
write of a process; the full check on demand (`emdrill check`).

SQLite notices most damage only when a query walks over it. A command that writes must not
add to a damaged file, so a write (`Store.transact`) runs
`PRAGMA quick_check` before a process's first write when it is due (about 1 ms per 5,000
reviews): after an unclean shutdown and once a UTC day (`Store._check_due`,
docs/guarantees.md). Every open checks the header and the schema.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from emdrill.core.errors import ConfigError, DamagedError, StoreError
from emdrill.core.settings import validate_setting
from emdrill.core.timing import FIRST_YEAR, LAST_YEAR

MAGIC = b"SQLite format 3\x00"
RECOVER = ("to recover, restore a backup with `emdrill restore FILE`, or move the file "
           "aside and start afresh")

# Columns whose text must read back: times (fixed-width UTC ISO) and JSON lists, every one
# the table models declare so (`tables.UTCDateTime`, `tables.JSONList`: tests/test_codec.py
# holds these lists to the models; this module is read on every open, so it does not import
# them).
TIME_COLUMNS = {
    "deck": ("loaded_at",), "question": ("added_at", "due", "buried_until"),
    "facet": ("due", "last_review"),
    "story": ("created_at", "updated_at"), "system": ("updated_at",),
    "intent_pick": ("picked_at",), "rehearsal": ("started_at",), "exam": ("at",),
    "interview": ("at", "set_at"), "fsrs_parameters": ("fitted_at",),
    "family_outcome": ("as_of",), "quick_checked": ("at",),
}
# Stored times sort as text: the bounds of the years a stored time may be in (FIRST_YEAR to
# LAST_YEAR in core/timing.py), as stored.
TIME_FLOOR = f"{FIRST_YEAR:04d}-01-01T00:00:00.000000+00:00"
TIME_CEILING = f"{LAST_YEAR:04d}-12-31T00:00:00.000000+00:00"
# `review` keeps its times as microseconds since 1970 UTC (migration 20, `tables.UTCMicros`),
# within the same years.
MICROS_COLUMNS: dict[str, tuple[str, ...]] = {
    "review": ("reviewed_at", "intent_prev_due", "intent_prev_last_review", "story_prev_due",
               "story_prev_last_review"),
}
MICROS_FLOOR = int(
    (datetime(FIRST_YEAR, 1, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC))
    / timedelta(microseconds=1))
MICROS_CEILING = int((datetime(LAST_YEAR, 12, 31, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC))
                     / timedelta(microseconds=1))
REPAIR = "`emdrill check --repair` fixes it"
JSON_COLUMNS = {
    "slot": ("must_include",),
    "question": ("probes", "also", "traits", "follow_ups", "siblings", "draft"),
    "story": ("slots", "tags"), "intent_pick": ("options",),
    "rehearsal": ("follow_ups", "findings"), "interview": ("decks", "families", "excluded"),
    "fsrs_parameters": ("parameters",),
}


def file_uri(path: Path, *, mode: str | None = None) -> str:
    """An SQLite URI for `path`: no character of a folder's name (?, #, %) changes what is
    opened."""
    return f"file:{quote(str(path.absolute()))}" + (f"?mode={mode}" if mode else "")


def damaged(path: Path, what: str) -> DamagedError:
    return DamagedError(f"{path}: the database is damaged ({what}); nothing was written. "
                        f"Run `emdrill check` for details")


def check_header(path: Path) -> None:
    """The first 100 bytes: SQLite's magic string and a possible page size."""
    try:
        with path.open("rb") as f:
            head = f.read(100)
        size = path.stat().st_size
    except OSError:
        return  # not readable: opening it says so, with the reason
    if not head:
        return  # an empty file is an empty database
    if len(head) < 100 or not head.startswith(MAGIC):
        raise DamagedError(f"{path}: not an SQLite database (damaged, or some other file); "
                           "it was left untouched")
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    if page < 512 or page & (page - 1) or size % page:
        raise damaged(path, "the file header or its length is wrong")


def schema_rows(con: sqlite3.Connection) -> list[tuple[str, str, str]]:
    # ANALYZE's statistics tables come and go with the planner's needs: not part of ours
    rows = con.execute("SELECT type, name, sql FROM sqlite_master "
                       "WHERE type IN ('table', 'index', 'trigger', 'view') "
                       "AND name NOT LIKE 'sqlite\\_stat%' ESCAPE '\\'").fetchall()
    return [(str(t), str(n), " ".join(str(sql or "").split())) for t, n, sql in rows]


def schema_digest(rows: Iterable[tuple[str, str, str]]) -> str:
    """One fingerprint of a schema (`schema_rows`), whatever order its rows come in."""
    text = "\n".join(sorted("\x1f".join(row) for row in rows))
    return hashlib.sha256(text.encode()).hexdigest()


def schema_problems(rows: Iterable[tuple[str, str, str]],
                    expected: frozenset[tuple[str, str, str]]) -> list[str]:
    """What the migrations made (`expected`) that is missing or changed in the file's
    schema (`rows`, from `schema_rows`)."""
    found = {(t, n): sql for t, n, sql in rows}
    problems = []
    for kind, name, sql in sorted(expected):
        if (kind, name) not in found:
            problems.append(f"{kind} '{name}' is missing")
        elif found[(kind, name)] != sql:
            how = " (its columns or constraints differ)" if kind == "table" else ""
            problems.append(f"{kind} '{name}' is not as emdrill made it{how}")
    return problems


def foreign_objects(rows: Iterable[tuple[str, str, str]],
                    expected: frozenset[tuple[str, str, str]]) -> list[str]:
    """The tables, indexes, triggers and views in the file's schema (`rows`) that the
    migrations did not make: a trigger or a view is code that would run in the collection."""
    made = {(t, n) for t, n, _ in expected}
    return sorted(f"{t} '{n}'" for t, n, _ in rows if (t, n) not in made)


def foreign(path: Path, objects: list[str]) -> StoreError:
    shown = ", ".join(objects[:5]) + (f" and {len(objects) - 5} more" if len(objects) > 5 else "")
    return StoreError(f"{path}: holds what emdrill's migrations did not make ({shown}); "
                      "refused, the file was left untouched")


def none_of(rows: Iterable[tuple[str, str, str]],
            expected: frozenset[tuple[str, str, str]]) -> bool:
    """True when not one of the expected tables is in the file's schema (`rows`): some
    other program's file."""
    found = {(t, n) for t, n, _ in rows}
    return not any((t, n) in found for t, n, _ in expected if t == "table")


def quick_problems(con: sqlite3.Connection) -> list[str]:
    return _check_rows(con, "PRAGMA quick_check(20)")


def _check_rows(con: sqlite3.Connection, pragma: str) -> list[str]:
    """SQLite's check output as one problem per line, without its '*** in database' titles."""
    lines = [line.strip() for (row,) in con.execute(pragma) for line in str(row).splitlines()]
    return [line for line in lines if line and line != "ok" and not line.startswith("***")]


def content_problems(con: sqlite3.Connection) -> list[str]:
    """What SQLite's own check cannot see: rows emdrill would fail to read back."""
    tables = {str(r[0]) for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    problems = [f"question '{qid}' has {n} facet rows instead of 2" for qid, n in con.execute(
        "SELECT q.id, count(f.id) FROM question q LEFT JOIN facet f ON f.question_id = q.id "
        "GROUP BY q.id HAVING count(f.id) <> 2 OR count(DISTINCT f.kind) <> 2 LIMIT 20")]
    for table, columns in TIME_COLUMNS.items():
        for column in columns if table in tables else ():
            problems += [f"{table} row {rowid}: {column} '{value}' is not a time"
                         for rowid, value in con.execute(
                             f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL "
                             f"AND (length({column}) <> 32 OR julianday({column}) IS NULL) "
                             "LIMIT 20")]
    for table, columns in MICROS_COLUMNS.items():
        for column in columns if table in tables else ():
            problems += [f"{table} row {rowid}: {column} '{value}' is not a time"
                         for rowid, value in con.execute(
                             f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL "
                             f"AND typeof({column}) <> 'integer' LIMIT 20")]
    problems += [f"{table} row {rowid}: {column} '{value}' is out of range ({FIRST_YEAR} to "
                 f"{LAST_YEAR}); {REPAIR}" for table, column, rowid, value in _far_times(con)]
    for table, columns in JSON_COLUMNS.items():
        for column in columns if table in tables else ():
            problems += [f"{table} row {rowid}: {column} is not a JSON list"
                         for (rowid,) in con.execute(
                             f"SELECT rowid FROM {table} WHERE NOT json_valid({column}) "
                             f"OR json_type({column}) <> 'array' LIMIT 20")]
    for key, value in con.execute("SELECT key, value FROM setting"):
        try:
            validate_setting(str(key), str(value))
        except ConfigError as exc:
            problems.append(f"stored setting {exc} (set it again with `emdrill config`)")
    return problems


def _far_times(con: sqlite3.Connection) -> list[tuple[str, str, int, str]]:
    """(table, column, rowid, value) of stored times outside the years emdrill reckons
    with (an older emdrill's import took them): date arithmetic on them would overflow."""
    tables = {str(r[0]) for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    bounds: list[tuple[dict[str, tuple[str, ...]], object, object]] = [
        (TIME_COLUMNS, TIME_FLOOR, TIME_CEILING), (MICROS_COLUMNS, MICROS_FLOOR, MICROS_CEILING)]
    return [(table, column, int(rowid), str(value))
            for kind, floor, ceiling in bounds
            for table, columns in kind.items() if table in tables for column in columns
            for rowid, value in con.execute(
                f"SELECT rowid, {column} FROM {table} WHERE typeof({column}) = typeof(?) "
                f"AND ({column} < ? OR {column} > ?) LIMIT 20", (floor, floor, ceiling))]


def repair_times(con: sqlite3.Connection) -> list[str]:
    """Bring every stored time outside the years emdrill reckons with to the nearest bound
    (an interview plan that far out is deleted: it was no plan); inside the caller's write
    transaction. Returns what was changed, one line each."""
    done = []
    for table, column, rowid, value in _far_times(con):
        if table == "interview":
            con.execute("DELETE FROM interview WHERE rowid = ?", (rowid,))
            done.append(f"deleted the interview plan dated '{value}'")
            continue
        bound: str | int
        if column in MICROS_COLUMNS.get(table, ()):
            bound = MICROS_FLOOR if int(value) < MICROS_FLOOR else MICROS_CEILING
        else:
            bound = TIME_FLOOR if value < TIME_FLOOR else TIME_CEILING
        con.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (bound, rowid))
        done.append(f"{table} row {rowid}: {column} '{value}' is now '{bound}'")
    return done


Schema = Callable[[int], frozenset[tuple[str, str, str]]]


def full_check_problems(con: sqlite3.Connection, latest: int, schema: Schema) -> list[str]:
    """Every problem the full check finds on a read-only connection (`db.full_check` opens
    it); an empty list means whole. `schema` gives what the migrations up to a version
    create."""
    version = int(con.execute("PRAGMA user_version").fetchone()[0])
    if not 0 <= version <= latest:
        return [f"schema version {version} is not one this emdrill knows (0 to {latest})"]
    problems = _check_rows(con, "PRAGMA integrity_check(50)")
    if version == 0 and not problems:
        return []  # created, never migrated: nothing to read back yet
    rows, expected = schema_rows(con), schema(version)
    problems += schema_problems(rows, expected)
    if version and not none_of(rows, expected):
        problems += [f"{what} is not one emdrill made (a foreign object; restore a backup, "
                     "or drop it)" for what in foreign_objects(rows, expected)]
    if problems:
        return problems
    problems += [f"{table} row {rowid} refers to a missing {parent}"
                 for table, rowid, parent, _ in con.execute("PRAGMA foreign_key_check")]
    return problems + content_problems(con)
