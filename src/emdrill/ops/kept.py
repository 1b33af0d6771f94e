"""The rows a queue is built from, read from the file (`DIRECT`) or kept between answers
(`KeptQueue`), as Anki keeps its queue: a drill reads its due rows once and, after each of
its own writes, puts back only the rows that write changed.

Exact, not approximate: every read a `KeptQueue` answers is the one the file would answer at
that moment, so `ops.queueing.next_queue` gives the same queue with it or without it
(tests/test_kept_queue.py compares the two after every answer). What it holds:
- the due rows as of one moment (`as_of`), per (deck, family) and for all families of a
  deck, each list either every due row or a prefix of them in `store.queue`'s order;
- until the first moment time alone changes them (`store.queue.next_change`: a due time
  reached, a bury ending), which makes it read again, as does any write it was not told of
  (`Store.version()`, another process's included);
- the first new questions of each read, the shown questions in full, the answer context.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from emdrill.core.cards import Card
from emdrill.ops.answer_context import AnswerContext, answer_context, with_tallies
from emdrill.store import card_reads
from emdrill.store import queue as store_queue
from emdrill.store.codec import to_db_time
from emdrill.store.db import Store
from emdrill.store.queue import DueRow

Ranked = list[tuple[int, Card]]
_NewKey = tuple[int, str | None, str | None, frozenset[str]]


class Rows:
    """The reads a queue needs, straight from the file."""

    def due(self, store: Store, now: datetime, *, family_keys: Mapping[str, float],
            exclude: Collection[str] = (), limit: int | None = None,
            family: str | None = None, deck: str | None = None) -> list[Card]:
        """Due rows in queue order (`store.queue.due_rows`)."""
        return store_queue.cards_of(store_queue.due_rows(
            store, now, family_keys=family_keys, exclude=exclude, limit=limit, family=family,
            deck=deck))

    def new_ranked(self, store: Store, count: int, *, now: datetime,
                   family: str | None = None, deck: str | None = None,
                   skip_families: Collection[str] = ()) -> Ranked:
        return card_reads.new_ranked(store, count, now=now, family=family, deck=deck,
                                      skip_families=skip_families)

    def full(self, store: Store, ids: Sequence[str]) -> dict[str, Card]:
        """The questions `ids` in full (text and both facets)."""
        return card_reads.cards_by_id(store, ids)

    def context(self, store: Store) -> AnswerContext:
        return answer_context(store)


DIRECT = Rows()


@dataclass
class _Held:
    rows: list[DueRow]  # in `DueRow.key` order
    complete: bool  # every due row of its (deck, family); else the first ones only


class KeptQueue(Rows):
    """A drill's queue rows, kept between its answers (see the module docstring). Tell it
    of each write the drill makes (`wrote`); any other write makes it read afresh."""

    def __init__(self) -> None:
        self._version: tuple[int, int] | None = None
        self._as_of: datetime | None = None
        self._stamp = ""  # `as_of` as stored
        self._until: str | None = None  # next change by time alone, as stored
        self._lists: dict[tuple[str | None, str | None], _Held] = {}  # (deck, family)
        self._new: dict[_NewKey, Ranked] = {}
        self._full: dict[str, Card] = {}
        self._context: AnswerContext | None = None
        self._basis: tuple[int, int] | None = None  # `Store.basis_of` the context
        self._tallies_moved = False  # by a told answer since the context was read

    # ------------------------------------------------------------ keeping

    def sync(self, store: Store, now: datetime) -> KeptQueue:
        """Make what is held good for `now`: read afresh when the file changed behind it,
        time went back, or time alone changed which questions are due."""
        version = store.version()
        stale = (version != self._version or self._as_of is None or now < self._as_of
                 or (self._until is not None and to_db_time(now) >= self._until))
        if stale:
            self._reset(store, now, version)
        return self

    def _reset(self, store: Store, now: datetime, version: tuple[int, int]) -> None:
        self._version = version  # read first: a write made while reading makes it stale
        self._as_of, self._stamp = now, to_db_time(now)
        self._until = store_queue.next_change(store, now)
        self._lists.clear()
        self._new.clear()
        self._full.clear()
        self._context = None

    def forget(self) -> None:
        """Read everything afresh at the next call."""
        self._version = None

    def wrote(self, store: Store, ids: Iterable[str], before: tuple[int, int]) -> None:
        """The drill just committed a write that changed only the questions `ids` (a grade,
        an undo, a suspension); `before` is `store.version()` read just before it. Those
        rows are put back where they now stand; anything else written meanwhile, here or
        by another process, makes it read afresh."""
        after = store.version()
        if before != self._version or after[0] != before[0]:
            self.forget()
            return
        for question in store_queue.placed(store, ids).values():
            self._put_back(question)
        if self._context is not None and self._basis == store.basis_of(before):
            # since the context was read, only answers or undos were committed, the told
            # write among them (`transact(answer=True)`: any other write of this store moves
            # `basis_of`): only the tallies moved, read again when the context is next asked
            self._tallies_moved = True
            self._basis = store.basis_of(after)
        else:
            self._context = None
        self._version = after

    def _put_back(self, question: store_queue.Placed) -> None:
        qid = question.id
        self._full.pop(qid, None)
        if question.new or any(c.id == qid for r in self._new.values() for _n, c in r):
            self._new.clear()
        row = question.due
        if question.buried_until is not None and question.buried_until > self._stamp:
            self._soon(question.buried_until)
            row = None
        if row is not None and row.key[0] > self._stamp:
            self._soon(row.key[0])
            row = None
        for (deck, family), held in self._lists.items():
            held.rows = [r for r in held.rows if r.card.id != qid]
            if (row is None or deck not in (None, question.deck)
                    or family not in (None, question.family)):
                continue
            if held.complete or (held.rows and row.key < held.rows[-1].key):
                bisect.insort(held.rows, row, key=lambda r: r.key)

    def _soon(self, stamp: str) -> None:
        self._until = stamp if self._until is None else min(self._until, stamp)

    # ------------------------------------------------------------ reading

    def due(self, store: Store, now: datetime, *, family_keys: Mapping[str, float],
            exclude: Collection[str] = (), limit: int | None = None,
            family: str | None = None, deck: str | None = None) -> list[Card]:
        if family is None and family_keys:  # every due row, in the keys' order
            held = self._held(store, deck, None, None, exclude)
            rows = store_queue.merged(held, family_keys)
        else:  # one family, or plain due order: the keys' order is `DueRow.key`'s
            rows = self._held(store, deck, family, limit, exclude)
        if not exclude:
            return [r.card for r in (rows if limit is None else rows[:limit])]
        cards = [r.card for r in rows if r.card.id not in exclude]
        return cards if limit is None else cards[:limit]

    def _held(self, store: Store, deck: str | None, family: str | None, limit: int | None,
              exclude: Collection[str]) -> list[DueRow]:
        """At least the first `limit` rows of (deck, family) not in `exclude` (every row
        when `limit` is None or there are no more), reading only when not held."""
        held = self._lists.get((deck, family))
        whole = self._lists.get((deck, None))
        if held is None and family is not None and whole is not None and whole.complete:
            held = _Held([r for r in whole.rows if r.card.family == family], True)
            self._lists[(deck, family)] = held
        if held is not None:
            if held.complete:
                return held.rows
            if limit is not None and (len(held.rows) if not exclude else sum(
                    1 for r in held.rows if r.card.id not in exclude)) >= limit:
                return held.rows
        size = None if limit is None else limit + len(exclude)
        rows = store_queue.due_rows(store, self._moment(), limit=size, family=family,
                                    deck=deck)
        self._lists[(deck, family)] = _Held(rows, size is None or len(rows) < size)
        return rows

    def _moment(self) -> datetime:
        assert self._as_of is not None, "sync first"
        return self._as_of

    def new_ranked(self, store: Store, count: int, *, now: datetime,
                   family: str | None = None, deck: str | None = None,
                   skip_families: Collection[str] = ()) -> Ranked:
        key = (count, family, deck, frozenset(skip_families))
        if key not in self._new:
            self._new[key] = card_reads.new_ranked(
                store, count, now=self._moment(), family=family, deck=deck,
                skip_families=skip_families)
        return list(self._new[key])

    def full(self, store: Store, ids: Sequence[str]) -> dict[str, Card]:
        missing = [i for i in ids if i not in self._full]
        if missing:
            self._full.update(card_reads.cards_by_id(store, missing))
        return {i: self._full[i] for i in ids if i in self._full}

    def context(self, store: Store) -> AnswerContext:
        if self._context is None:
            self._context = answer_context(store)
            self._basis = store.basis_of(self._context.version)
        elif self._tallies_moved:
            assert self._version is not None, "sync first"
            self._context = with_tallies(self._context, store, self._version)
        self._tallies_moved = False
        return self._context
