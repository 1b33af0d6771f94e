"""The suggestion model over what is loaded, cached in the data folder, and `suggest`.

Reads only, through plain SQL (`store.deck_reads`), so `emdrill suggest` can run on a read-only
store (`store.db.open_current`) and never import SQLAlchemy. The cache (`suggest-model.json`
in the data folder) is keyed by a fingerprint of the model's input: loading, adding or
importing questions changes it, and the next suggestion rebuilds. A cache that cannot be
read is rebuilt, never an error.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from emdrill.core.cards import Family, Question, Slot
from emdrill.core.suggest import DRAFT_WEIGHT, SYSTEM, Doc, Model, Story, Suggestion, fingerprint
from emdrill.store import db, deck_reads
from emdrill.store.db import Store

CACHE_NAME = "suggest-model.json"
CONFIRMED = ("family", "story")  # a user's card teaches the model once neither is a draft


def data_folder(store: Store) -> Path:
    """The data folder: where the collection lives."""
    return store.path.parent


def open_reader(path: Path) -> Store | None:
    """A read-only store on the collection at `path`, if it can skip the full open (it
    exists, is current and holds questions); None otherwise."""
    return db.open_current(path)


@dataclass(frozen=True)
class Loaded:
    """What is loaded now: the questions, families and slots a suggestion draws on."""

    questions: tuple[Question, ...]
    families: tuple[Family, ...]
    slots: dict[int, Slot]

    @classmethod
    def read(cls, store: Store) -> Loaded:
        with store.read() as con:
            return cls(tuple(deck_reads.active_questions(con)), tuple(deck_reads.families(con)),
                       deck_reads.slots(con))

    def family_names(self) -> dict[str, str]:
        return {f.slug: f.name for f in self.families}

    @cached_property
    def by_id(self) -> dict[str, Question]:
        """Each question by id: worked out once, not once per drafted row."""
        return {q.id: q for q in self.questions}

    @cached_property
    def by_family(self) -> dict[str, tuple[Question, ...]]:
        """Each family's questions, in load order."""
        grouped: dict[str, list[Question]] = {}
        for q in self.questions:
            grouped.setdefault(q.family, []).append(q)
        return {f: tuple(qs) for f, qs in grouped.items()}


def model_input(loaded: Loaded) -> tuple[list[Doc], dict[str, str], dict[int, str]]:
    """Questions whose family and story are confirmed (a draft family or story would only
    teach the model its own guess back), a card still holding other drafts at DRAFT_WEIGHT
    (below the bundled deck and the user's reviewed cards, and never lending its intent);
    family descriptions and slot must-includes."""
    docs = [_doc(q) for q in loaded.questions if not set(q.draft) & set(CONFIRMED)]
    families = {f.slug: f"{f.name}. {f.probes}" for f in loaded.families}
    slots = {s.slot: f"{s.name}. {s.competency}. " + ". ".join(s.must_include)
             for s in loaded.slots.values()}
    return docs, families, slots


def _doc(q: Question) -> Doc:
    """A question as the model reads it. A drafted intent, probes, pitfall or follow-ups are
    copies of the card they were drafted from (or the 'not decoded yet' line): indexed, they
    would make this card read like that one, so they are left out until reviewed."""
    draft = set(q.draft)
    return Doc(id=q.id, family=q.family, text=q.text,
               intent="" if "intent" in draft else q.intent,
               probes=() if "probes" in draft else q.probes,
               pitfall="" if "pitfall" in draft else q.pitfall,
               follow_ups=() if "follow_ups" in draft else q.follow_ups,
               story=_story(q.story), also=q.also, weight=DRAFT_WEIGHT if draft else 1.0)


def _story(story: int) -> Story:
    """A stored story outside the slots 1-8 is the system answer (the deck format of issue 11
    stores it as 9)."""
    return story if 1 <= story <= 8 else SYSTEM


def model(store: Store, loaded: Loaded | None = None) -> Model:
    """The model for what is loaded: from the cache when that was built from the same input,
    else built (lending from a stale cache what the unchanged cards decide), and cached when
    the data folder can be written."""
    docs, families, slots = model_input(loaded or Loaded.read(store))
    key = fingerprint(docs, family_text=families, slot_text=slots)
    cache = data_folder(store) / CACHE_NAME
    previous: Model | None = None
    try:
        with cache.open(encoding="utf-8") as fh:
            fresh = fh.readline().strip() == key
            previous = Model.from_json(fh.read())
        if fresh:
            return previous
    except (OSError, ValueError):  # missing, unreadable or damaged
        pass
    built = Model.build(docs, family_text=families, slot_text=slots, previous=previous)
    with contextlib.suppress(OSError):  # a read-only data folder: rebuilt next time
        write_atomically(cache, f"{key}\n{built.to_json()}")
    return built


@dataclass(frozen=True)
class Suggested:
    """Suggestions, with the names that explain them."""

    items: tuple[Suggestion, ...]
    family_names: dict[str, str]
    slot_names: dict[int, str]


def suggest(store: Store, questions: Sequence[str]) -> Suggested:
    """A suggestion for each question, in order."""
    loaded = Loaded.read(store)
    engine = model(store, loaded)
    return Suggested(tuple(engine.suggest(q) for q in questions), loaded.family_names(),
                     {n: s.name for n, s in loaded.slots.items()})


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(name, mode)  # mkstemp makes it private; a deck file is a plain file
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
