"""An answer put in among older ones (an Anki import of phone reviews) updates the family
tallies for its own question only, and they end as a full recount of the history gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import grading, opening
from emdrill.ops.grading import StoryAnswer
from emdrill.store import tallies
from emdrill.store.db import Store
from test_hot_path import _store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUESTIONS = [f"{f}-{i}" for f in ("alpha", "beta") for i in range(8)]


def _history(store: Store, rng: random.Random, steps: int) -> datetime:
    """Drills made here, one every few hours over about a month."""
    now = T0
    for _ in range(steps):
        now += timedelta(hours=rng.choice([1, 5, 20, 30]))
        grading.grade(store, Clock(now=now, local=UTC), rng.choice(QUESTIONS),
                      intent=rng.choice(list(Rating)),
                      story=StoryAnswer(slot=rng.choice([1, 5])), mode="drill")
    return now


def _phone(store: Store, rng: random.Random, answers: int, end: datetime) -> None:
    """Answers from another device, each at a moment among the ones made here (a replay)."""
    for _ in range(answers):
        at = T0 + timedelta(seconds=rng.uniform(0, (end - T0).total_seconds()))
        facet = rng.choice(["intent", "story"])
        rating = rng.choice(list(Rating))
        grading.record(store, Clock(now=at, local=UTC), rng.choice(QUESTIONS),
                       intent=rating if facet == "intent" else None,
                       story=rating if facet == "story" else None, mode="anki")


def _weighed(store: Store, now: datetime) -> dict[str, tuple[float, float]]:
    return {f: t.at(now) for f, t in tallies.read(store).items()}


@pytest.mark.parametrize(("seed", "leech_lapses"), [(1, 8), (2, 2), (3, 3)])
def test_interleaved_answers_keep_the_tallies_a_full_recount_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, leech_lapses: int) -> None:
    """Low leech-lapses make the interleaved answers turn questions into leeches often."""
    store = _store(tmp_path)
    opening.change_setting(store, "leech-lapses", str(leech_lapses))
    rng = random.Random(seed)
    end = _history(store, rng, 80)
    with monkeypatch.context() as patch:  # no answer may recount the whole history
        def whole(*_: object) -> None:
            raise AssertionError("an interleaved answer recounted the whole history")
        patch.setattr(tallies, "rebuild", whole)
        _phone(store, rng, 60, end)
    kept = _weighed(store, end)
    with store.transact("set up the test") as con:
        tallies.rebuild(con)
    recounted = _weighed(store, end)
    assert kept.keys() == recounted.keys() == {"alpha", "beta"}
    for family, (tests, misses) in recounted.items():
        assert tests > 0
        assert kept[family] == pytest.approx((tests, misses), abs=1e-9)
