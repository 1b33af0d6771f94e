"""One answer path: what an answer depends on is read once (`AnswerContext`), labels the keys
and grades; the grade reads it again only when the file changed since. The SQL one drill
answer costs is pinned, statement by statement, so a read that comes back fails here."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import grading, opening
from emdrill.ops.answer_context import answer_context
from emdrill.ops.drill import Session
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads
from emdrill.store.db import Store, open_store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _clock(at: datetime) -> Clock:
    return Clock(now=at, local=UTC)


def _studied(store: Store) -> datetime:
    """Every question answered twice, a day apart, with a miss in `alpha`: then four days
    later, so the review-state cards are due and the weakness tallies are not empty."""
    at = T0
    for day in range(2):
        for qid in ("alpha-1", "alpha-2", "alpha-3", "beta-1", "beta-2", "beta-3"):
            miss = qid == "alpha-1" and day == 1
            grading.grade(store, _clock(at), qid, intent=Rating.AGAIN if miss else Rating.GOOD,
                          story=StoryAnswer(slot=1), fuzz=False)
            at += timedelta(minutes=2)
        at += timedelta(days=1)
    return at + timedelta(days=4)


def _statements(trace: list[str]) -> list[str]:
    """The statements run, a statement's trigger programs folded into it: SQLite's trace
    reports each trigger program again, with the text of the statement that fired it."""
    folded: list[str] = []
    for text in trace:
        if not folded or text != folded[-1]:
            folded.append(text)
    return folded


def _table(statement: str) -> str:
    """What a statement is, for a count: its verb and its table ("SELECT setting")."""
    if statement.startswith(("BEGIN", "COMMIT", "PRAGMA")):
        return " ".join(statement.split()[:2])
    verb = statement.split()[0]
    found = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", statement)
    return f"{verb} {found.group(1) if found else '?'}"


def test_one_drill_answer_reads_each_input_once(store: Store) -> None:
    now = _studied(store)
    session = Session(store, lambda: _clock(now))
    pick = session.next_pick()
    assert pick is not None and pick.kind == "due"
    trace: list[str] = []
    store.con.set_trace_callback(trace.append)
    try:
        session.intervals(pick.card)  # the key labels
        session.answer(pick, intent=Rating.GOOD, story=StoryAnswer(slot=1), seconds=4)
        session.next_pick()
    finally:
        store.con.set_trace_callback(None)
    statements = _statements(trace)
    kinds = Counter(_table(s) for s in statements)
    # read by the pick before, and kept (`Store.memo`): an answer changes none of them, so
    # neither the labels, the grade nor the next pick reads them again
    assert kinds["SELECT setting"] == 0, statements
    assert kinds["SELECT fsrs_parameters"] == 0
    assert kinds["SELECT interview"] == 0
    assert kinds["SELECT family"] == 0
    # the row the grade adds to, and the tallies the kept queue reads after it (`wrote`)
    assert kinds["SELECT family_outcome"] == 2
    # the drill's note before the grade, the grade's check, the kept queue's after the grade
    # (its rows put back), its syncs at the next pick and in that pick's queue, and the
    # check of the crowded family's question ids the drill keeps (`Store.memo`)
    assert kinds["PRAGMA data_version"] == 6
    # the grade: the card and what came after it, its lapses, the review, both facets and
    # the family's tally, in one transaction
    grade = statements[statements.index("BEGIN IMMEDIATE"):statements.index("COMMIT") + 1]
    assert [_table(s) for s in grade] == [
        "BEGIN IMMEDIATE", "PRAGMA data_version", "SELECT question", "SELECT review",
        "SELECT review", "INSERT review", "UPDATE facet", "UPDATE facet",
        "SELECT family_outcome", "INSERT family_outcome", "COMMIT"]
    # 36 before the answer path was one: settings read 6 times, the tallies 4, the families
    # 3, the interview and the parameters twice
    # 23 before the drill kept its queue (ops/kept): its version reads (above) are the rest;
    # 26 before the settings, parameters, interview and families were kept (`Store.memo`);
    # the crowded family's ids are read here, the first time, and kept for the next picks
    assert len(statements) == 23, "\n".join(statements)


def test_the_keys_are_labelled_with_what_the_grade_uses(store: Store) -> None:
    now = _studied(store)
    context = answer_context(store)
    card = card_reads.load_card(store, "alpha-2")
    labels = grading.key_preview(card, _clock(now), context)
    for rating in (Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.EASY):
        graded = grading.grade(store, _clock(now), "alpha-2", intent=rating,
                               story=StoryAnswer(slot=1), fuzz=False, context=context)
        assert graded.intent_due == labels[rating].due
        grading.undo(store)


def test_a_context_read_before_another_write_is_read_again(store: Store) -> None:
    now = _studied(store)
    stale = answer_context(store)
    card = card_reads.load_card(store, "beta-2")
    labelled = grading.key_preview(card, _clock(now), stale)[Rating.GOOD].due
    assert stale.fresh(store)
    other = open_store(store.path)  # another emdrill: `emdrill config retention 0.80`
    opening.change_setting(other, "retention", "0.80")
    other.close()
    assert not stale.fresh(store)
    now_in_force = grading.key_preview(card, _clock(now), answer_context(store))
    graded = grading.grade(store, _clock(now), "beta-2", intent=Rating.GOOD,
                           story=StoryAnswer(slot=5), fuzz=False, context=stale)
    assert graded.intent_due == now_in_force[Rating.GOOD].due
    assert labelled is not None and graded.intent_due > labelled  # a lower target waits longer


def test_this_stores_own_write_makes_a_context_stale(store: Store) -> None:
    now = _studied(store)
    context = answer_context(store)
    grading.grade(store, _clock(now), "beta-1", intent=Rating.AGAIN, story=StoryAnswer(slot=5))
    assert not context.fresh(store)
    assert answer_context(store).tallies != context.tallies  # the miss moved beta's tally


def test_a_session_reads_the_context_again_for_each_pick(home: Path, store: Store) -> None:
    now = _studied(store)
    session = Session(store, lambda: _clock(now))
    first = session.next_pick()
    assert first is not None and session.context is not None
    held = session.context
    session.answer(first, intent=Rating.AGAIN, story=StoryAnswer(slot=1), seconds=3)
    assert session.context is None
    session.next_pick()
    assert session.context is not None and session.context is not held
