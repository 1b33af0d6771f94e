"""Playing one card with intent decoding, for the drill and the commute (`--decode`).

A card flow (see ui.drill): the question with four candidate intents; a pick (a-d) grades
the intent facet; then the story as usual: the drill names the slot and shows the back
until a key moves on, the commute shows the back and asks y / p / n for the story.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from emdrill.core.cards import Card
from emdrill.core.decode import LETTERS
from emdrill.ops.decode import Offer
from emdrill.ops.drill import Pick
from emdrill.ops.grading import StoryAnswer
from emdrill.ui.drill import Screen, leech_notice

COMMUTE_STORY = {"y": StoryAnswer(verdict=True), "p": StoryAnswer.partial(),
                 "n": StoryAnswer(verdict=False)}


@dataclass
class Decoder:
    """`offer` builds the four intents for a card. The response time that grades a right
    pick and the seconds a review records come from the session's clock."""

    offer: Callable[[Card], Offer]

    def __call__(self, pick: Pick, screen: Screen) -> None:
        session = screen.session
        started = session.clock().now
        card = screen.open_card(pick)
        card.offer = offer = self.offer(pick.card)
        card.phase = "pick"
        shown_at = session.clock().now
        key = screen.ask()
        took = (session.clock().now - shown_at).total_seconds()
        card.choice = choice = offer.choice(LETTERS.index(key), round(took, 1))
        intent = offer.rating(choice)
        if screen.compact:
            card.phase = "back"
            story = COMMUTE_STORY[screen.ask()]
        else:
            card.phase = "front"
            slot = screen.ask()
            card.named = int(slot) if slot != "0" else None
            story = StoryAnswer(slot=card.named)
        seconds = (session.clock().now - started).total_seconds()
        answer = session.answer(pick, intent=intent, story=story, seconds=seconds,
                                choice=choice)
        if not screen.compact:
            card.phase = "back"  # the back stays on screen until the user has read it
            if not answer.graded.leech:
                screen.ask()
        leech_notice(screen, answer)
