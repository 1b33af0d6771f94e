"""Both collections of one fair.py size, built from one shared history (issue 25).

`build(folder, questions, reviews)` writes DIR/emdrill.db and DIR/anki/collection.anki2 and
returns what it built; `reused(folder)` reads the same figures back from an earlier build.
fair.py's docstring says what the history is and why it is fair; this module is how it is
written fast. The build runs with each file's journal off, no syncs and a large page cache,
the review and revlog indexes dropped while the rows go in and made again after; then each
file gets back the journal mode its product gave it, and both products open it later with
their own shipped settings, so the timed operations run at equal durability (FULL in both).
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SIZES = {"a": (0, 0), "b": (500, 50_000), "c": (10_000, 1_000_000),
         "d": (50_000, 5_000_000)}
HISTORY_DAYS = 730
UNSEEN = 0.1  # a tenth of the questions have never been reviewed

# FSRS-4.5 default weights: the chain's memory model. Any consistent update would do; this one
# keeps each facet's stability near the gaps it is reviewed at, as a real history does.
W = [0.4872, 1.4003, 3.7145, 13.8206, 5.1618, 1.2298, 0.8975, 0.031, 1.6474, 0.1367, 1.0461,
     2.1072, 0.0793, 0.3246, 1.587, 0.2272, 2.8755]
RATINGS = [1, 2, 3, 3, 3, 3, 3, 3, 3, 4]  # 10% again, 10% hard, 70% good, 10% easy
ANKI_DECAY = 0.154  # what Anki 26.9.3 writes into a card's data with its default parameters
LEARN_SECONDS = 600  # an again or hard on a new card comes back in ten minutes


# ---------------------------------------------------------------- the shared history


@dataclass
class Facet:
    state: int = 1  # emdrill's numbering: 1 learning, 2 review, 3 relearning
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: float = 0.0  # epoch seconds
    last: float | None = None
    ivl: int = 0  # Anki's interval in days (negative: seconds)
    reps: int = 0
    lapses: int = 0


def answer(f: Facet, rating: int, at: float) -> Facet:
    """The facet after `rating` at `at` (epoch seconds): one link of the chain."""
    if f.last is None or f.stability is None or f.difficulty is None:
        s = W[rating - 1]
        d = min(10.0, max(1.0, W[4] - (rating - 3) * W[5]))
    else:
        elapsed = max(0.0, (at - f.last) / 86400)
        r = (1 + 19 / 81 * elapsed / f.stability) ** -0.5
        d0, s0 = f.difficulty, f.stability
        if rating == 1:
            s = min(s0, W[11] * d0 ** -W[12] * ((s0 + 1) ** W[13] - 1) * math.exp(W[14] * (1 - r)))
        else:
            bonus = W[15] if rating == 2 else W[16] if rating == 4 else 1.0
            s = s0 * (1 + math.exp(W[8]) * (11 - d0) * s0 ** -W[9]
                      * (math.exp(W[10] * (1 - r)) - 1) * bonus)
        d = d0 - W[6] * (rating - 3)
        d = min(10.0, max(1.0, W[7] * (W[4] - (rating - 3) * W[5]) + (1 - W[7]) * d))
    s = max(0.01, s)
    learning = (f.last is None and rating <= 2) or (f.last is not None and rating == 1)
    if learning:
        state, step, due, ivl = (1 if f.last is None else 3), 0, at + LEARN_SECONDS, -LEARN_SECONDS
    else:
        days = max(1, round(s))
        state, step, due, ivl = 2, None, at + days * 86400, days
    lapsed = f.state == 2 and rating == 1
    return Facet(state, step, s, d, due, at, ivl, f.reps + 1, f.lapses + lapsed)


def _t(epoch: float) -> str:
    """emdrill's stored time text (`%Y-%m-%dT%H:%M:%S.%f+00:00`; isoformat writes the same
    text a third faster than strftime)."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds")


# ---------------------------------------------------------------- writing fast, then as shipped

CACHE_KIB = 262_144  # each file's page cache while it is built (256 MiB)


def _for_bulk(con: sqlite3.Connection) -> str:
    """Set `con` up for one bulk write and return the journal mode to give back after: no
    journal, no syncs, a large cache. A crash mid-build leaves a broken file, which a build
    can afford (it is thrown away); what is timed later is opened by its product at its own
    settings."""
    (mode,) = con.execute("PRAGMA journal_mode").fetchone()
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    con.execute("PRAGMA temp_store=MEMORY")
    return str(mode)


