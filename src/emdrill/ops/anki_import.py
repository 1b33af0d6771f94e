"""`emdrill import FILE.apkg|.colpkg`: bring reviews made in Anki back into the collection.

Every answer in the package's review log that belongs to a note emdrill exported is recorded
on its facet through `grading.record` (which, like `grade`, writes through `_commit`), at
the time it was given, oldest first. A review older than reviews already recorded for its
question takes its place in time and the later ones are replayed, so the facet ends as if
all had happened in order. Each Anki review is remembered by its revlog id and recorded
once, however often the file is imported. Answers to notes emdrill does not know are
counted, never guessed at. So are the rows Anki's own FSRS leaves out of a card's memory
(`AnkiReview.is_answer`, `core.anki.forgotten`): schedule changes, previews in a filtered
deck that does not reschedule, and answers given before the card was reset in Anki.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from emdrill.core.anki import facet_rating, forgotten, note_guid
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import backups, grading
from emdrill.store import anki as store_anki
from emdrill.store import card_reads
from emdrill.store.db import Store


@dataclass(frozen=True)
class Planned:
    """One Anki answer to record."""

    revlog_id: int
    question_id: str
    facet: str  # intent or story
    rating: Rating
    ease: int  # the Anki button pressed
    at: datetime
    seconds: float


@dataclass(frozen=True)
class AnkiImport:
    planned: list[Planned]  # recorded now, or that would be with --dry-run
    logged: int  # rows in the package's review log
    already: int  # answers recorded by an earlier import
    unknown: int  # answers to notes (or card types) emdrill did not make
    unknown_notes: int
    not_answers: int  # schedule changes made in Anki (reset, set due date): no answer given
    dry_run: bool
    backup: Path | None = None
    questions: set[str] = field(default_factory=set)
    previews: int = 0  # answers in a filtered deck that does not reschedule: Anki ignores them
    forgotten: int = 0  # answers before the card was reset in Anki (Forget): Anki ignores them


def import_anki(store: Store, clock: Clock, path: Path, *, dry_run: bool = False) -> AnkiImport:
    """Read the package's review log and record the answers emdrill has not seen yet."""
    reviews = store_anki.read_reviews(path)
    notes = {note_guid(c.question.deck, c.id): c.id
             for c in card_reads.load_cards(store, include_suspended=True)}
    done = store_anki.imported(store)
    planned: list[Planned] = []
    reset = forgotten(reviews)
    already = unknown = not_answers = previews = dropped = 0
    strangers: set[str | None] = set()
    for review in reviews:
        if review.is_preview:
            previews += 1
            continue
        if not review.is_answer:
            not_answers += 1
            continue
        question = notes.get(review.guid or "")
        mapped = facet_rating(review.ordinal, review.ease) if review.ordinal is not None else None
        if question is None or mapped is None:
            unknown += 1
            strangers.add(review.guid)
            continue
        facet, rating = mapped
        if (review.revlog_id, question, facet) in done:
            already += 1
            continue
        if review.revlog_id in reset:
            dropped += 1
            continue
        planned.append(Planned(review.revlog_id, question, facet, rating, review.ease,
                               review.at, review.seconds))
    planned.sort(key=lambda p: (p.at, p.revlog_id))
    made = None
    if planned and not dry_run:
        made = backups.automatic(store, "import", now=clock.now)
        # every answer or none: a kill mid-import leaves no half
        with store.transact("import Anki reviews"):
            for p in planned:
                grading.record(store, Clock(p.at, clock.local), p.question_id,
                               intent=p.rating if p.facet == "intent" else None,
                               story=p.rating if p.facet == "story" else None,
                               mode="anki", seconds=p.seconds, anki_revlog=p.revlog_id)
    return AnkiImport(planned, len(reviews), already, unknown, len(strangers), not_answers,
                      dry_run, made, {p.question_id for p in planned}, previews=previews,
                      forgotten=dropped)
