"""FSRS parameters fitted to the user's own history. The only module that imports
`fsrs_rs_python` (the FSRS optimizer, without torch), and only inside the functions that fit
(`fit`, `score`): status imports this module to ask whether to offer `optimize`.

A facet's history becomes the optimizer's items: the ratings of one question's facet in
order, each with the whole study days since the one before (0 for the first, and for
answers on the same day). Every answer that comes a study day or more after the previous
one is a recall review, and each recall review is one item: the history up to it, whose
last rating the model must predict. Fitted parameters are kept only if their log loss on
that history is lower than that of the parameters in force.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from emdrill.core.scheduler import Parameters, check_parameters
from emdrill.core.timing import Clock

if TYPE_CHECKING:
    from fsrs_rs_python import FSRSItem

MIN_REVIEWS = 100  # recall reviews of a facet before fitting is worth it
OFFER_AT = 250  # answers in all before `optimize` is first offered (about 100 recall reviews)
OFFER_GROWTH = 1.5  # offer again once the answers have grown by this factor

Item = tuple[tuple[int, int], ...]  # (rating, study days since the previous answer)


@dataclass(frozen=True)
class FacetHistory:
    """One question's ratings of one facet, oldest first."""

    question_id: str
    reviews: list[tuple[datetime, int]] = field(default_factory=list)


@dataclass(frozen=True)
class StoredFit:
    """What the last `optimize` kept for a facet; `parameters` None: the defaults."""

    facet: str
    parameters: Parameters | None
    reviews: int  # recall reviews it read
    total_reviews: int  # all reviews at that time
    log_loss: float | None
    rmse: float | None
    fitted_at: datetime


@dataclass(frozen=True)
class Score:
    """How well parameters predict a history: log loss and RMSE (binned), lower is better."""

    log_loss: float
    rmse: float


def training_items(histories: Iterable[FacetHistory], clock: Clock) -> list[Item]:
    """The optimizer's items, one per recall review (see the module docstring)."""
    items: list[Item] = []
    for history in histories:
        steps: list[tuple[int, int]] = []
        previous: date | None = None
        for at, rating in history.reviews:
            day = date.fromisoformat(clock.day_key(at))
            gap = (day - previous).days if previous is not None else 0
            steps.append((rating, gap))
            if gap > 0:
                items.append(tuple(steps))
            previous = day
    return items


def fit(items: Sequence[Item]) -> Parameters:
    """Parameters fitted to `items`, starting from the defaults."""
    import fsrs_rs_python as rs

    model = rs.FSRS(rs.DEFAULT_PARAMETERS)
    return tuple(float(w) for w in model.compute_parameters(_rs_items(items),
                                                             enable_short_term=True))


def score(items: Sequence[Item], parameters: Parameters | None) -> Score:
    """How well `parameters` (None: the defaults) predict the last rating of every item."""
    import fsrs_rs_python as rs

    model = rs.FSRS(list(parameters) if parameters else rs.DEFAULT_PARAMETERS)
    result = model.evaluate(_rs_items(items))
    return Score(float(result.log_loss), float(result.rmse_bins))


def _rs_items(items: Sequence[Item]) -> list[FSRSItem]:
    import fsrs_rs_python as rs

    return [rs.FSRSItem([rs.FSRSReview(rating, gap) for rating, gap in item]) for item in items]


def usable(parameters: Sequence[float]) -> Parameters | None:
    """The fitted values if the scheduler accepts them (count and bounds), else None."""
    try:
        return check_parameters(parameters)
    except ValueError:
        return None


def better(candidate: Score, current: Score) -> bool:
    """Keep the candidate only when it lowers the log loss."""
    return candidate.log_loss < current.log_loss


def should_offer(total_reviews: int, stored: Sequence[StoredFit]) -> bool:
    """Offer `optimize` once there are OFFER_AT answers in all, and again each time the
    history has grown by OFFER_GROWTH since the last run (whatever that run kept)."""
    last = max((f.total_reviews for f in stored), default=0)
    if not last:
        return total_reviews >= OFFER_AT
    return total_reviews >= OFFER_GROWTH * last
