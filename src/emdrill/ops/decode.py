"""Intent decoding against the store: the four intents offered, a pick recorded as a review,
the confusions it finds, and the partner that comes back soon after a confused question."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from emdrill.core.cards import Card, Question
from emdrill.core.decode import (
    Confusion,
    IntentChoice,
    difference,
    document_frequency,
    options,
    pick_rating,
    reading_words,
)
from emdrill.core.errors import InputError
from emdrill.core.order import SessionScope
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import grading
from emdrill.ops.grading import Graded, StoryAnswer
from emdrill.store import card_reads
from emdrill.store import practice as store_practice
from emdrill.store.db import Store


@dataclass(frozen=True)
class Offer:
    """The question and the candidate intents as the screen shows them (shuffled)."""

    card: Card
    shown: tuple[Question, ...]

    @property
    def right_index(self) -> int:
        return next(i for i, q in enumerate(self.shown) if q.id == self.card.id)

    def choice(self, index: int, seconds: float | None) -> IntentChoice:
        return IntentChoice(self.card.id, self.shown[index].id,
                            tuple(q.id for q in self.shown), seconds)

    def rating(self, choice: IntentChoice) -> Rating:
        return pick_rating(choice.right, choice.seconds,
                           words_shown=reading_words(self.card.question, self.shown))


def _pool(store: Store) -> list[Question]:
    return [c.question for c in card_reads.load_cards(store)]


def offer(store: Store, card: Card, *, rng: random.Random) -> Offer:
    """Its own intent and the three it is most easily confused with, in random order."""
    shown = options(card.question, _pool(store),
                    confused=store_practice.mistaken_for(store, card.id))
    rng.shuffle(shown)
    return Offer(card, tuple(shown))


def record_pick(store: Store, clock: Clock, question_id: str, picked_id: str, *,
                story: StoryAnswer, seconds: float | None = None) -> tuple[Graded, IntentChoice]:
    """`grade ID --intent-pick OTHER_ID`: a pick recorded exactly as a drill records one; the
    options stored are those a drill would offer now, with OTHER_ID among them."""
    card = card_reads.load_card(store, question_id)
    known = {q.id: q for q in _pool(store)}
    if picked_id not in known and picked_id != question_id:
        card_reads.load_card(store, picked_id)  # unknown ids fail with the usual message
        raise InputError(f"--intent-pick: question '{picked_id}' is suspended")
    shown = options(card.question, list(known.values()),
                    confused=store_practice.mistaken_for(store, card.id), must=picked_id)
    made = Offer(card, tuple(shown))
    choice = IntentChoice(card.id, picked_id, tuple(q.id for q in shown), seconds)
    graded = grading.grade(store, clock, question_id, intent=made.rating(choice),
                           story=story, seconds=seconds, mode="grade", choice=choice)
    return graded, choice


# ---------------------------------------------------------------- confusions


def confusions(store: Store, *, limit: int | None = None) -> list[Confusion]:
    """Pairs still confused first, then by how often and how lately."""
    rows = store_practice.confusions(store)
    if not rows:
        return []
    every = {c.id: c.question for c in card_reads.load_cards(store, include_suspended=True)}
    df = document_frequency(q.text for q in every.values())
    df.update(document_frequency(q.intent for q in every.values()))
    found = [Confusion(every[q], every[p], n, last, settled,
                       difference(every[q], every[p], df))
             for q, p, n, last, settled in rows if q in every and p in every]
    found.sort(key=lambda c: (c.told_apart, -c.count, -c.last.timestamp(), c.question.id))
    return found[:limit] if limit is not None else found


def contrast_card(store: Store, answered: Sequence[str], *, exclude: Collection[str] = (),
                  scope: SessionScope | None = None) -> Card | None:
    """Confused pairs are interleaved closer: one card after a question that is still
    confused with another, that other comes up (once a session, and only within the
    session's `scope`), until they are told apart."""
    if len(answered) < 2:
        return None
    shown = set(answered)
    for partner in store_practice.open_confusions_of(store, answered[-2]):
        if partner in shown or partner in exclude:
            continue
        card = card_reads.load_card(store, partner)
        out = card.question.suspended or card.question.user_suspended
        if not out and (scope is None or scope.includes(card)):
            return card
    return None
