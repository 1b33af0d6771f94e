"""Writing validated decks into the collection through the table models: add, update,
merge replaced ids and suspend, in one write. Only a deck load reaches this module (the
first use's bundled decks, `deck load`, `add`), so the ORM loads with it; what is loaded is
read in `store.decks`."""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import insert, text
from sqlmodel import Session, col, select

from emdrill.core.cards import Family, Question
from emdrill.core.deckfile import Context, DeckFile, LoadResult
from emdrill.core.scheduler import new_memory
from emdrill.store import tallies
from emdrill.store.codec import MEMORY_COLUMNS, memory_columns, memory_values, question_content
from emdrill.store.db import Store
from emdrill.store.decks import refresh_new_order
from emdrill.store.tables import DeckRow, FacetRow, FamilyRow, QuestionRow, SlotRow


def context(store: Store) -> Context:
    with store.session() as s:
        families = frozenset(s.exec(select(FamilyRow.slug)))
        owners = {qid: deck for qid, deck in s.exec(select(QuestionRow.id, QuestionRow.deck_id))}
    return Context(families=families, question_decks=owners)


def load(store: Store, files: list[DeckFile], *, now: datetime, first: bool = False
         ) -> LoadResult:
    """Add, update, merge replaced ids and suspend, in one transaction. With `first`, the
    questions this load adds go ahead of every other new question (the user's own, just
    added)."""
    counts = {"added": 0, "updated": 0, "unchanged": 0, "suspended": 0, "restored": 0,
              "merged": 0}
    regrouped = False
    added: list[str] = []
    with store.transact("load decks", orm=True) as con, store.session() as s:
        # One read for every question the files name, and new ones written in two batched
        # INSERTs: a first load (a few hundred questions) is a handful of round trips, not
        # several per question.
        known = _loaded_rows(s, [q.id for deck in files for q in deck.questions])
        fresh: list[Question] = []
        for deck in files:
            s.merge(DeckRow(id=deck.deck_id, name=deck.name, version=deck.version,
                            description=deck.description, source=os.path.abspath(deck.path),
                            loaded_at=now))
            for fam in deck.families:
                s.merge(_family_row(fam, deck.deck_id))
            for slot in deck.slots:
                s.merge(SlotRow(slot=slot.slot, name=slot.name, competency=slot.competency,
                                must_include=list(slot.must_include)))
            for q in deck.questions:
                row = known.get(q.id)
                if row is None:
                    fresh.append(q)
                    counts["added"] += 1
                    if first:
                        added.append(q.id)
                    continue
                regrouped = regrouped or row.family != q.family
                counts[_update(s, row, q)] += 1
        _insert(s, fresh, now)
        for deck in files:
            for q in deck.questions:
                counts["merged"] += sum(_merge(s, old, q.id) for old in q.replaces)
        loaded = {q.id for deck in files for q in deck.questions}
        deck_ids = [deck.deck_id for deck in files]
        gone = s.exec(select(QuestionRow).where(col(QuestionRow.deck_id).in_(deck_ids)))
        for row in gone:
            if row.id not in loaded and not row.suspended:
                row.suspended = True
                s.add(row)
                counts["suspended"] += 1
        s.flush()  # plain SQL below reads what the session wrote, on the same connection
        refresh_new_order(con, first=added)
        # reviews now count towards another family's weakness (a question changed family,
        # or a merged question's reviews moved to one that may sit in another family)
        if regrouped or counts["merged"]:
            tallies.rebuild(con)
    return LoadResult(**counts)


def _loaded_rows(s: Session, ids: list[str]) -> dict[str, QuestionRow]:
    """The rows already in the collection for these question ids (chunked: SQLite caps the
    number of parameters in one statement)."""
    found: dict[str, QuestionRow] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update((row.id, row) for row in
                     s.exec(select(QuestionRow).where(col(QuestionRow.id).in_(chunk))))
    return found


def _family_row(fam: Family, deck_id: str) -> FamilyRow:
    return FamilyRow(slug=fam.slug, deck_id=deck_id, name=fam.name, probes=fam.probes)


