"""Two fair_build.py versions write the same files: a check for changes to the builder.

    python bench/fair_check.py --old REV [--old-src DIR] [--sizes b,c] [--keep DIR]

Builds each size twice, with the builder at git revision REV (or a file path) and with this
checkout's bench/fair_build.py, both under one pinned clock (`time.time()` and the builder's
`datetime.now()` return the same instant), then compares the files table by table: every
emdrill table's row count and the SHA-1 of its rows in rowid order (a deck's source file by
its name: the old builder may run from another checkout), and its schema; Anki's
revlog, cards and notes with the ids Anki takes from its own clock (card, note, deck and note
type ids) mapped to the question, deck and note type they stand for, and without the columns
it stamps from that clock or draws at random (`mod`, a note's `guid`); `col.crt`, the schema,
journal mode and page size. Prints one line per table and exits 1 on any difference.
Each build runs in its own process; the old one imports emdrill from `--old-src` when given
(the product code at the old revision: the new builder may lean on store code the old one
did not have), else this checkout's.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent


def _source(source: str, path: Path) -> Path:
    """The builder's file: `source` itself, or bench/fair_build.py at git revision `source`."""
    if Path(source).exists():
        return Path(source)
    text = subprocess.run(["git", "show", f"{source}:bench/fair_build.py"], cwd=HERE,
                          check=True, capture_output=True, text=True).stdout
    path.write_text(text, encoding="utf-8")
    return path


