"""Playing one card with intent decoding, for the drill and the commute (`--decode`).

The drill's loop (ui.drill) calls a `Decoder` in place of its own card flow: the question
with four candidate intents; a pick (a-d) grades the intent facet; then the story as usual.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from emdrill.core.decode import LETTERS
from emdrill.core.types import Card
from emdrill.ops.collection import StoryAnswer
from emdrill.ops.decode import Offer
from emdrill.ops.drill import Pick
from emdrill.ui import decode_view as view
from emdrill.ui import drill_view
from emdrill.ui.drill import Screen

COMMUTE_STORY = {"y": StoryAnswer(verdict=True), "p": StoryAnswer.partial(),
                 "n": StoryAnswer(verdict=False)}


@dataclass
class Decoder:
    """`offer` builds the four intents for a card; `tick` reads monotonic seconds (the
    response time that grades a right pick; a test clock in tests)."""

    offer: Callable[[Card], Offer]
    tick: Callable[[], float]

    def __call__(self, pick: Pick, screen: Screen, started: float) -> None:
        session, con = screen.session, screen.console
        offer = self.offer(pick.card)
        con.print(view.options(offer, con.width))
        shown_at = self.tick()
        key = screen.ask(lambda: view.pick_prompt(con.width, session.time_left()), LETTERS)
        choice = offer.choice(LETTERS.index(key), round(self.tick() - shown_at, 1))
        if screen.reader.is_tty:
            con.clear()
        if screen.reader.is_tty and not screen.compact:  # commute keeps the verdict on top
            con.print(drill_view.front(pick, left=session.time_left(), done=len(session.answers),
                                       mode="drill", width=con.width))
        con.print(view.verdict(offer, choice, con.width, own=not screen.compact))
        if screen.compact:
            screen.show(screen.back(pick, True))
            story = COMMUTE_STORY[screen.ask(view.commute_story_prompt, "ypn")]
        else:
            if screen.slots:
                con.print(drill_view.slot_legend(screen.slots, con.width))
            key = screen.ask(lambda: view.story_prompt(session.time_left()), "0123456789")
            named = int(key) if key != "0" else None
            screen.show(drill_view.story_verdict(pick.card, named, screen.slots),
                        screen.back(pick, False))
            story = StoryAnswer(slot=named)
        session.answer(pick, intent=offer.rating(choice), story=story,
                       seconds=time.monotonic() - started, choice=choice)
        if not screen.compact:
            # the back stays on screen until the user has read it
            screen.ask(lambda: view.next_prompt(session.time_left()), "", any_key=True)