def _insert(s: Session, questions: list[Question], now: datetime) -> None:
    """Add new questions, each with a fresh memory for both facets (questions first: the
    facets reference them; facet ids follow the questions' order)."""
    if not questions:
        return
    s.flush()  # pending changes go first, as they would in a unit of work
    s.execute(insert(QuestionRow), [
        {"id": q.id, "deck_id": q.deck, "added_at": now, "suspended": False, "due": None,
         "reviews": 0, "new_order": None, "user_suspended": False, "buried_until": None,
         **question_content(q)} for q in questions])
    fresh = dict(zip(MEMORY_COLUMNS, memory_values(new_memory(now)), strict=True))
    s.execute(text(_INSERT_FACET), [{"question_id": q.id, "kind": kind, **fresh}
                                    for q in questions for kind in ("intent", "story")])


# A facet's columns as the one codec gives them (`codec.memory_values`), not the ORM's types.
_INSERT_FACET = (f"INSERT INTO facet (question_id, kind, {memory_columns()}) "
                 f"VALUES (:question_id, :kind, {', '.join(':' + c for c in MEMORY_COLUMNS)})")


def _update(s: Session, row: QuestionRow, q: Question) -> str:
    """Bring a loaded question's content up to date (and back from suspension)."""
    content = question_content(q)
    changed = any(getattr(row, key) != value for key, value in content.items())
    outcome = "restored" if row.suspended else ("updated" if changed else "unchanged")
    for key, value in content.items():
        setattr(row, key, value)
    row.suspended = False
    s.add(row)
    return outcome


# Reviews name their question by `question.num` (migration 20), given by trigger: read here
# rather than from a model object that may not hold it yet.
_REVIEWS_MOVE = ("UPDATE review SET question_num = (SELECT num FROM question WHERE id = :new) "
                 "WHERE question_num = (SELECT num FROM question WHERE id = :old)")
_PRACTICE_MOVES = (
    "UPDATE intent_pick SET question_id = :new WHERE question_id = :old",
    "UPDATE intent_pick SET picked = :new WHERE picked = :old",
    "UPDATE intent_pick SET options = (SELECT json_group_array(CASE WHEN value = :old "
    "THEN :new ELSE value END) FROM json_each(intent_pick.options)) "
    "WHERE EXISTS (SELECT 1 FROM json_each(intent_pick.options) WHERE value = :old)",
    "UPDATE rehearsal SET question_id = :new WHERE question_id = :old",
    "UPDATE anki_review SET question_id = :new WHERE question_id = :old",
)


def _merge(s: Session, old_id: str, new_id: str) -> bool:
    """Move `old_id`'s history to `new_id`, then delete the old question.

    Its reviews always move, and so do its decoding picks (as the question, the pick or an
    option offered) and mock-interview answers. Its facets' memory moves only if the new
    question has never been reviewed; if both have history, the new question keeps its own
    memory (undo then takes a moved review back without touching it: see
    `store.review_log.undo_last`). Nothing to do when `old_id` is not in the collection (never
    loaded, or merged by an earlier load)."""
    old = s.get(QuestionRow, old_id)
    if old is None:
        return False
    old_facets = {f.kind: f for f in s.exec(select(FacetRow).where(FacetRow.question_id == old_id))}
    new_facets = {f.kind: f for f in s.exec(select(FacetRow).where(FacetRow.question_id == new_id))}
    if all(f.last_review is None for f in new_facets.values()):
        for kind, target in new_facets.items():
            source = old_facets.get(kind)
            if source is not None:
                for column in MEMORY_COLUMNS:  # the memory moves, column by column
                    setattr(target, column, getattr(source, column))
                s.add(target)
    s.flush()
    ids = {"old": old_id, "new": new_id}
    # the reviews, decoding picks and mock answers follow their question
    for sql in (_REVIEWS_MOVE, *_PRACTICE_MOVES):
        s.execute(text(sql), ids)
    # everything points at the new id before the old question goes
    for facet in old_facets.values():
        s.delete(facet)
    s.flush()
    s.delete(old)
    return True
