"""Deck files on disk: find, read, check and load them into the store."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from importlib import resources
from pathlib import Path

from emdrill.core.cards import Question
from emdrill.core.deckfile import Context, DeckFile, LoadResult, Problem, parse_bytes, validate
from emdrill.core.errors import DeckError
from emdrill.core.near_duplicates import near_duplicates
from emdrill.ops import backups
from emdrill.store import card_reads
from emdrill.store import deck_load as store_deck_load
from emdrill.store import decks as store_decks
from emdrill.store.db import Store


def parse_file(path: Path) -> DeckFile:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        deck = DeckFile(path=path)
        deck.problems.append(Problem(path, 1, f"cannot read file ({exc.strerror or exc})"))
        return deck
    return parse_bytes(path, raw)


def bundled_paths() -> list[Path]:
    """The decks shipped with emdrill: inside the installed package, or the checkout's decks/."""
    packaged = Path(str(resources.files("emdrill"))) / "decks"
    folder = packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "decks"
    return sorted(folder.glob("*.toml"))


USER_DECKS = "decks"  # the folder, inside the data folder, holding the user's own decks


def user_paths(home: Path) -> list[Path]:
    """The user's own decks (written by `add` and `import`), in the data folder."""
    return sorted((home / USER_DECKS).glob("*.toml"))


def check_paths(paths: list[Path], context: Context = Context()) -> tuple[list[DeckFile],
                                                                         list[Problem]]:
    files = [parse_file(p) for p in _expand(paths)]
    return files, validate(files, context)


def warnings(files: list[DeckFile]) -> list[Problem]:
    """What `deck check` warns about but does not fail on: cards that read alike."""
    return near_duplicates(files)


def _expand(paths: list[Path]) -> list[Path]:
    """Folders stand for the *.toml files inside them."""
    result: list[Path] = []
    for path in paths:
        try:
            folder = path.is_dir()
        except OSError:  # a name too long, a symlink loop: reading it will say what
            folder = False
        result.extend(sorted(path.glob("*.toml")) if folder else [path])
    return result


def bundled_context(paths: list[Path]) -> Context:
    """Families and ids of bundled decks not being checked, so user decks may use them."""
    given = {_real(p) for p in _expand(paths)}
    others = [_bundled_names(p) for p in bundled_paths() if _real(p) not in given]
    return Context(
        families=frozenset(slug for _, families, _, _ in others for slug in families),
        question_decks={qid: deck for deck, _, ids, _ in others for qid in ids},
        deck_owners={deck: f"the bundled deck {name}" for deck, _, _, name in others if deck},
    )


_NamesKey = tuple[str, int, int]
_Names = tuple[str, tuple[str, ...], tuple[str, ...], str]
_names_seen: dict[_NamesKey, _Names] = {}


def _bundled_names(path: Path) -> _Names:
    """A bundled deck's id, family slugs, question ids and file name. Every load of a user's
    deck asks for them; they are parsed once per process and file version (its size and
    modification time), not on every load."""
    try:
        stat = path.stat()
    except OSError:
        stat = None
    key = (_real(path), stat.st_mtime_ns, stat.st_size) if stat is not None else None
    if key is not None and key in _names_seen:
        return _names_seen[key]
    f = parse_file(path)
    names = (f.deck_id, tuple(fam.slug for fam in f.families), tuple(q.id for q in f.questions),
             f.path.name)
    if key is not None:
        _names_seen[key] = names
    return names


def _owned_elsewhere(loaded: Context, sources: dict[str, str],
                     files: list[DeckFile]) -> Context:
    """The loaded context, with each deck id owned by the file it was loaded from (`sources`)
    while that file still exists (a moved deck may take its id along); bundled ids always
    stay theirs."""
    given = {_real(f.path) for f in files}
    owners = {deck: source for deck, source in sources.items()
              if os.path.isfile(source) and _real(Path(source)) not in given}
    owners.update(bundled_context([f.path for f in files]).deck_owners)
    bundled = {_real(p) for p in bundled_paths()}
    for f in files:
        if _real(f.path) in bundled:  # wherever it was installed before
            owners.pop(f.deck_id, None)
    return replace(loaded, deck_owners=owners)


def _real(path: Path) -> str:
    return os.path.realpath(path)  # unlike Path.resolve, never raises on a symlink loop


def load_paths(store: Store, paths: list[Path], *, now: datetime, first: bool = False
               ) -> LoadResult:
    """Validate, then load everything in one transaction; any problem means nothing is written.
    `first`: the questions this adds go ahead of all other new ones (the user's own).
    The files are read first; what is loaded already is read under the write lock, so two
    loads at once see each other."""
    return load_parsed(store, parse_paths(paths), now=now, first=first)


def parse_paths(paths: list[Path]) -> list[DeckFile]:
    """Parse the deck files given (folders: their *.toml), before any lock is taken."""
    return [parse_file(p) for p in _expand(paths)]


def load_parsed(store: Store, files: list[DeckFile], *, now: datetime, first: bool = False
                ) -> LoadResult:
    """`load_paths` for files parsed already."""
    return _load(store, files, now=now, first=first, hold=None)[0]


Holder = Callable[[Store, datetime, Sequence[Question]], tuple[str, ...]]


def load_holding(store: Store, paths: list[Path], *, now: datetime, hold: Holder
                 ) -> tuple[LoadResult, tuple[str, ...]]:
    """`load_paths` that first calls `hold` (`ops.plan_scope.hold`: keep the questions new to
    the collection out of an active interview plan's scope, as `import` and `add` do) under
    the same write lock, after the check; the ids it held come back."""
    return _load(store, parse_paths(paths), now=now, first=False, hold=hold)


def _load(store: Store, files: list[DeckFile], *, now: datetime, first: bool,
          hold: Holder | None) -> tuple[LoadResult, tuple[str, ...]]:
    if not files:
        raise DeckError("no deck files given (or the folder holds no *.toml)")
    with store.transact("load decks", orm=True):
        problems = validate(files, _owned_elsewhere(store_deck_load.context(store),
                                                    store_decks.deck_sources(store), files))
        if problems:
            raise DeckError("\n".join(str(p) for p in problems))
        if card_reads.question_count(store):
            backups.automatic(store, "deck-load", now=now)
        held: tuple[str, ...] = ()
        if hold is not None:
            held = hold(store, now, [q for f in files for q in f.questions])
        return store_deck_load.load(store, files, now=now, first=first), held