def _drop_indexes(con: sqlite3.Connection, table: str) -> list[str]:
    """Drop `table`'s own indexes (not the primary key's) and return the statements that
    make them again: one sort per index after the rows are in, instead of a random insert per
    row into each."""
    made = [(name, sql) for name, sql in con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY rowid", (table,))]
    for name, _ in made:
        con.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in made]


# ---------------------------------------------------------------- building both files


def _bundled_rows() -> list[dict[str, Any]]:
    """The bundled deck's questions as emdrill stores them (loaded through the real loader)."""
    from emdrill.ops import opening

    with tempfile.TemporaryDirectory() as folder:
        store = opening.open_collection(Path(folder) / "deck.db", now=datetime.now(UTC))
        store.close()
        con = sqlite3.connect(Path(folder) / "deck.db")
        con.row_factory = sqlite3.Row
        rows = [dict(r) for r in con.execute("SELECT * FROM question ORDER BY new_order")]
        con.close()
    return rows


def build(folder: Path, questions: int, reviews: int, *, seed: int = 1) -> dict[str, Any]:
    """Both collections for one size, from one history. Returns what was built."""
    from anki.collection import AddNoteRequest, Collection

    from emdrill.ops import opening
    from emdrill.store import cards as store_cards
    from emdrill.store import decks as store_decks

    started = time.perf_counter()
    now = time.time()
    start = now - HISTORY_DAYS * 86400
    base = _bundled_rows()
    n = questions or len(base)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        row = dict(base[i % len(base)])
        variant = i // len(base)
        if variant:
            row["id"] = f"{row['id']}~{variant}"
            row["text"] = f"{row['text']} (variant {variant})"
            row["siblings"] = json.dumps([f"{s}~{variant}" for s in json.loads(row["siblings"])])
            row["position"] = row["position"] + variant * len(base)
        rows.append(row)

    # emdrill: the bundled deck through the loader, the rest as rows like it
    db = folder / "emdrill.db"
    store = opening.open_collection(db, now=datetime.fromtimestamp(start - 86400, UTC))
    store.close()
    con = sqlite3.connect(db)
    e_mode = _for_bulk(con)
    extra = rows[len(base):]
    if extra:
        cols = list(extra[0])
        con.executemany(f"INSERT INTO question ({', '.join(cols)}) VALUES "
                        f"({', '.join('?' * len(cols))})",
                        [tuple(r[c] for c in cols) for r in extra])
        con.executemany("INSERT INTO facet (question_id, kind, state, step, due) VALUES "
                        "(?, ?, 1, 0, ?)", [(r["id"], k, r["added_at"]) for r in extra
                                            for k in ("intent", "story")])
    con.commit()

    # Anki: the same notes through its API, dated from the history's start
    anki_path = folder / "anki" / "collection.anki2"
    anki_path.parent.mkdir(exist_ok=True)
    col = Collection(str(anki_path))
    col.set_config("fsrs", True)
    model = col.models.by_name("Basic (and reversed card)")
    assert model is not None
    deck_id = col.decks.id("bench")
    assert deck_id is not None
    requests = []
    for r in rows:
        note = col.new_note(model)
        note["Front"] = r["text"]
        note["Back"] = "<br>".join([r["intent"], *json.loads(r["probes"]), r["pitfall"],
                                    *json.loads(r["follow_ups"])])
        note["Front"] += f"<!--{r['id']}-->"
        requests.append(AddNoteRequest(note=note, deck_id=deck_id))
    col.add_notes(requests)
    col.decks.select(deck_id)
    col.close()
    acon = sqlite3.connect(anki_path)
    a_mode = _for_bulk(acon)
    crt = acon.execute("SELECT crt FROM col").fetchone()[0]
    days_back = math.ceil((crt - start) / 86400) + 1
    crt -= days_back * 86400  # same hour of day: Anki's rollover stays where it was
    acon.execute("UPDATE col SET crt = ?", (crt,))
    cards: dict[str, tuple[int, int]] = {}  # question id -> (intent card, story card)
    card_ids: dict[int, list[int]] = {}
    for nid, cid in acon.execute("SELECT nid, id FROM cards ORDER BY nid, ord"):
        card_ids.setdefault(nid, []).append(cid)
    for nid, flds in acon.execute("SELECT id, flds FROM notes"):
        qid = flds.split("\x1f")[0].rsplit("<!--", 1)[1][:-3]
        cards[qid] = (card_ids[nid][0], card_ids[nid][1])
    today = math.floor((now - crt) / 86400)

    if reviews:
        con.commit()
        acon.commit()
        remake = {c: _drop_indexes(c, t) for c, t in ((con, "review"), (acon, "revlog"))}
        _history(con, acon, rows, cards, reviews=reviews, start=start, now=now, crt=crt,
                 today=today, seed=seed)
        for c, statements in remake.items():
            for sql in statements:
                c.execute(sql)
    con.commit()
    acon.commit()
    for c, mode in ((con, e_mode), (acon, a_mode)):
        c.execute(f"PRAGMA journal_mode={mode}")
        c.close()
    store = opening.open_collection(db, now=datetime.fromtimestamp(now, UTC), autoload=False)
    store_decks.rebuild_aggregates(store)
    # the study days counted in the machine's zone, which fair.py's clock uses, as the
    # product's first open with a local zone does (not the migrations' placeholder)
    offset = datetime.fromtimestamp(now, UTC).astimezone().utcoffset()
    store_cards.count_days_under(
        store, offset_minutes=int(offset.total_seconds() // 60) if offset else 0)
    store.close()
    sizes = {}
    objects: dict[str, list[tuple[str, int]]] = {}
    for name, path in (("emdrill", db), ("anki", anki_path)):
        c = sqlite3.connect(path)
        c.create_collation("unicase", _unicase)  # Anki's, needed to rebuild its indexes
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        mode = _for_bulk(c)
        c.execute("VACUUM")
        c.execute("ANALYZE")
        c.execute(f"PRAGMA journal_mode={mode}")
        objects[name] = _objects(c)
        c.close()
        sizes[name] = path.stat().st_size
    revlog = sqlite3.connect(anki_path).execute("SELECT count(*) FROM revlog").fetchone()[0]
    return {"questions": n, "reviews": reviews, "revlog_rows": revlog, "bytes": sizes,
            "objects": objects, "build_s": time.perf_counter() - started}


def reused(folder: Path) -> dict[str, Any]:
    """What an earlier `--keep` run built in `folder`, read back from its files."""
    db, anki_path = folder / "emdrill.db", folder / "anki" / "collection.anki2"
    for path in (db, anki_path):
        if not path.exists():
            raise SystemExit(f"--reuse: {path} is missing (build it with --keep first)")
    objects: dict[str, list[tuple[str, int]]] = {}
    counts: dict[str, int] = {}
    for name, path in (("emdrill", db), ("anki", anki_path)):
        c = sqlite3.connect(path)
        objects[name] = _objects(c)
        if name == "emdrill":
            counts["questions"] = c.execute("SELECT count(*) FROM question").fetchone()[0]
            counts["reviews"] = c.execute("SELECT count(*) FROM review").fetchone()[0]
        else:
            counts["revlog_rows"] = c.execute("SELECT count(*) FROM revlog").fetchone()[0]
        c.close()
    return {**counts, "bytes": {"emdrill": db.stat().st_size, "anki": anki_path.stat().st_size},
            "objects": objects, "build_s": 0.0}


def _objects(con: sqlite3.Connection) -> list[tuple[str, int]]:
    """The largest tables and indexes with their bytes (empty when SQLite lacks dbstat)."""
    try:
        return [(str(n), int(b)) for n, b in con.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 6")]
    except sqlite3.Error:
        return []


def _unicase(a: str, b: str) -> int:
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


def _history(con: sqlite3.Connection, acon: sqlite3.Connection, rows: list[dict[str, Any]],
             cards: dict[str, tuple[int, int]], *, reviews: int, start: float, now: float,
             crt: int, today: int, seed: int) -> None:
    """One chain per facet, in time order: review k at start + k * step, of a question drawn
    at random among the seen ones; written into both files as it goes."""
    rng = random.Random(seed)
    seen = [r for r in rows if rng.random() >= UNSEEN]
    state: dict[str, tuple[Facet, Facet]] = {}
    # each state's due and last review as stored text, written once when the state is made
    texts: dict[str, tuple[str, str, str | None]] = {}
    added = {r["id"]: datetime.fromisoformat(r["added_at"]).timestamp() for r in seen}
    step = (now - 3600 - start) / reviews  # the last review an hour before now
    e_rows: list[tuple[Any, ...]] = []
    a_rows: list[tuple[Any, ...]] = []

    def flush() -> None:
        con.executemany(
            "INSERT INTO review (question_id, reviewed_at, intent_rating, story_rating,"
            " slot_named, seconds, mode, intent_prev_state, intent_prev_step,"
            " intent_prev_stability, intent_prev_difficulty, intent_prev_due,"
            " intent_prev_last_review, story_prev_state, story_prev_step, story_prev_stability,"
            " story_prev_difficulty, story_prev_due, story_prev_last_review)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", e_rows)
        acon.executemany("INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time,"
                         " type) VALUES (?,?,?,?,?,?,?,?,?)", a_rows)
        e_rows.clear()
        a_rows.clear()

    for k in range(reviews):
        at = start + k * step
        row = seen[rng.randrange(len(seen))]
        qid = row["id"]
        before = state.get(qid)
        if before is None:
            before = (Facet(due=added[qid]), Facet(due=added[qid]))
            first = _t(added[qid])
            due_texts: tuple[str, str, str | None] = (first, first, None)
        else:
            due_texts = texts[qid]
        ratings = (rng.choice(RATINGS), rng.choice(RATINGS))
        after = (answer(before[0], ratings[0], at), answer(before[1], ratings[1], at))
        state[qid] = after
        at_text = _t(at)
        texts[qid] = (_t(after[0].due), _t(after[1].due), at_text)
        f0, f1 = before
        last_text = due_texts[2]
        slot = row["story"] if ratings[1] > 1 else (row["story"] % 8) + 1
        e_rows.append((qid, at_text, ratings[0], ratings[1], slot, 25.0, "drill",
                       f0.state, f0.step, f0.stability, f0.difficulty, due_texts[0], last_text,
                       f1.state, f1.step, f1.stability, f1.difficulty, due_texts[1], last_text))
        for ord_, (f, g, rating) in enumerate(zip(before, after, ratings, strict=True)):
            kind = 0 if f.last is None or f.state == 1 else 2 if f.state == 3 else 1
            assert g.difficulty is not None
            a_rows.append((int(at * 1000) + ord_, cards[qid][ord_], -1, rating, g.ivl, f.ivl,
                           round(g.difficulty * 100) + 100, 12_500, kind))
        if len(e_rows) >= 50_000:
            flush()
    flush()
    facet_updates = []
    card_updates = []
    for qid, pair in state.items():
        for ord_, (facet, f) in enumerate(zip(("intent", "story"), pair, strict=True)):
            facet_updates.append((f.state, f.step, f.stability, f.difficulty,
                                  texts[qid][ord_], texts[qid][2], qid, facet))
            assert f.last is not None and f.stability is not None
            # as Anki serialises it: stability to 4 places, difficulty to 3, compact JSON.
            # Anki rewrites a card's data in that form on every write (an undo too); a
            # difficulty kept to 4 places made the states it had queued before an undo differ
            # from the card after it, and answer_card refused them ("card was modified").
            data = json.dumps({"s": round(f.stability, 4), "d": round(f.difficulty or 5, 3),
                               "dr": 0.9, "decay": ANKI_DECAY, "lrt": int(f.last)},
                              separators=(",", ":"))
            if f.state == 2:  # review: due is a day number counted from crt
                ctype, queue, due = 2, 2, today + math.floor((f.due - now) / 86400)
            else:  # (re)learning: due in epoch seconds
                ctype, queue, due = (1 if f.state == 1 else 3), 1, int(f.due)
            # a relearning card keeps the interval it returns to (Anki's ReviewState inside
            # RelearnState); a seen card carries the initial ease Anki gives it
            ivl = f.ivl if f.state == 2 else max(1, round(f.stability)) if f.state == 3 else 0
            card_updates.append((ctype, queue, due, ivl, f.reps, f.lapses,
                                 1 if queue == 1 else 0, data, cards[qid][ord_]))
    con.executemany("UPDATE facet SET state=?, step=?, stability=?, difficulty=?, due=?,"
                    " last_review=? WHERE question_id=? AND kind=?", facet_updates)
    acon.executemany("UPDATE cards SET type=?, queue=?, due=?, ivl=?, reps=?, lapses=?,"
                     " left=?, factor=2500, data=? WHERE id=?", card_updates)


