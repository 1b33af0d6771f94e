"""bench/readiness.py's dice ceiling: the exact chance that one exam lands near a forecast."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _within_dice() -> Callable[..., float]:
    sys.path.insert(0, str(ROOT / "bench"))
    from readiness import _within_dice as within

    return cast(Callable[..., float], within)


def test_ten_questions_at_three_in_four_land_within_ten_points_about_half_the_time() -> None:
    within = _within_dice()
    # 7 or 8 right of 10 at 0.75 each: the binomial's two middle terms
    exact = sum(math.comb(10, k) * 0.75 ** k * 0.25 ** (10 - k) for k in (7, 8))
    assert within([0.75] * 10, 0.75) == pytest.approx(exact)
    assert 0.5 < exact < 0.55  # a perfect forecast misses one exam by more than 10 this often


def test_the_edge_counts_and_a_sure_exam_has_no_dice() -> None:
    within = _within_dice()
    assert within([1.0] * 10, 0.9) == pytest.approx(1.0)  # 10 of 10 is 10 points from 90%
    assert within([1.0] * 10, 0.85) == 0.0
    assert within([0.5, 0.5], 0.5) == pytest.approx(0.5)  # 1 of 2 only
    assert within([], 0.5) == 0.0
    # exactly on the edge counts: 0 or 2 of 2 are 50 points from a forecast of 50%
    assert within([0.5, 0.5], 0.5, points=50) == pytest.approx(1.0)
