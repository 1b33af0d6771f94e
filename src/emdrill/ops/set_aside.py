"""Setting questions aside: `suspend`, `unsuspend`, `bury`, and leeches (docs/set-aside.md).

A user's suspension and a bury live apart from `question.suspended` (a question removed from
its deck, rewritten by every deck load), so both survive reloads, bundled questions too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from emdrill.core.errors import InputError
from emdrill.core.stats import Leech, SetAsideCounts
from emdrill.core.timing import Clock
from emdrill.store import card_reads
from emdrill.store import set_aside as store_set_aside
from emdrill.store.db import Store

__all__ = ["Leech", "SetAsideCounts"]


def next_study_day(clock: Clock) -> datetime:
    """The start (UTC) of the study day after today's: 04:00 local tomorrow. From the middle
    of tomorrow back to its start, so a daylight-saving change cannot skip or repeat a day."""
    return clock.day_start(clock.day_start() + timedelta(hours=36))


def _checked(store: Store, ids: Sequence[str]) -> list[str]:
    """`ids` without repeats, once every one names a question: else the first unknown one
    as one clear line (with the closest id), and nothing is changed."""
    wanted = list(dict.fromkeys(i.strip() for i in ids))
    if not wanted or "" in wanted:
        raise InputError("give at least one question id (see `emdrill deck list --ids`)")
    known = card_reads.known_ids(store, wanted)
    for qid in wanted:
        if qid not in known:
            card_reads.load_card(store, qid)  # raises the unknown-id error, with a hint
    return wanted


def suspend(store: Store, ids: Sequence[str]) -> list[str]:
    """Take the questions out of every queue until `unsuspend`; returns those newly
    suspended (the others already were)."""
    return store_set_aside.suspend(store, _checked(store, ids), on=True)


def unsuspend(store: Store, ids: Sequence[str]) -> list[str]:
    """Put suspended or buried questions back in play; returns those that changed."""
    return store_set_aside.suspend(store, _checked(store, ids), on=False)


def bury(store: Store, clock: Clock, ids: Sequence[str]) -> datetime:
    """Keep the questions out of every queue until the next study day; returns when."""
    until = next_study_day(clock)
    store_set_aside.bury(store, _checked(store, ids), until=until)
    return until


@dataclass(frozen=True)
class Flags:
    """One question's set-aside state, as `show` and a drill's undo need it."""

    user_suspended: bool
    buried_until: datetime | None  # None once it has passed
    intent_lapses: int
    story_lapses: int
    leech: bool


def flags(store: Store, question_id: str, now: datetime) -> Flags:
    card = card_reads.load_card(store, question_id)
    with store.read() as con:
        threshold = store_set_aside.leech_lapses(con)
        counts = store_set_aside.lapses(con, question_id)
    buried = card.question.buried_until
    return Flags(card.question.user_suspended,
                 buried if buried is not None and buried > now else None,
                 counts[0], counts[1], store_set_aside.is_leech(counts, threshold))


def restore(store: Store, question_id: str, before: Flags) -> None:
    """Put one question's suspension and bury back as `before` had them."""
    store_set_aside.restore_flags(store, question_id, user_suspended=before.user_suspended,
                                  buried_until=before.buried_until)


def leeches(store: Store) -> list[Leech]:
    return store_set_aside.leeches(store)


def counts(store: Store, now: datetime) -> SetAsideCounts:
    return store_set_aside.set_aside_counts(store, now)
