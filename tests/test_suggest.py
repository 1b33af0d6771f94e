"""The question-suggestion engine (emdrill.core.suggest) against the bundled deck and a set of
233 real questions labelled by hand (tests/data/labelled-questions.tsv, see its README)."""

from __future__ import annotations

import ast
import csv
import dataclasses
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from emdrill.core import suggest, textsim
from emdrill.core.suggest import SYSTEM, Doc, Model, Story, Suggestion

ROOT = Path(__file__).resolve().parents[1]
DECK = ROOT / "decks" / "em-core.toml"
LABELLED = Path(__file__).resolve().parent / "data" / "labelled-questions.tsv"
# The targets. On deck 2.0.0 the engine gives family 0.824 (192 of 233) and story
# 0.794 (bench/suggest_accuracy.py, which also reports the tuning and held-back parts; see
# docs/suggest.md); the module docstring says how it was tuned.
FAMILY_BAR = 0.80
STORY_BAR = 0.75
ODD_INPUTS = [
    "", "   ", "\t\n\r", "?!?", "\x00", "\ud800", "\U0001f642" * 3, "\u65e5\u672c\u8a9e",
    "\u0645\u0631\u062d\u0628\u0627", "e\u0301\u0301\u0301", "\ufb01 \uff26\uff35\uff2c\uff2c",
    "x" * 20000, "conflict " * 2000,
    "Tell me about a time\u2014\u201cquoted\u201d\u2014you\u2019d \u2018disagree\u2019\u2026",
]
Deck = tuple[list[Doc], dict[str, str], dict[int, str]]  # cards, family texts, slot texts


def _story(value: object) -> Story:
    return SYSTEM if value == SYSTEM else int(str(value))


def _load_deck() -> Deck:
    data: dict[str, Any] = tomllib.loads(DECK.read_text(encoding="utf-8"))
    docs = [Doc(id=q["id"], family=q["family"], text=q["text"], intent=q["intent"],
                probes=tuple(q["probes"]), pitfall=q["pitfall"],
                follow_ups=tuple(q["follow_ups"]), story=_story(q["story"]),
                # as the store keeps it (ops.suggestions.model_input): "system" is 9
                also=tuple(9 if a == "system" else a for a in q.get("also", ())))
            for q in data["questions"]]
    families = {f["slug"]: f"{f['name']}. {f['probes']}" for f in data["families"]}
    slots = {int(s["slot"]): f"{s['name']}. {s['competency']}. " + ". ".join(s["must_include"])
             for s in data["slots"]}
    return docs, families, slots


@pytest.fixture(scope="module")
def deck() -> Deck:
    return _load_deck()


@pytest.fixture(scope="module")
def model(deck: Deck) -> Model:
    docs, families, slots = deck
    return Model.build(docs, family_text=families, slot_text=slots)


