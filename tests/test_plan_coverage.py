"""The plan reaches every intent group: ten days of drills through the real session (the
plan's queue, the 35% bound, the drill's retries) on a crafted deck, at minutes too short
for every review of every group but enough for a first sight and one review each. Real
SQLite, the clock moved by hand."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from conftest import DECK_HEADER, question
from emdrill.core.groups import intent_groups
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import decks, opening
from emdrill.ops import interview as plan
from emdrill.ops.drill import Session
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads
from emdrill.store.db import Store

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FAMILIES = ("alpha", "beta", "gamma", "delta", "eps", "zeta")
SECONDS = 60  # an answer a minute: a 10-minute drill holds 10
DAYS, MINUTES = 10, 10


def paired_deck(tmp_path: Path) -> Path:
    """Six families of six questions, in sibling pairs: 18 intent groups."""
    parts = [DECK_HEADER]
    for family in FAMILIES[2:]:
        parts.append(f'\n[[families]]\nslug = "{family}"\nname = "{family.title()}"\n'
                     'probes = "What it probes."\n')
    for family in FAMILIES:
        for i in range(6):
            other = f"{family}-{i ^ 1}"
            parts.append(question(f"{family}-{i}", family, story=1, also="[]",
                                  siblings=f'["{other}"]'))
    path = tmp_path / "paired.toml"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def _clock(now: list[datetime]) -> Clock:
    return Clock(now=now[0], local=UTC)


def drill_ten_days(store: Store) -> tuple[dict[str, int], list[float]]:
    """Each day one MINUTES drill, the intent and the story each right 3 times in 5 (fixed
    dice); the day each question was first answered and each drill's largest family share."""
    first: dict[str, int] = {}
    shares: list[float] = []
    for day in range(DAYS):
        now = [T0 + timedelta(days=day)]
        session = Session(store, partial(_clock, now), minutes=MINUTES)
        families: Counter[str] = Counter()
        while not session.finished():
            pick = session.next_pick()
            if pick is None:
                break
            dice = random.Random(f"{pick.card.id}:{len(session.answers)}:{day}")
            session.answer(pick, intent=Rating.GOOD if dice.random() < 0.6 else Rating.AGAIN,
                           story=StoryAnswer(verdict=dice.random() < 0.6), seconds=SECONDS)
            first.setdefault(pick.card.id, day)
            families[pick.card.family] += 1
            now[0] += timedelta(seconds=SECONDS)
        shares.append(max(families.values()) / sum(families.values()))
    return first, shares


def test_ten_days_at_short_minutes_see_every_intent_group(home: Path, tmp_path: Path) -> None:
    store = opening.open_collection(home / "emdrill.db", now=T0, autoload=False)
    try:
        decks.load_paths(store, [paired_deck(tmp_path)], now=T0)
        opening.change_setting(store, "minutes", str(MINUTES))
        plan.set_interview(store, Clock(now=T0, local=UTC),
                           (T0 + timedelta(days=DAYS)).replace(hour=9).isoformat())
        cards = card_reads.load_cards(store)
        groups = intent_groups(c.question for c in cards)
        first, shares = drill_ten_days(store)
        outlook = plan.outlook(store, Clock(now=T0 + timedelta(days=DAYS - 1, hours=12),
                                            local=UTC), opening.settings(store))
    finally:
        store.close()
    every = set(groups.values())
    assert {groups[qid] for qid in first} == every, f"{len(every)} groups"
    # every family starts within the first third of the days (day 0 to 2 of 10)
    started: dict[str, int] = {}
    for qid, day in sorted(first.items(), key=lambda kv: kv[1]):
        started.setdefault(qid.split("-")[0], day)
    assert set(started) == set(FAMILIES) and max(started.values()) < 3, started
    assert max(shares) <= 0.35  # the family bound holds while the groups come in
    assert outlook is not None and outlook.groups_seen == outlook.groups_in_scope == 18
