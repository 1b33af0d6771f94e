"""What an answer depends on beside the card itself, read once: the settings, the FSRS
parameters in force, the booked interview, and the families' weakness tallies.

A drill reads it when it picks a card (the queue orders by it), labels the keys from it and
grades with it; the grade reads it again only when the file has changed since (`fresh`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from emdrill.core.interview import Interview
from emdrill.core.scheduler import FacetParameters
from emdrill.core.settings import Settings
from emdrill.core.weakness import Schedule, Tally, schedule, tally_scores
from emdrill.ops import optimize
from emdrill.ops.opening import settings
from emdrill.store import decks as store_decks
from emdrill.store import interview as store_interview
from emdrill.store import tallies as store_tallies
from emdrill.store.db import Store


def orders_by_weakness(prefs: Settings, weakest_first: bool | None = None) -> bool:
    """Whether the queue orders by family weakness: the `adaptive` setting, unless
    `weakest_first` says otherwise (the commute)."""
    return prefs.adaptive if weakest_first is None else weakest_first


@dataclass(frozen=True)
class AnswerContext:
    prefs: Settings
    parameters: FacetParameters
    interview: Interview | None  # the stored one, running or not (`booked`)
    tallies: Mapping[str, Tally]
    families: tuple[str, ...]  # every loaded family's slug, in deck order
    version: tuple[int, int]  # the store's `version()` just before it was read

    def booked(self, now: datetime) -> Interview | None:
        """The interview whose plan is running at `now`, if any."""
        running = self.interview is not None and self.interview.active(now)
        return self.interview if running else None

    def weakness(self, now: datetime) -> dict[str, float]:
        """Each family's weakness, weighed at `now`."""
        return tally_scores(self.tallies, self.families, now)

    def ordering(self, now: datetime, weakest_first: bool | None = None,
                 ) -> dict[str, float] | None:
        """Family weakness to order the queue by, or None for plain FSRS order (adaptive off,
        unless `weakest_first` says otherwise)."""
        return self.weakness(now) if orders_by_weakness(self.prefs, weakest_first) else None

    def schedule(self, family: str, now: datetime) -> Schedule:
        """The family's schedule in force at `now`: plain FSRS at the user's retention when
        not adaptive."""
        plain = Schedule(self.prefs.retention)
        if not self.prefs.adaptive:
            return plain
        weak = self.weakness(now)
        return schedule(self.prefs.retention, weak[family]) if family in weak else plain

    def fresh(self, store: Store) -> bool:
        """Nothing was committed to `store` since this was read."""
        return self.version == store.version()


def answer_context(store: Store) -> AnswerContext:
    """Read what an answer depends on: the tallies each time, the rest once while nothing
    but answers is written (`Store.memo`: an answer or an undo changes only the tallies)."""
    version = store.version()  # first: a write made while reading makes it stale, not wrong
    prefs, parameters, interview, families = store.memo("answer basis", lambda: (
        settings(store), optimize.in_force(store), store_interview.load_interview(store),
        tuple(f.slug for f in store_decks.families(store))), version=version)
    return AnswerContext(prefs=prefs, parameters=parameters, interview=interview,
                         tallies=store_tallies.read(store), families=families, version=version)


def with_tallies(context: AnswerContext, store: Store, version: tuple[int, int],
                 ) -> AnswerContext:
    """`context` after an answer or an undo committed by this store, which changed only the
    tallies (`store.transact(answer=True)`): those read again, the rest kept; `version` is
    the store's `version()` just after that write."""
    return replace(context, tallies=store_tallies.read(store), version=version)
