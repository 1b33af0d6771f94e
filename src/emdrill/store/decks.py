"""Writing validated decks into the collection, and reading what is loaded."""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from emdrill.core.deckfile import Context, DeckFile, LoadResult
from emdrill.core.scheduler import new_memory
from emdrill.core.types import Family, Question, Slot
from emdrill.store.db import Store
from emdrill.store.tables import DeckRow, FacetRow, FamilyRow, QuestionRow, SlotRow

CONTENT_FIELDS = ("family", "text", "intent", "probes", "story", "also", "system", "traits",
                  "pitfall", "follow_ups", "siblings", "position")


def context(store: Store) -> Context:
    """What is loaded: families, which deck each question id belongs to, and the file each
    deck was loaded from."""
    with store.session() as s:
        families = frozenset(s.exec(select(FamilyRow.slug)))
        owners = {qid: deck for qid, deck in s.exec(select(QuestionRow.id, QuestionRow.deck_id))}
        sources = {deck: source for deck, source in s.exec(select(DeckRow.id, DeckRow.source))}
    return Context(families=families, question_decks=owners, deck_owners=sources)


def load(store: Store, files: list[DeckFile], *, now: datetime) -> LoadResult:
    """Add, update and suspend in one transaction."""
    counts = {"added": 0, "updated": 0, "unchanged": 0, "suspended": 0, "restored": 0}
    with store.write() as s:
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
                counts[_upsert(s, q, now)] += 1
        loaded = {q.id for deck in files for q in deck.questions}
        deck_ids = [deck.deck_id for deck in files]
        gone = s.exec(select(QuestionRow).where(col(QuestionRow.deck_id).in_(deck_ids)))
        for row in gone:
            if row.id not in loaded and not row.suspended:
                row.suspended = True
                s.add(row)
                counts["suspended"] += 1
    return LoadResult(**counts)


def _family_row(fam: Family, deck_id: str) -> FamilyRow:
    return FamilyRow(slug=fam.slug, deck_id=deck_id, name=fam.name, probes=fam.probes)


def _content(q: Question) -> dict[str, object]:
    return {
        "family": q.family, "text": q.text, "intent": q.intent, "probes": list(q.probes),
        "story": q.story, "also": list(q.also), "system": q.system, "traits": list(q.traits),
        "pitfall": q.pitfall, "follow_ups": list(q.follow_ups), "siblings": list(q.siblings),
        "position": q.position,
    }


def _upsert(s: Session, q: Question, now: datetime) -> str:
    row = s.get(QuestionRow, q.id)
    content = _content(q)
    if row is None:
        row = QuestionRow(id=q.id, deck_id=q.deck, added_at=now, suspended=False, family=q.family,
                          text=q.text, intent=q.intent, story=q.story, system=q.system)
        for key, value in content.items():
            setattr(row, key, value)
        s.add(row)
        s.flush()  # facets reference the question; no ORM relationship orders the inserts
        fresh = new_memory(now)
        for kind in ("intent", "story"):
            s.add(FacetRow(question_id=q.id, kind=kind, state=fresh.state, step=fresh.step,
                           due=now, last_review=None))
        return "added"
    changed = any(getattr(row, key) != value for key, value in content.items())
    outcome = "restored" if row.suspended else ("updated" if changed else "unchanged")
    for key, value in content.items():
        setattr(row, key, value)
    row.suspended = False
    s.add(row)
    return outcome


def deck_summary(store: Store) -> list[tuple[str, str, str, str, int, int]]:
    """(deck id, deck name, version, family, active questions, suspended) per family."""
    sql = text(
        "SELECT d.id, d.name, d.version, q.family, sum(NOT q.suspended), sum(q.suspended) "
        "FROM deck d JOIN question q ON q.deck_id = d.id "
        "GROUP BY d.id, q.family ORDER BY d.id, min(q.position), q.family"
    )
    with store.session() as s:
        return [(d, n, v, f, int(a or 0), int(b or 0)) for d, n, v, f, a, b in s.execute(sql)]


def families(store: Store) -> list[Family]:
    """Families in the order their decks define them."""
    with store.session() as s:
        rows = s.execute(text("SELECT slug, name, probes FROM family ORDER BY rowid"))
        return [Family(slug=slug, name=name, probes=probes) for slug, name, probes in rows]


def slots(store: Store) -> dict[int, Slot]:
    with store.session() as s:
        return {r.slot: Slot(r.slot, r.name, r.competency, tuple(r.must_include))
                for r in s.exec(select(SlotRow))}
