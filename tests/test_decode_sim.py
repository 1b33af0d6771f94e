"""The issue's target for decoding, on the simulated learner who confuses one pair: the pair
reaches `shaky`'s confusions within three drills; self-grading never surfaces it."""

from __future__ import annotations

import pytest

from emdrill.ops import decks, decode_sim


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_confused_pair_reaches_shaky_within_three_drills(seed: int) -> None:
    paths = decks.bundled_paths()
    decoding = decode_sim.run(paths, decoding=True, days=3, seed=seed)
    assert decoding.first_drill is not None and decoding.first_drill <= 3, decoding
    assert decoding.confusion_left < 0.8  # seeing both intents side by side teaches
    graded = decode_sim.run(paths, decoding=False, days=3, seed=seed)
    assert graded.in_shaky == [0, 0, 0] and graded.confusion_left == 0.8
