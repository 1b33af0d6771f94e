"""User deck files (emdrill.core.userdeck): drafted cards, ids, matching re-imported rows, and
the TOML they are written as."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from emdrill.core.cards import Question, Slot
from emdrill.core.deckfile import DRAFTABLE, Context, drafts, parse_bytes, validate
from emdrill.core.questionlist import Row
from emdrill.core.suggest import SYSTEM, Suggestion
from emdrill.core.userdeck import (
    Basis,
    Given,
    card_id,
    confirmed,
    deck_slug,
    draft_card,
    match_rows,
    redraft,
    render_deck,
    render_question,
    reviewed_by_edit,
)

NEAR = Question(id="conflict-peers", deck="em-core", family="conflict",
                text="Tell me about two engineers who clashed.", intent="Can you mediate?",
                story=7, also=(5,), probes=("how you noticed", "what you did"), system="team",
                traits=("emotional-intelligence",), pitfall="Taking sides.",
                follow_ups=("What would you change?",))
SLOTS = {7: Slot(7, "Resolving team conflict", "Conflict",
                 ("how you spotted it", "when you stepped in", "the resolution"))}


def _suggestion(text: str = "How do you handle friction?", **kw: object) -> Suggestion:
    values: dict[str, object] = dict(question=text, family="conflict", story=7, also=(5, 8),
                                     confidence=0.6, nearest=(("conflict-peers", 0.5),),
                                     intent="Can you mediate?", reasons=("like it",),
                                     basis="conflict-peers")
    values.update(kw)
    return Suggestion(**values)  # type: ignore[arg-type]


def _draft(text: str = "How do you handle friction?", given: Given = Given(), **kw: object
           ) -> Question:
    return draft_card(text, qid="q-1", deck="mine", suggestion=_suggestion(text, **kw),
                      given=given, basis=Basis(NEAR, SLOTS, [NEAR]))


def test_a_draft_borrows_from_the_nearest_card_and_lists_every_borrowed_field() -> None:
    card = _draft()
    assert (card.family, card.story, card.also, card.intent) == ("conflict", 7, (5, 8),
                                                                 "Can you mediate?")
    assert (card.probes, card.pitfall, card.system) == (NEAR.probes, NEAR.pitfall, "team")
    assert card.draft == DRAFTABLE


def test_what_the_user_gave_is_no_draft() -> None:
    card = _draft(given=Given(family="conflict", story=5, intent="Do you step in early?"))
    assert (card.story, card.also, card.intent) == (5, (8,), "Do you step in early?")
    assert not {"family", "story", "intent"} & set(card.draft)
    assert "also" in card.draft and "probes" in card.draft
    assert "family" not in confirmed(_draft(), ["family", "story"]).draft


def test_without_a_near_card_the_slot_says_what_to_probe() -> None:
    card = draft_card("Odd one?", qid="q", deck="mine",
                      suggestion=_suggestion("Odd one?", basis="", also=()), given=Given(),
                      basis=Basis(None, SLOTS, []))
    assert card.probes == SLOTS[7].must_include
    assert (card.system, card.traits, card.also) == ("team", ("ownership",), ())
    assert "also" not in card.draft  # nothing was filled in


def test_a_suggested_system_answer_is_written_as_its_best_slot() -> None:
    assert _draft(story=SYSTEM, also=(SYSTEM, 2)).story == 2
    assert _draft(story=SYSTEM, also=()).story == NEAR.story


def test_ids_are_stable_words_and_a_hash_and_never_collide() -> None:
    first = card_id("mine", "Tell me about a time you had a conflict with a peer!", [])
    assert first.startswith("conflict-peer-")
    assert card_id("mine", "tell me about a time you had a CONFLICT with a peer", []) == first
    assert card_id("other", "Tell me about a time you had a conflict with a peer!", []) != first
    again = card_id("mine", "Tell me about a time you had a conflict with a peer!", [first])
    assert again != first and again.startswith(first)
    assert card_id("mine", "???", []).startswith("question-")
    assert deck_slug("EM questions (2024)") == "em-questions-2024"
    assert deck_slug("***") == "imported"


def test_a_written_card_reads_back_the_same() -> None:
    card = replace(_draft(), source="list.csv:3", deck="mine")
    text = render_deck(deck="mine", name="Mine", description="d", questions=[card],
                       note="a note\nover two lines")
    deck = parse_bytes(Path("mine.toml"), text.encode())
    assert not deck.problems
    assert deck.questions == [card]
    assert validate([deck], Context(families=frozenset({"conflict"}))) == []
    notes = [str(n) for n in drafts([deck])]
    assert notes == [f"mine.toml:{text.splitlines().index('draft = [') + 1}: 'q-1' has "
                     "unreviewed fields: family, story, also, intent, probes, system, traits, "
                     "pitfall, follow_ups (review them, then take them out of 'draft')"]


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(codec="utf-8"), min_size=1, max_size=200)
       .filter(lambda t: t.strip() == t and t.strip()))
def test_any_wording_survives_the_file(text: str) -> None:
    card = replace(_draft(), text=text, intent=text, source=text, deck="mine")
    body = render_deck(deck="mine", name="n", description="d", questions=[card])
    deck = parse_bytes(Path("x.toml"), body.encode())
    assert [str(p) for p in deck.problems] == []
    assert deck.questions[0].text == text and deck.questions[0].source == text


def test_an_unknown_draft_field_is_a_problem() -> None:
    text = render_deck(deck="mine", name="n", description="d",
                       questions=[replace(_draft(), draft=("intent", "mood"))])
    deck = parse_bytes(Path("x.toml"), text.encode())
    assert any("'mood' in 'draft' is not a field emdrill drafts" in str(p)
               for p in deck.problems)


def _card(qid: str, text: str, line: int, name: str = "list.csv") -> Question:
    return replace(NEAR, id=qid, text=text, source=f"{name}:{line}", deck="mine")


def test_matching_rows_same_new_duplicate_and_gone() -> None:
    cards = [_card("a", "How do you handle conflict between two leads?", 2),
             _card("b", "Why do you want to work here?", 3),
             _card("c", "What is your biggest weakness?", 4),
             _card("d", "Hand added, not from the list.", 0, name="")]
    rows = [Row(2, "A brand new question about budgets?"),
            Row(3, "how do you handle conflict between two leads"),
            Row(4, "Why do you want to work here?"),
            Row(5, "Why do you want to work HERE"),
            Row(6, "What is your biggest weakness?")]
    matches, gone = match_rows(rows, cards, name="list.csv")
    assert [(m.status, m.card.id if m.card else "", m.first) for m in matches] == [
        ("new", "", 0), ("same", "a", 0), ("same", "b", 0), ("duplicate", "", 4),
        ("same", "c", 0)]
    assert gone == []
    matches, gone = match_rows(rows[:2], cards, name="list.csv")
    assert [c.id for c in gone] == ["b", "c"]  # the hand-added card is not the list's


def test_an_edited_row_is_paired_with_the_card_it_was() -> None:
    cards = [_card("a", "How do you handle conflict between two leads?", 2),
             _card("b", "What is your biggest weakness?", 3)]
    rows = [Row(2, "Which new hire surprised you most?"),
            Row(3, "How do you handle a conflict between two tech leads?"),
            Row(4, "What is your biggest weakness as a manager?")]
    matches, gone = match_rows(rows, cards, name="list.csv")
    assert [(m.status, m.card.id if m.card else "") for m in matches] == [
        ("new", ""), ("edited", "a"), ("edited", "b")]
    assert gone == []


def test_redraft_redoes_drafts_only() -> None:
    old = replace(_draft(), intent="My reviewed intent.",
                  draft=tuple(f for f in DRAFTABLE if f != "intent"))
    fresh = replace(_draft("New wording?"), family="growth", story=2, also=(7, 3),
                    intent="Fresh.")
    got = redraft(old, fresh)
    assert (got.text, got.family, got.story, got.intent) == ("New wording?", "growth", 2,
                                                              "My reviewed intent.")
    assert got.also == (7, 3)
    assert "intent" not in got.draft


def test_a_changed_draft_field_counts_as_reviewed() -> None:
    before = _draft()
    after = replace(before, pitfall="Blaming one side.")
    assert "pitfall" not in reviewed_by_edit(before, after).draft
    assert "intent" in reviewed_by_edit(before, after).draft


def test_render_question_keeps_key_order() -> None:
    keys = [line.split(" =")[0] for line in render_question(_draft()).splitlines()
            if " = " in line]
    assert keys == ["id", "family", "text", "intent", "probes", "story", "also", "system",
                    "traits", "pitfall", "follow_ups", "draft"]


def test_a_row_already_in_the_deck_from_elsewhere_is_that_card() -> None:
    cards = [_card("a", "Why do you want to work here?", 2, name="other.csv"),
             _card("d", "What is your biggest weakness?", 0, name="")]
    matches, gone = match_rows([Row(1, "What is your biggest weakness?"),
                                Row(2, "why do you want to work here")], cards, name="list.md")
    assert [(m.status, m.card.id if m.card else "") for m in matches] == [("same", "d"),
                                                                         ("same", "a")]
    assert gone == []
