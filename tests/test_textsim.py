"""One text-similarity module (core/textsim.py) under the suggester and the near-duplicate
check: the two stem every word alike (they once disagreed: 'stakeholders' was 'stakehold' to
one and 'stakeholder' to the other)."""

from __future__ import annotations

import pytest

from emdrill.core import coach_rules, near_duplicates, suggest, textsim

WORDS = ["stakeholders", "stakeholder", "hiring", "hired", "decisions", "managers", "managing",
         "priorities", "prioritized", "teammates", "engineers", "careers", "ownership"]


@pytest.mark.parametrize("word", WORDS)
def test_the_suggester_and_the_check_stem_alike(word: str) -> None:
    suggested = {term for term, _, _ in suggest._terms(word) if not term.startswith("~")}
    checked = near_duplicates.words(word)
    assert checked == {textsim.stem(word)}
    assert suggested <= checked  # the suggester may drop a stop word, never stem otherwise


def test_stakeholders_meet_stakeholder() -> None:
    assert near_duplicates.words("Stakeholders") == near_duplicates.words("stakeholder")
    assert textsim.stem("stakeholders") == textsim.stem("stakeholder") == "stakehold"


def test_both_weigh_terms_the_same_way() -> None:
    bags = [{"a", "b"}, {"a", "c"}, {"d"}]
    weights = textsim.idf([dict.fromkeys(b, 1.0) for b in bags])
    vectors = [textsim.unit({w: weights[w] for w in b}) for b in bags]
    scores = near_duplicates.similarities(bags)
    assert scores[(0, 1)] == pytest.approx(textsim.cosine(vectors[0], vectors[1]))
    assert (0, 2) not in scores


def test_the_coach_stems_words_as_the_suggester_does() -> None:
    words = ["Stakeholders", "decided", "hiring", "managers", "trusted", "engineer's",
             "prioritisation", "teammates", "careers"]
    assert [coach_rules.stem(w) for w in words] == [
        textsim.stem(w.lower().replace("'", "")) for w in words]