def _load(path: str, name: str, folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _build(source: Path, folder: Path, size: str, pinned: float, src: str | None) -> float:
    """Build one size with the builder at `source` in a child process (emdrill imported from
    `src` when given, else this checkout's); returns its CPU seconds (user + sys)."""
    env = {**os.environ, **({"PYTHONPATH": src} if src else {})}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, __file__, "--build-one", str(source), str(folder), size,
                    repr(pinned)], env=env, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _build_one(source: Path, folder: Path, size: str, pinned: float) -> None:
    class Pinned(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Pinned:
            return cls.fromtimestamp(pinned, tz or UTC)

    sys.path.insert(0, str(HERE))
    module = _load(str(source), "fair_build_under_check", folder.parent)
    folder.mkdir(parents=True)
    questions, reviews = module.SIZES[size]
    with mock.patch.object(module, "datetime", Pinned), \
            mock.patch("time.time", return_value=pinned):
        module.build(folder, questions, reviews)


def _digest(rows: Any) -> tuple[int, str]:
    h, n = hashlib.sha1(), 0
    for row in rows:
        h.update(repr(tuple(row)).encode())
        n += 1
    return n, h.hexdigest()


def _emdrill(path: Path) -> dict[str, tuple[int, str]]:
    con = sqlite3.connect(path)
    out = {"(schema)": _digest(sorted(con.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"), key=repr))}
    tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for t in tables:
        order = "rowid"
        if con.execute("SELECT 1 FROM pragma_table_info(?) WHERE pk > 0", (t,)).fetchone() \
                and "WITHOUT ROWID" in (con.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                                                    (t,)).fetchone()[0] or "").upper():
            order = ", ".join(str(i + 1) for i in range(len(con.execute(
                f'SELECT * FROM "{t}" LIMIT 0').description)))
        rows: Iterable[tuple[Any, ...]] = con.execute(f'SELECT * FROM "{t}" ORDER BY {order}')
        if t == "deck":  # a bundled deck's source is where that checkout keeps it
            names = [d[0] for d in con.execute('SELECT * FROM "deck" LIMIT 0').description]
            rows = (tuple(Path(v).name if n == "source" and v else v
                          for n, v in zip(names, row, strict=True)) for row in rows)
        out[t] = _digest(rows)
    for pragma in ("journal_mode", "page_size"):
        out[f"(pragma {pragma})"] = _digest(con.execute(f"PRAGMA {pragma}"))
    con.close()
    return out


def _anki(path: Path) -> dict[str, tuple[int, str]]:
    con = sqlite3.connect(path)
    qid = {nid: flds.split("\x1f")[0].rsplit("<!--", 1)[1][:-3]
           for nid, flds in con.execute("SELECT id, flds FROM notes")}
    card = {cid: (qid[nid], ord_) for cid, nid, ord_ in con.execute(
        "SELECT id, nid, ord FROM cards")}
    deck = {did: name for did, name in con.execute("SELECT id, name FROM decks")}
    out = {"(schema)": _digest(sorted(con.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"), key=repr))}
    out["revlog"] = _digest((i, card[c], *rest) for i, c, *rest in con.execute(
        "SELECT id, cid, usn, ease, ivl, lastIvl, factor, time, type FROM revlog ORDER BY id"))
    out["cards"] = _digest(sorted((card[i], qid[n], deck.get(d, d), *rest) for i, n, d, *rest
                                  in con.execute(
        "SELECT id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses, left, odue, "
        "odid, flags, data FROM cards")))
    model = {mid: name for mid, name in con.execute("SELECT id, name FROM notetypes")}
    out["notes"] = _digest(sorted((qid[i], model.get(m, m), *rest) for i, m, *rest in con.execute(
        "SELECT id, mid, usn, tags, flds, sfld, csum, flags, data FROM notes")))
    out["col.crt"] = _digest(con.execute("SELECT crt FROM col"))
    for pragma in ("journal_mode", "page_size"):
        out[f"(pragma {pragma})"] = _digest(con.execute(f"PRAGMA {pragma}"))
    con.close()
    return out


def main() -> None:
    if sys.argv[1:2] == ["--build-one"]:
        source, folder, size, instant = sys.argv[2:6]
        _build_one(Path(source), Path(folder), size, float(instant))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--old", required=True, help="git revision or path of the old builder")
    parser.add_argument("--old-src", metavar="DIR",
                        help="import emdrill from DIR for the old builder (e.g. a worktree's "
                             "src at that revision); default: this checkout's")
    parser.add_argument("--new", default=str(HERE / "fair_build.py"))
    parser.add_argument("--sizes", default="b")
    parser.add_argument("--keep", type=Path, help="build into this folder and keep the files")
    args = parser.parse_args()
    differ = 0
    with tempfile.TemporaryDirectory(prefix="emdrill-fair-check-") as name:
        root = args.keep or Path(name)
        root.mkdir(parents=True, exist_ok=True)
        new = root / "fair_build_new.py"  # a copy: the file may be edited while this runs
        new.write_text(Path(args.new).read_text(encoding="utf-8"), encoding="utf-8")
        sources = {"old": _source(args.old, root / "fair_build_old.py"), "new": new}
        srcs = {"old": args.old_src, "new": None}
        pinned = time.time()
        for size in [s for s in args.sizes.split(",") if s]:
            found = {}
            for label in ("old", "new"):
                folder = root / size / label
                cpu = _build(sources[label], folder, size, pinned, srcs[label])
                print(f"({size}) {label} builder: {cpu:.1f} s CPU (user + sys)", flush=True)
                found[label] = {**{f"emdrill {k}": v for k, v in
                                   _emdrill(folder / "emdrill.db").items()},
                                **{f"anki {k}": v for k, v in
                                   _anki(folder / "anki" / "collection.anki2").items()}}
            for key in sorted(found["old"].keys() | found["new"].keys()):
                a, b = found["old"].get(key), found["new"].get(key)
                same = a == b
                differ += not same
                shown = f"{a[0]} rows {a[1][:12]}" if a else "missing"
                print(f"({size}) {'same' if same else 'DIFFERENT'} {key}: {shown}"
                      + ("" if same else f" vs {b[0]} rows {b[1][:12]}" if b else " vs missing"))
    print("the files are the same" if not differ else f"{differ} differences")
    raise SystemExit(1 if differ else 0)


if __name__ == "__main__":
    main()
