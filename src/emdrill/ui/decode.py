"""Playing one card with intent decoding, for the drill and the commute (`--decode`).

A card flow (see ui.drill): the question with four candidate intents; a pick (a-d) grades
the intent facet; then the story as usual: the drill names the slot and shows the back
until a key moves on, the commute shows the back and asks y / p / n for the story.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from emdrill.core.decode import LETTERS
from emdrill.core.types import Card
from emdrill.ops.collection import StoryAnswer
from emdrill.ops.decode import Offer
from emdrill.ops.drill import Pick
from emdrill.ui.drill import Screen, leech_notice

COMMUTE_STORY = {"y": StoryAnswer(verdict=True), "p": StoryAnswer.partial(),
                 "n": StoryAnswer(verdict=False)}


@dataclass
class Decoder:
    """`offer` builds the four intents for a card; `tick` reads monotonic seconds (the
    response time that grades a right pick; a test clock in tests)."""

    offer: Callable[[Card], Offer]
    tick: Callable[[], float]

    def __call__(self, pick: Pick, screen: Screen) -> None:
        session = screen.session
        started = self.tick()
        card = screen.open_card(pick)
        card.offer = offer = self.offer(pick.card)
        card.phase = "pick"
        shown_at = self.tick()
        key = screen.ask(set(LETTERS))
        card.choice = choice = offer.choice(LETTERS.index(key), round(self.tick() - shown_at, 1))
        intent = offer.rating(choice)
        if screen.compact:
            card.phase = "back"
            story = COMMUTE_STORY[screen.ask(set("ypn"))]
        else:
            card.phase = "front"
            slot = screen.ask(set("0123456789"))
            card.named = int(slot) if slot != "0" else None
            story = StoryAnswer(slot=card.named)
        answer = session.answer(pick, intent=intent, story=story,
                                seconds=self.tick() - started, choice=choice)
        if not screen.compact:
            card.phase = "back"  # the back stays on screen until the user has read it
            if not answer.graded.leech:
                screen.ask(None)
        leech_notice(screen, answer)
