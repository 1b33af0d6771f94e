"""The shipped deck's content against issue 12's requirements (deck 2): coverage, story
choice, siblings. `python bench/deck_report.py` prints the same figures for a person."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from emdrill.ops import decks

BUNDLED = Path(__file__).resolve().parents[1] / "decks" / "em-core.toml"
FAMILIES = {"decisions", "underperformance", "growth", "motivation", "delivery", "hiring",
            "stakeholders", "conflict", "technical", "failure", "ownership", "pressure"}


@pytest.fixture(scope="module")
def deck() -> dict[str, Any]:
    return tomllib.loads(BUNDLED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def questions(deck: dict[str, Any]) -> list[dict[str, Any]]:
    return list(deck["questions"])


def _links(questions: list[dict[str, Any]]) -> set[frozenset[str]]:
    return {frozenset((q["id"], s)) for q in questions for s in q.get("siblings", [])}


def test_the_deck_is_version_2_with_eight_slots(deck: dict[str, Any]) -> None:
    assert deck["deck"]["version"].startswith("2.")
    slots = {s["slot"]: s for s in deck["slots"]}
    assert sorted(slots) == list(range(1, 9))
    assert all(len(s["must_include"]) >= 3 for s in slots.values())


def test_every_question_passes_the_checker_with_every_field() -> None:
    files, problems = decks.check_paths([BUNDLED])
    assert problems == []
    assert decks.warnings(files) == []  # no two cards read alike
    keys = {"id", "family", "text", "intent", "probes", "story", "also", "system", "traits",
            "pitfall", "follow_ups", "siblings"}
    raw = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))["questions"]
    assert all(keys <= set(q) for q in raw)


def test_at_least_240_questions_in_the_12_families(questions: list[dict[str, Any]]) -> None:
    assert len(questions) >= 240
    families = Counter(q["family"] for q in questions)
    assert set(families) == FAMILIES
    assert min(families.values()) >= 16, families


def test_most_questions_have_a_sibling(questions: list[dict[str, Any]]) -> None:
    linked = sum(1 for q in questions if q.get("siblings"))
    assert linked >= 0.8 * len(questions)


def test_siblings_cross_families(questions: list[dict[str, Any]]) -> None:
    family = {q["id"]: q["family"] for q in questions}
    crossing = [link for link in _links(questions) if len({family[i] for i in link}) == 2]
    assert len(crossing) >= 30


def test_sibling_links_are_symmetric_few_and_live(questions: list[dict[str, Any]]) -> None:
    by_id = {q["id"]: q for q in questions}
    replaced = {old for q in questions for old in q.get("replaces", [])}
    for q in questions:
        siblings = q.get("siblings", [])
        assert len(siblings) <= 6, q["id"]
        assert len(set(siblings)) == len(siblings), q["id"]
        for other in siblings:
            assert other in by_id and other not in replaced, (q["id"], other)
            assert q["id"] in by_id[other]["siblings"], (q["id"], other)
            assert by_id[other]["intent"] != q["intent"]


def test_no_slot_dominates_and_system_answers_are_rare(questions: list[dict[str, Any]]) -> None:
    primary = Counter(q["story"] for q in questions)
    slots = {k: v for k, v in primary.items() if k != "system"}
    assert set(slots) == set(range(1, 9))
    assert max(slots.values()) <= 0.20 * len(questions), primary
    assert min(slots.values()) >= 0.05 * len(questions), primary  # every story is trained
    assert 0 < primary["system"] <= 0.10 * len(questions), primary


def test_system_answers_have_no_story_among_also(questions: list[dict[str, Any]]) -> None:
    for q in questions:
        assert "system" not in q.get("also", []), q["id"]
        assert q["story"] not in q.get("also", []), q["id"]


def test_each_family_trains_several_stories(questions: list[dict[str, Any]]) -> None:
    """Similar questions with different intents take different stories, so no family is
    answered with one slot throughout, even those that lean on the slot named after them
    (underperformance on 1, motivation on 2)."""
    by_family: dict[str, set[Any]] = {}
    for q in questions:
        by_family.setdefault(q["family"], set()).add(q["story"])
    for family, stories in by_family.items():
        assert len(stories - {"system"}) >= 3, (family, stories)


def test_merged_questions_name_what_they_replace(questions: list[dict[str, Any]]) -> None:
    ids = {q["id"] for q in questions}
    replaced = [old for q in questions for old in q.get("replaces", [])]
    assert "failure-hire-despite-doubt" in replaced
    assert not set(replaced) & ids
    assert len(replaced) == len(set(replaced))


def test_phrasing_is_varied_and_intents_unique(questions: list[dict[str, Any]]) -> None:
    openers = Counter(" ".join(q["text"].split()[:2]).lower() for q in questions)
    assert len(openers) >= 12
    assert openers.most_common(1)[0][1] < len(questions) / 2
    assert len({q["intent"] for q in questions}) == len(questions)
    assert all(len(q["intent"]) <= 150 for q in questions)
