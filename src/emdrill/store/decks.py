"""Writing validated decks into the collection, and reading what is loaded."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from emdrill.core.deckfile import Context, DeckFile, LoadResult
from emdrill.core.order import goes_first, new_order
from emdrill.core.scheduler import new_memory
from emdrill.core.types import Family, Question, Slot
from emdrill.store import rows, tallies
from emdrill.store.db import Store
from emdrill.store.tables import DeckRow, FacetRow, FamilyRow, QuestionRow, SlotRow

CONTENT_FIELDS = ("family", "text", "intent", "probes", "story", "also", "system", "traits",
                  "pitfall", "follow_ups", "siblings", "position", "draft")


def context(store: Store) -> Context:
    with store.session() as s:
        families = frozenset(s.exec(select(FamilyRow.slug)))
        owners = {qid: deck for qid, deck in s.exec(select(QuestionRow.id, QuestionRow.deck_id))}
    return Context(families=families, question_decks=owners)


def load(store: Store, files: list[DeckFile], *, now: datetime, first: bool = False
         ) -> LoadResult:
    """Add, update and suspend in one transaction. With `first`, the questions this load adds
    go ahead of every other new question (the user's own, just added)."""
    counts = {"added": 0, "updated": 0, "unchanged": 0, "suspended": 0, "restored": 0}
    regrouped = False
    added: list[str] = []
    with store.session() as s:
        for deck in files:
            s.merge(DeckRow(id=deck.deck_id, name=deck.name, version=deck.version,
                            description=deck.description, source=str(deck.path), loaded_at=now))
            for fam in deck.families:
                s.merge(_family_row(fam, deck.deck_id))
            for slot in deck.slots:
                s.merge(SlotRow(slot=slot.slot, name=slot.name, competency=slot.competency,
                                must_include=list(slot.must_include)))
            for q in deck.questions:
                moved = _family_moves(s, q)
                outcome = _upsert(s, q, now)
                counts[outcome] += 1
                regrouped = regrouped or moved
                if first and outcome == "added":
                    added.append(q.id)
        loaded = {q.id for deck in files for q in deck.questions}
        deck_ids = [deck.deck_id for deck in files]
        gone = s.exec(select(QuestionRow).where(col(QuestionRow.deck_id).in_(deck_ids)))
        for row in gone:
            if row.id not in loaded and not row.suspended:
                row.suspended = True
                s.add(row)
                counts["suspended"] += 1
        s.flush()
        refresh_new_order(s, first=added)
        if regrouped:  # reviews now count towards another family's weakness
            tallies.rebuild(s)
    return LoadResult(**counts)


def _family_moves(s: Session, q: Question) -> bool:
    row = s.get(QuestionRow, q.id)
    return row is not None and row.family != q.family


def refresh_new_order(s: Session, *, first: Collection[str] = ()) -> None:
    """Store each active question's place among new ones (the rule: `core.order.new_order`).
    `first` are questions to put ahead of all others; those marked so before stay ahead."""
    rows = list(s.execute(text("SELECT id, family, deck_id, position, new_order FROM question "
                               "WHERE suspended = 0")))
    ahead = set(first) | {qid for qid, _, _, _, rank in rows if goes_first(rank)}
    order = new_order(((qid, fam, deck, int(pos)) for qid, fam, deck, pos, _ in rows),
                      first=ahead)
    s.execute(text("UPDATE question SET new_order = NULL WHERE suspended = 1"))
    s.execute(text("UPDATE question SET new_order = :n WHERE id = :id"),
              [{"n": n, "id": qid} for qid, n in order.items()])


def rebuild_aggregates(store: Store) -> None:
    """Fill what migration 3 could not compute in SQL: new order and weakness tallies."""
    with store.session() as s:
        refresh_new_order(s)
        tallies.rebuild(s)


def _family_row(fam: Family, deck_id: str) -> FamilyRow:
    return FamilyRow(slug=fam.slug, deck_id=deck_id, name=fam.name, probes=fam.probes)


def _content(q: Question) -> dict[str, object]:
    return {
        "family": q.family, "text": q.text, "intent": q.intent, "probes": list(q.probes),
        "story": q.story, "also": list(q.also), "system": q.system, "traits": list(q.traits),
        "pitfall": q.pitfall, "follow_ups": list(q.follow_ups), "siblings": list(q.siblings),
        "position": q.position, "draft": list(q.draft),
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
    with store.read() as con:
        return rows.families(con)


def slots(store: Store) -> dict[int, Slot]:
    with store.read() as con:
        return rows.slots(con)


def active_questions(store: Store) -> list[Question]:
    """Every active question's content, drafts included, in deck order."""
    with store.read() as con:
        return rows.active_questions(con)


def deck_sources(store: Store) -> dict[str, str]:
    """Deck id -> the file it was last loaded from."""
    with store.read() as con:
        return rows.deck_sources(con)


def suspended_texts(store: Store, deck: str) -> dict[str, str]:
    """Id -> text of the deck's suspended questions."""
    with store.read() as con:
        return rows.suspended_texts(con, deck)
