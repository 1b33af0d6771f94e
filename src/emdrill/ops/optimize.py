"""Personal FSRS parameters: the ones in force, fitting them (`emdrill optimize`), and
whether to offer that. Fitting itself is `core.fitting`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from emdrill.core import fitting
from emdrill.core.cards import FACETS
from emdrill.core.fitting import Score, StoredFit, TrainingSet
from emdrill.core.scheduler import FacetParameters, Parameters
from emdrill.core.timing import Clock
from emdrill.store import interview as store_interview
from emdrill.store.db import Store

Fitter = Callable[[TrainingSet], Sequence[float]]


def in_force(store: Store) -> FacetParameters:
    """The parameters scheduling and the forecast use: fitted ones once kept, else None
    (the defaults)."""
    fits = store_interview.load_fits(store)
    return FacetParameters(*(fits[f].parameters if f in fits else None for f in FACETS))


def offer(store: Store) -> bool:
    """True when enough new history has come in to suggest `emdrill optimize`. The fits on
    record change only by a write other than an answer (`optimize`, an import): kept
    (`Store.memo`); the review total moves with every answer: read each time."""
    fits = store.memo("fits", lambda: list(store_interview.load_fits(store).values()))
    return fitting.should_offer(store_interview.review_total(store), fits)


@dataclass(frozen=True)
class FacetResult:
    facet: str
    reviews: int  # recall reviews in the history
    needed: int  # more recall reviews before fitting (0: enough)
    default: Score | None
    fitted: Score | None  # None: not enough history, or the fit was unusable
    previous: Score | None  # earlier personal parameters, when there were some
    kept: str  # "fitted", "previous" or "default"


def optimize(store: Store, clock: Clock, *, fitter: Fitter = fitting.fit) -> list[FacetResult]:
    """Fit each facet's parameters to its history; keep them only if they lower the log
    loss of the parameters in force on that history. Every run is recorded, so the offer
    waits for more history."""
    total = store_interview.review_total(store)
    stored = store_interview.load_fits(store)
    results = []
    for facet in FACETS:
        items = fitting.training_items(store_interview.histories(store, facet), clock)
        previous = stored[facet].parameters if facet in stored else None
        result, kept, kept_score = _fit_facet(facet, items, previous, fitter)
        store_interview.save_fit(store, StoredFit(
            facet=facet, parameters=kept, reviews=len(items), total_reviews=total,
            log_loss=kept_score.log_loss if kept_score else None,
            rmse=kept_score.rmse if kept_score else None, fitted_at=clock.now))
        results.append(result)
    return results


def _fit_facet(facet: str, items: TrainingSet, previous: Parameters | None,
               fitter: Fitter) -> tuple[FacetResult, Parameters | None, Score | None]:
    if len(items) < fitting.MIN_REVIEWS:
        kept = "previous" if previous else "default"
        return (FacetResult(facet, len(items), fitting.MIN_REVIEWS - len(items), None, None,
                            None, kept), previous, None)
    default = fitting.score(items, None)
    before = fitting.score(items, previous) if previous else None
    candidate = fitting.usable(fitter(items))
    fitted = fitting.score(items, candidate) if candidate else None
    current = before or default
    if candidate is not None and fitted is not None and fitting.better(fitted, current):
        return FacetResult(facet, len(items), 0, default, fitted, before, "fitted"), \
            candidate, fitted
    kept = "previous" if previous else "default"
    return FacetResult(facet, len(items), 0, default, fitted, before, kept), previous, current
