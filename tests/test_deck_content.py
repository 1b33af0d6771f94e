"""The shipped deck's content against issue 12's requirements (deck 2) and issue 23's (deck 3):
coverage, story choice, siblings, themes. `python bench/deck_report.py` prints the same
figures for a person, `python bench/deck_coverage.py` the blind coverage."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from emdrill.ops import decks

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "decks" / "em-core.toml"
STORY_FAMILIES = {"decisions", "underperformance", "growth", "motivation", "delivery", "hiring",
                  "stakeholders", "conflict", "technical", "failure", "ownership", "pressure"}
# Questions about the candidate (tell me about yourself, why leaving, your week): answered
# with the `self` system, so this family is exempt from the several-stories rule.
CAREER = "career"
FAMILIES = STORY_FAMILIES | {CAREER}
COVERAGE = ROOT / "bench" / "data" / "deck_coverage.tsv"
THEMES = ROOT / "bench" / "data" / "deck_themes.tsv"


@pytest.fixture(scope="module")
def deck() -> dict[str, Any]:
    return tomllib.loads(BUNDLED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def questions(deck: dict[str, Any]) -> list[dict[str, Any]]:
    return list(deck["questions"])


def _links(questions: list[dict[str, Any]]) -> set[frozenset[str]]:
    return {frozenset((q["id"], s)) for q in questions for s in q.get("siblings", [])}


def test_the_deck_is_version_3_with_eight_slots(deck: dict[str, Any]) -> None:
    assert deck["deck"]["version"].startswith("3.")
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


def test_at_least_290_questions_in_the_13_families(questions: list[dict[str, Any]]) -> None:
    assert len(questions) >= 290
    families = Counter(q["family"] for q in questions)
    assert set(families) == FAMILIES
    assert min(families[f] for f in STORY_FAMILIES) >= 16, families
    assert families[CAREER] >= 12, families


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
    """System answers stay rare where a story could answer (at most a tenth of the deck);
    questions about the candidate answer with the self system and are counted apart."""
    primary = Counter(q["story"] for q in questions)
    slots = {k: v for k, v in primary.items() if k != "system"}
    assert set(slots) == set(range(1, 9))
    assert max(slots.values()) <= 0.20 * len(questions), primary
    assert min(slots.values()) >= 0.05 * len(questions), primary  # every story is trained
    other = [q for q in questions if q["story"] == "system" and q["system"] != "self"]
    assert 0 < len(other) <= 0.10 * len(questions), len(other)
    assert primary["system"] <= 0.15 * len(questions), primary


def test_alternates_are_honest_and_few_cards_accept_one_answer(
        questions: list[dict[str, Any]]) -> None:
    """Deck 2 had 36 cards with no alternate, so defensible answers were marked wrong; each
    that keeps one slot says why in a comment."""
    for q in questions:
        assert q["story"] not in q.get("also", []), q["id"]
        assert len(q.get("also", [])) <= 4, q["id"]
    single = [q["id"] for q in questions if not q.get("also")]
    assert len(single) <= 20, single
    text = BUNDLED.read_text(encoding="utf-8")
    for qid in single:
        block = text[text.index(f'id = "{qid}"'):].split("[[questions]]")[0]
        assert "\n# " in block, f"{qid} accepts one answer and gives no reason"


def test_candidate_questions_open_with_the_self_system(questions: list[dict[str, Any]]) -> None:
    by_id = {q["id"]: q for q in questions}
    for qid in ("motivation-why-this-role", "motivation-what-drives-you",
                "motivation-why-management", "career-tell-me-about-yourself"):
        assert by_id[qid]["system"] == "self", qid
    for q in questions:
        if q["system"] == "self":  # the self system is always an answer that passes
            assert "system" in (q["story"], *q.get("also", [])), q["id"]
    assert all(q["story"] == "system" or "system" in q.get("also", [])
               for q in questions if q["family"] == CAREER)


# The review's clear re-slots (issue 23): card -> the primary story it now has.
RESLOTS = {
    "underperformance-struggling-manager": 1, "hiring-process-letting-you-down": 4,
    "failure-learned-from-report": 2, "pressure-incident-execs-watching": 5,
    "technical-design-review": "system", "conflict-oncall-unfairness": 7,
    "stakeholders-design-trust": 5, "motivation-hybrid-two-tier": 2, "decisions-two-leads": 2,
    "motivation-what-drives-you": "system", "motivation-why-management": "system",
    "growth-feedback-receiving": 5,
}
# Siblings that can be answered with the same story accept it on both cards.
SHARED = [("decisions-hiring-freeze", "pressure-hiring-freeze"),
          ("decisions-delegated", "delivery-handing-off-project-lead"),
          ("failure-hard-feedback", "growth-feedback-receiving"),
          ("decisions-too-slow", "failure-escalated-late")]


def test_reslots_and_shared_stories(questions: list[dict[str, Any]]) -> None:
    by_id = {q["id"]: q for q in questions}
    assert {qid: by_id[qid]["story"] for qid in RESLOTS} == RESLOTS
    for a, b in SHARED:
        assert b in by_id[a]["siblings"] and a in by_id[b]["siblings"]
        for one, other in ((by_id[a], by_id[b]), (by_id[b], by_id[a])):
            assert other["story"] in (one["story"], *one["also"]), (one["id"], other["id"])
    for qid in ("decisions-unpopular", "decisions-delegated", "hiring-rejected-against-panel"):
        assert by_id[qid]["also"], qid


def test_each_family_trains_several_stories(questions: list[dict[str, Any]]) -> None:
    """Similar questions with different intents take different stories, so no family is
    answered with one slot throughout, even those that lean on the slot named after them
    (underperformance on 1, motivation on 2). The career family is about the candidate."""
    by_family: dict[str, set[Any]] = {}
    for q in questions:
        by_family.setdefault(q["family"], set()).add(q["story"])
    for family, stories in by_family.items():
        if family != CAREER:
            assert len(stories - {"system"}) >= 3, (family, stories)


def _tsv(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]]


# Issue 23's absent and thin themes, with the fewest cards each must have.
THEME_MINIMUM = {"about you": 10, "one-to-ones": 1, "own week, workload": 2,
                 "customer negotiation": 2, "multicultural team": 2, "inclusion": 2,
                 "architecture, scale": 3, "selling a strategy": 2, "delivery risk early": 2,
                 "return to office": 2, "misconduct report": 1, "AI at work": 6,
                 "managing managers": 5, "cost, cloud spend": 3, "mergers": 3}


def test_every_theme_real_loops_ask_has_cards(questions: list[dict[str, Any]]) -> None:
    ids = {q["id"] for q in questions}
    cards: dict[str, set[str]] = {}
    for theme, card in _tsv(THEMES):
        assert card in ids, (theme, card)
        cards.setdefault(theme, set()).add(card)
    assert {t: len(c) for t, c in cards.items() if len(c) < THEME_MINIMUM.get(t, 1)} == {}
    assert set(THEME_MINIMUM) <= set(cards)


def test_blind_coverage_of_the_two_public_lists(questions: list[dict[str, Any]]) -> None:
    """bench/data/deck_coverage.tsv holds a judgement by hand for every row of the two lists
    (issue 23's targets: 90% overall, neither list below 85%). A row is covered when a card
    asks what the interviewer wants to find out; ids only, no third-party text."""
    ids = {q["id"] for q in questions}
    rows = _tsv(COVERAGE)
    by_list: dict[str, dict[int, str]] = {}
    for name, row, card in rows:
        assert card == "none" or card in ids, (name, row, card)
        assert int(row) not in by_list.setdefault(name, {}), (name, row)
        by_list[name][int(row)] = card
    assert {n: len(r) for n, r in by_list.items()} == {"chitamoor-em": 117,
                                                        "tech-interview-handbook": 116}
    assert all(sorted(r) == list(range(1, len(r) + 1)) for r in by_list.values())
    kept = ROOT / "tests" / "data" / "chitamoor-em.tsv"  # the one list the project keeps
    assert len(kept.read_text(encoding="utf-8").splitlines()) - 1 == 117
    share = {n: sum(c != "none" for c in r.values()) / len(r) for n, r in by_list.items()}
    assert min(share.values()) >= 0.85, share
    assert sum(card != "none" for _, _, card in rows) >= 0.90 * len(rows)


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
