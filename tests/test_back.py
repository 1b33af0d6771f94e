"""The back of a card: order, story choice, widths, plain output."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console, RenderableType

from emdrill import env
from emdrill.core.cards import Question, Slot
from emdrill.core.stories import Story
from emdrill.ops import decks
from emdrill.ops.back import load_back
from emdrill.store import card_reads, story_edits
from emdrill.store.db import open_store
from emdrill.ui.back import compose_back, learning_line, render_back
from emdrill.ui.console import out

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SLOTS = {
    6: Slot(6, "Decision without complete data", "Judgment",
            ("why waiting was not an option", "the framework you used under uncertainty")),
    8: Slot(8, "Challenging the team's conclusions"),
}
QUESTION = Question(
    id="decisions-unpopular", deck="em-core", family="decisions",
    text="Tell me about a time you made an unpopular decision.",
    intent="Will you make a call people resist and keep their trust the week after?",
    story=6, also=(8,), system="team",
    probes=("the objection was voiced openly", "what you did to bring sceptics back in"),
    pitfall="Defending the decision and skipping the resistance.",
)
MINE = Story(title="The coverage push", slots=(6,), hook="We shipped a hotfix a week.",
             learnings="Agree quality bars at the start.\nSecond line.", id=1)
SYSTEM = {"team": "I decide with the team; I overrule rarely.\n\nA second paragraph."}


def render(renderable: RenderableType, *, width: int, terminal: bool = False) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=terminal, color_system="standard"
            if terminal else None).print(renderable)
    return buffer.getvalue()


def back(*, stories: list[Story], width: int = 80, compact: bool = False,
         systems: dict[str, str] | None = None) -> str:
    return render(compose_back(QUESTION, slots=SLOTS, stories=stories,
                               systems=SYSTEM if systems is None else systems, width=width,
                               compact=compact), width=width)


def flat(text: str) -> str:
    """Rendered text with wrapping and indentation undone, for phrase checks."""
    return " ".join(text.split())


def test_with_a_story_in_method_order() -> None:
    text = flat(back(stories=[MINE]))
    order = [QUESTION.intent, "the objection was voiced openly", "Leading the team",
             "I decide with the team; I overrule rarely.", "The coverage push",
             "We shipped a hotfix a week.", "Agree quality bars at the start.",
             QUESTION.pitfall, "8 · Challenging the team's conclusions"]
    positions = [text.index(phrase) for phrase in order]
    assert positions == sorted(positions)
    assert "A second paragraph" not in text and "Second line." not in text
    assert "story add" not in text and "system edit" not in text


def test_several_stories_the_tagged_one_wins() -> None:
    other = Story(title="Another slot-6 story", slots=(6,), id=2)
    tagged = Story(title="Tagged for this question", slots=(8, 6),
                   tags=("decisions-unpopular",), id=3)
    assert "Another slot-6 story" in back(stories=[other, MINE])
    text = back(stories=[other, MINE, tagged])
    assert "Tagged for this question" in text
    assert "The coverage push" not in text and "Another slot-6 story" not in text


def test_without_stories_or_systems_the_back_says_what_to_write() -> None:
    text = flat(back(stories=[Story(title="Wrong slot", slots=(3,))], systems={}))
    assert "6 · Decision without complete data (no story of yours yet)" in text
    assert "why waiting was not an option" in text
    assert "the framework you used under uncertainty" in text
    assert "write one: emdrill story add --slot 6" in text
    assert "Leading the team: How do you hire" in text
    assert "write yours: emdrill system edit team" in text
    assert "Learning" not in text


@pytest.mark.parametrize("width", [80, 40])
@pytest.mark.parametrize("stories", [[MINE], []], ids=["story", "none"])
def test_fits_the_width(width: int, stories: list[Story]) -> None:
    for compact in (False, True):
        text = back(stories=stories, width=width, compact=compact)
        assert max(len(line.rstrip()) for line in text.splitlines()) <= width
        assert QUESTION.pitfall in flat(text)


def test_at_80_columns_labels_sit_beside_the_text() -> None:
    lines = back(stories=[MINE]).splitlines()
    assert lines[0].startswith("Intent   Will you make a call")
    assert any(line.startswith("Story    The coverage push") for line in lines)


def test_at_40_columns_labels_sit_above_the_text() -> None:
    lines = [line.rstrip() for line in back(stories=[MINE], width=40).splitlines()]
    assert lines[0] == "Intent"
    assert lines[1].startswith("  Will you make")
    assert "Story" in lines and "Avoid" in lines


def test_compact_keeps_intent_story_and_pitfall_only() -> None:
    for width in (40, 80):
        text = flat(back(stories=[MINE], width=width, compact=True))
        assert QUESTION.intent in text and "6 · The coverage push" in text
        assert QUESTION.pitfall in text
        assert "objection" not in text and "Leading the team" not in text
        assert "hotfix" not in text
    assert back(stories=[MINE], width=40, compact=True).startswith("Intent: Will you")
    assert "6 · Decision without complete data (none yet)" in flat(
        back(stories=[], width=40, compact=True))


def test_plain_output_has_no_escape_codes_and_styled_output_does() -> None:
    renderable = compose_back(QUESTION, slots=SLOTS, stories=[MINE], systems=SYSTEM, width=80)
    assert "\x1b" not in render(renderable, width=80)
    styled = render(renderable, width=80, terminal=True)
    assert "\x1b[" in styled
    assert flat(ANSI.sub("", styled)) == flat(render(renderable, width=80))


def test_no_color_through_the_shared_console(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out(width=40).print(compose_back(QUESTION, slots=SLOTS, stories=[MINE], systems=SYSTEM,
                                     width=40))
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "The coverage push" in printed


def test_user_text_is_never_read_as_markup() -> None:
    odd = Story(title="[bold red]Budget[/] fight", slots=(6,), hook="[link]x[/link]", id=9)
    text = back(stories=[odd])
    assert "[bold red]Budget[/] fight" in text and "[link]x[/link]" in text


def test_learning_line_is_the_first_non_empty_line() -> None:
    assert learning_line(MINE) == "Agree quality bars at the start."
    assert learning_line(Story(title="t", slots=(1,), learnings="\n\n  Late one. \n")) == \
        "Late one."
    assert learning_line(Story(title="t", slots=(1,))) == ""


def test_back_data_reads_the_store(mini_deck: Path) -> None:
    store = open_store(env.db_path())
    decks.load_paths(store, [mini_deck], now=datetime(2026, 3, 2, tzinfo=UTC))
    card = card_reads.load_card(store, "beta-1")
    before = render(render_back(card.question, load_back(store), compact=False, width=80), width=80)
    assert "5 · Difficult stakeholder (no story of yours yet)" in before
    assert "the conflict" in before
    story_edits.add_story(store, Story(title="Vendor SLA fight", slots=(5,)),
                            now=datetime(2026, 3, 2, tzinfo=UTC))
    story_edits.save_system(store, "team", "My team system.",
                              now=datetime(2026, 3, 2, tzinfo=UTC))
    after = render(render_back(card.question, load_back(store), compact=True, width=40), width=40)
    assert "5 · Vendor SLA fight" in after
    full = render(render_back(card.question, load_back(store), compact=False, width=80), width=80)
    assert "My team system." in full and "Vendor SLA fight" in full


@pytest.mark.parametrize(("width", "compact"), [(80, False), (40, False), (80, True),
                                                (40, True)])
def test_drafted_fields_are_marked_on_the_back(width: int, compact: bool) -> None:
    """Issue 23: a field emdrill guessed must not read like the deck's own advice."""
    from dataclasses import replace

    drafted = replace(QUESTION, draft=("intent", "pitfall", "also"))
    text = flat(render(compose_back(drafted, slots=SLOTS, stories=[MINE], systems=SYSTEM,
                                    width=width, compact=compact), width=width))
    assert f"{QUESTION.intent} (draft)" in text
    assert f"{QUESTION.pitfall} (draft)" in text
    if not compact:
        assert "Challenging the team's conclusions (draft)" in text
    assert "(draft" not in flat(back(stories=[MINE], width=width, compact=compact))
    probes = replace(QUESTION, draft=("probes",))
    shown = flat(render(compose_back(probes, slots=SLOTS, stories=[MINE], systems=SYSTEM,
                                     width=width), width=width))
    assert "(draft: probes)" in shown and f"{QUESTION.intent} (draft)" not in shown