@pytest.fixture(scope="module")
def labelled() -> list[dict[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _accepted(row: dict[str, str], column: str) -> set[str]:
    return {row[column]} | {v.strip() for v in row[f"{column}_also"].split(",") if v.strip()}


def test_labelled_set_is_complete(labelled: list[dict[str, str]], deck: Deck) -> None:
    families = set(deck[1])
    stories = {str(s) for s in range(1, 9)} | {SYSTEM}
    assert len(labelled) == 233
    for row in labelled:
        assert row["question"].strip() and row["question"] == row["question"].strip()
        assert _accepted(row, "family") <= families, row
        assert _accepted(row, "story") <= stories, row


def test_family_accuracy(model: Model, labelled: list[dict[str, str]]) -> None:
    hits = sum(model.suggest(r["question"]).family in _accepted(r, "family") for r in labelled)
    assert hits / len(labelled) >= FAMILY_BAR, f"{hits}/{len(labelled)}"


def test_story_accuracy(model: Model, labelled: list[dict[str, str]]) -> None:
    hits = sum(str(model.suggest(r["question"]).story) in _accepted(r, "story") for r in labelled)
    assert hits / len(labelled) >= STORY_BAR, f"{hits}/{len(labelled)}"


def test_json_round_trip_gives_identical_suggestions(model: Model,
                                                     labelled: list[dict[str, str]]) -> None:
    text = model.to_json()
    again = Model.from_json(text)
    assert again.to_json() == text
    for question in [r["question"] for r in labelled] + ODD_INPUTS:
        assert again.suggest(question) == model.suggest(question)


def test_from_json_refuses_a_bad_cache(model: Model) -> None:
    good = model.to_json()
    for bad in ["", "[]", "{}", "null", good.replace(f'"format":{suggest.FORMAT}', '"format":999'),
                good.replace('"docs":[', '"docs":[1,', 1), good[: len(good) // 2]]:
        with pytest.raises(ValueError):
            Model.from_json(bad)


@pytest.mark.parametrize("question", ODD_INPUTS)
def test_odd_input_does_not_crash(model: Model, question: str) -> None:
    got = model.suggest(question)
    _check_shape(got, model)
    assert got.question == question


def _check_shape(got: Suggestion, model: Model) -> None:
    assert got.family in model.family_text
    assert got.story == SYSTEM or got.story in range(1, 9)
    assert got.story not in got.also
    assert 0.0 <= got.confidence <= 1.0
    assert len(got.nearest) <= 5
    scores = [score for _, score in got.nearest]
    assert scores == sorted(scores, reverse=True)
    assert got.reasons
    if got.intent:  # drafted from a card, or nothing drafted and up to three candidates
        assert got.basis in {d.id for d in model.docs} and not got.candidates
    else:
        assert not got.basis and len(got.candidates) <= suggest.CANDIDATES


def test_empty_question_is_a_system_answer_with_no_confidence(model: Model) -> None:
    got = model.suggest("   ")
    assert (got.story, got.confidence, got.nearest) == (SYSTEM, 0.0, ())


def test_a_deck_card_suggests_itself(model: Model, deck: Deck) -> None:
    for doc in deck[0]:
        got = model.suggest(doc.text)
        assert got.nearest[0][0] == doc.id, doc.id
        assert (got.family, got.story, got.intent) == (doc.family, doc.story, doc.intent), doc.id
        assert got.confidence == 1.0


def test_reworded_cards_mostly_find_themselves_by_vote(model: Model, deck: Deck) -> None:
    """With a word added, no card matches exactly, so this is the vote alone (deck 2.0.0, 243
    cards: 240 find themselves first, 220 get their family). The word is one no card's
    question holds ("In short:" met a card that says "falling short")."""
    got = [(doc, model.suggest(f"Briefly: {doc.text}")) for doc in deck[0]]
    assert all(s.confidence < 1.0 for _, s in got)
    assert sum(s.nearest[0][0] == d.id for d, s in got) >= 0.95 * len(got)
    assert sum(s.family == d.family for d, s in got) >= 0.85 * len(got)


def test_a_reworded_card_finds_it(model: Model) -> None:
    got = model.suggest("Tell me about a decision you made that your team really didn't like.")
    assert got.family == "decisions"
    assert "decisions-unpopular" in dict(got.nearest)
    assert got.nearest[0][0] in got.reasons[0]


def test_reasons_name_the_shared_words(model: Model) -> None:
    got = model.suggest("How do you deal with friction between two of your engineers?")
    assert got.family == "conflict"
    assert "friction" in got.reasons[0] or "~conflict" in got.reasons[0]


def test_system_cards_vote_for_a_system_answer(
        deck: Deck) -> None:
    docs, families, slots = deck
    card = Doc(id="user-tracking-tools", family="delivery",
               text="Which tools does your team use to track its work, and why those?",
               intent="Do you pick process tools for what the team needs, or by habit?",
               probes=("what the tools make visible",), pitfall="Listing tools with no reason.",
               follow_ups=("What would you drop?",), story=SYSTEM, also=(3,))
    question = "Which tracking tools does your team rely on?"
    # The same card with a slot as its answer: only the card's story differs. (Deck 3 has
    # enough system cards that the question already leans to the system answer without it.)
    as_slot = dataclasses.replace(card, story=3, also=())
    before = Model.build([*docs, as_slot], family_text=families, slot_text=slots).suggest(question)
    model = Model.build([*docs, card], family_text=families, slot_text=slots)
    after = model.suggest(question)
    assert (before.story, before.nearest[0][0]) == (3, card.id)
    assert (after.family, after.story, after.nearest[0][0]) == ("delivery", SYSTEM, card.id)
    assert Model.from_json(model.to_json()).suggest(question) == after


def test_more_docs_teach_new_wording(
        deck: Deck) -> None:
    docs, families, slots = deck
    question = "How do you run a bar raiser programme across your org?"
    card = Doc(id="user-bar-raiser", family="hiring", text="Have you set up bar raisers?",
               intent="Do you keep one hiring bar across many interviewers?",
               probes=("who the bar raisers are",), pitfall="A title with no power.",
               follow_ups=("When did a bar raiser veto a hire?",), story=4, also=())
    before = Model.build(docs, family_text=families, slot_text=slots).suggest(question)
    after = Model.build([*docs, card], family_text=families, slot_text=slots).suggest(question)
    assert after.nearest[0][0] == "user-bar-raiser"
    assert (after.family, after.story) == ("hiring", 4)
    assert after.confidence >= before.confidence


def test_an_empty_model_still_answers() -> None:
    got = Model.build([], family_text={"only": "The only family."}, slot_text={}).suggest("Hi?")
    assert (got.family, got.story, got.nearest) == ("only", SYSTEM, ())


def test_suggestions_are_plain_frozen_values(model: Model) -> None:
    got = model.suggest("How do you handle scope creep?")
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.family = "other"  # type: ignore[misc]
    assert hash(got) == hash(model.suggest("How do you handle scope creep?"))


@pytest.mark.parametrize("module", [suggest, textsim])
def test_the_module_imports_only_light_standard_modules(module: object) -> None:
    """The suggester and its text similarity (core/textsim.py, shared with the near-duplicate
    check): the standard library only, plus textsim for the suggester."""
    tree = ast.parse(Path(str(getattr(module, "__file__", ""))).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    imported -= {"emdrill.core.textsim"} if module is suggest else set()
    tops = {name.split(".")[0] for name in imported}
    assert tops <= set(sys.stdlib_module_names) | {"__future__"}
    assert not tops & {"emdrill", "numpy", "sqlite3", "os", "pathlib", "time", "datetime"}


# --- issue 23: the suggester says what it knows ---------------------------------------------

THINK_OF = [
    ("Can you think of a time you had to deliver bad news to your team?", "stakeholders"),
    ("Can you think of a time when you disagreed with your manager?", "stakeholders"),
    ("Can you think of a time you let someone on your team go?", "underperformance"),
    ("Can you think of an example of a project that shipped late?", "delivery"),
]


@pytest.mark.parametrize(("question", "family"), THINK_OF)
def test_think_of_a_time_asks_for_a_story(model: Model, question: str, family: str) -> None:
    """'Can you think of a time...' asks for one episode: a story, never the system answer
    (it was: 'think of' sat in the about-you vocabulary)."""
    got = model.suggest(question)
    assert got.story != SYSTEM, got.reasons
    assert suggest.CUE not in dict.fromkeys(t for t, _, _ in suggest._terms(question))


def test_what_do_you_think_of_us_is_still_about_you(model: Model) -> None:
    assert model.suggest("What do you think of our company?").story == SYSTEM


def _tuning(labelled: list[dict[str, str]]) -> list[dict[str, str]]:
    import hashlib

    return [r for r in labelled
            if hashlib.sha1(f"{r['source']}:{r['row']}".encode()).digest()[0] % 3 != 0]


def test_family_bias_failure_and_technical_not_over_predicted(
        model: Model, labelled: list[dict[str, str]]) -> None:
    """Wrong `failure` and `technical` suggestions on the tuning part of the labelled set (the
    split of bench/suggest_accuracy.py): they were 4 and 2 of 148, and `failure` was wrong
    more often than right."""
    wrong = {"failure": 0, "technical": 0}
    for row in _tuning(labelled):
        got = model.suggest(row["question"]).family
        if got in wrong and got not in _accepted(row, "family"):
            wrong[got] += 1
    assert wrong["failure"] <= 1 and wrong["technical"] <= 1, wrong


def test_family_bias_ownership_found(model: Model, labelled: list[dict[str, str]]) -> None:
    """Ownership questions get ownership (1 of the 5 in the tuning part did), and so do plain
    ownership questions."""
    rows = [r for r in _tuning(labelled) if r["family"] == "ownership"]
    found = sum(model.suggest(r["question"]).family in _accepted(r, "family") for r in rows)
    assert found >= 3, f"{found}/{len(rows)}"
    for question in ("Tell me about a time you went above and beyond your role.",
                     "When did you take responsibility for a problem nobody owned?",
                     "What would you do in your first six months here?"):
        assert model.suggest(question).family == "ownership", question


def test_below_the_floor_no_intent_is_drafted_and_three_candidates_are_offered(
        model: Model) -> None:
    got = model.suggest("What is the best gift you have ever given or received?")
    assert got.intent == "" and got.basis == ""
    assert len(got.candidates) == 3
    ids = [c[0] for c in got.candidates]
    assert ids == [qid for qid, _ in got.nearest][:3] or len(set(c[1] for c in got.candidates)) == 3
    by_id = {d.id: d for d in model.docs}
    assert all(by_id[qid].intent == intent for qid, intent, _ in got.candidates)
    assert all(score < suggest.INTENT_FLOOR for *_, score in got.candidates)


def test_a_close_card_of_the_family_lends_its_intent(model: Model) -> None:
    got = model.suggest("How do you set goals for your team every quarter?")
    by_id = {d.id: d for d in model.docs}
    assert got.basis and got.intent == by_id[got.basis].intent and not got.candidates
    assert dict(got.nearest)[got.basis] >= suggest.INTENT_FLOOR


def test_a_draft_card_weighs_less_and_lends_no_intent(deck: Deck) -> None:
    """Issue 23: an imported 'favourite feature' card, its family and story accepted at import
    but its intent a copy, took over 'balance tech debt against feature work'."""
    docs, families, slots = deck
    question = "How do you balance tech debt against feature work?"
    bundled = Model.build(docs, family_text=families, slot_text=slots).suggest(question)
    imported = Doc(id="favourite-feature-1", family="technical",
                   text="What is your favourite feature of our product, and how would you "
                   "balance improving it against new feature work?",
                   intent=bundled.intent, probes=(), pitfall="", follow_ups=(), story=SYSTEM,
                   also=(), weight=suggest.DRAFT_WEIGHT)
    whole = Model.build([*docs, dataclasses.replace(imported, weight=1.0)],
                        family_text=families, slot_text=slots).suggest(question)
    assert (whole.basis, whole.nearest[0][0]) == (imported.id, imported.id)  # the control
    model = Model.build([*docs, imported], family_text=families, slot_text=slots)
    after = model.suggest(question)
    # As a draft it is neither the nearest card nor the intent's source: the intent offered is
    # a bundled card's own. (Deck 3's question sits between delivery and technical, so the
    # draft's half vote may still tip the family; the intent then comes from that family.)
    by_id = {d.id: d for d in docs}
    assert imported.id not in dict(after.nearest)
    assert after.basis in by_id and after.intent == by_id[after.basis].intent
    assert Model.from_json(model.to_json()).suggest(question) == after


def test_an_alternate_system_answer_votes_for_system_not_for_a_slot_nine() -> None:
    """A card whose `also` names the system answer (9) adds to SYSTEM's vote: a '9' of its
    own would be proposed as if it were a story slot."""
    from emdrill.core import suggest as core_suggest
    from emdrill.core.cards import SYSTEM_ANSWER

    docs = [core_suggest.Doc(id=f"c-{i}", family="career",
                             text=f"Why are you leaving job {i}?",
                             intent="What pulls you", probes=(), pitfall="", follow_ups=(),
                             story=2, also=(SYSTEM_ANSWER,)) for i in range(3)]
    found = core_suggest.Model.build(docs, family_text={"career": "about you"},
                                     slot_text={2: "keeping the team motivated"}).suggest(
        "Why are you leaving your job?")
    assert found.story == 2
    assert 9 not in found.also and "9" not in found.also


def test_a_draft_leaves_every_reviewed_cards_vector_as_it_was(deck: Deck) -> None:
    """Word rarity is learnt from reviewed cards only, so a draft cannot push a bundled card
    under INTENT_FLOOR (it did: an added draft moved 'delivery-chosen-shortcut' from 0.304
    to 0.295, and 'balance tech debt against feature work' lost its intent)."""
    docs, families, slots = deck
    draft = Doc(id="user-draft", family="delivery", text="How do you balance tech debt in our "
                "product against feature work, and who decides?", intent="", probes=(),
                pitfall="", follow_ups=(), story=3, also=(), weight=suggest.DRAFT_WEIGHT)
    alone = Model.build(docs, family_text=families, slot_text=slots)
    grown = Model.build([*docs, draft], family_text=families, slot_text=slots)
    assert grown.index.vectors[:len(docs)] == alone.index.vectors
    assert grown.index.vectors[-1]  # the draft is indexed, and can still be found


def test_the_suggesters_system_slot_is_the_decks() -> None:
    """core/suggest.py keeps its own copy of the system-answer slot (it imports nothing from
    emdrill, above); the copy must stay the number the deck format uses."""
    from emdrill.core import cards

    assert suggest.SYSTEM_ANSWER == cards.SYSTEM_ANSWER
