"""One key map per mode: what the key line shows is what the screen takes, per step.

The screen is driven for real (`ui.drill.Screen.ask`, piped input) with every key a person
could press; the key line is the one drawn (`drill_view.key_line`). Nothing here reads the
key map's own sets to decide what is accepted.
"""

from __future__ import annotations

import io
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from rich.console import Console

from emdrill.core.cards import Card, Question
from emdrill.core.scheduler import Memory, Rating
from emdrill.ops.decode import Offer
from emdrill.ops.drill import Pick, Session
from emdrill.ui import drill, keymap
from emdrill.ui.drill_view import CardView, key_line, key_step, keys_help
from emdrill.ui.keys import Key, KeyReader

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
QUESTION = Question(id="q", deck="d", family="f", text="Q?", intent="I?", story=1)
CARD = Card(QUESTION, Memory(due=T0), Memory(due=T0))
RIVALS = tuple(Question(id=f"r{n}", deck="d", family="f", text="R?", intent=f"Rival {n}?",
                        story=2) for n in range(3))
OFFER = Offer(CARD, (*RIVALS, QUESTION))
# Every key a person can press (as ui.keys reports it), and a few named ones.
KEYS = [*string.ascii_lowercase, *string.digits, *"!?.,;-", " ", "enter", "esc", "tab", "up"]
INTERVALS = {r: timedelta(days=int(r)) for r in Rating}


@dataclass
class _Script:
    """A piped reader: one key, then `q` (which ends the ask if the key did not)."""

    keys: list[str]
    is_tty: bool = False

    def read(self, timeout: float | None = None) -> Key:
        value = self.keys.pop(0)
        return Key(value, f"'{value}'")


@dataclass
class _Session:
    answers: list[Any] = field(default_factory=list)

    def time_left(self) -> timedelta | None:
        return None

    def cards_left(self) -> int | None:
        return None


# (mode, how the card stands, the step that is on screen)
STANDINGS: list[tuple[str, dict[str, Any], str]] = [
    ("drill", {"phase": "front"}, "front"),
    ("drill", {"phase": "pick"}, "pick"),
    ("drill", {"phase": "back", "intervals": INTERVALS, "folded": True}, "grade"),
    ("drill", {"phase": "more", "intervals": INTERVALS}, "grade"),
    ("drill", {"phase": "back", "choice": "decoded", "folded": True}, "read"),
    ("drill", {"phase": "back", "leech": True, "folded": True}, "leech"),
    ("commute", {"phase": "front"}, "front"),
    ("commute", {"phase": "pick"}, "pick"),
    ("commute", {"phase": "back", "folded": True}, "grade"),
    ("commute", {"phase": "back", "choice": "decoded", "folded": True}, "story"),
    ("commute", {"phase": "back", "leech": True, "folded": True}, "leech"),
]


def _view(mode: str, standing: dict[str, Any]) -> CardView:
    view = CardView(pick=Pick(CARD, "due"), mode=mode, left=None, done=0, slots={})
    for name, value in standing.items():
        if name == "choice":
            value = OFFER.choice(0, 1.0)
        setattr(view, name, value)
    view.offer = OFFER
    return view


def _accepted(mode: str, standing: dict[str, Any]) -> dict[str, str]:
    """Each key the real screen acts on at this standing, and what it did."""
    did: dict[str, str] = {}
    for key in KEYS:
        view = _view(mode, standing)
        out = io.StringIO()
        screen = drill.Screen(console=Console(file=out, width=80), reader=cast(
            KeyReader, _Script([key, "q", "q"])), session=cast(Session, _Session()),
            back=lambda *_: "", slots={}, compact=mode == "commute")
        screen.card = view
        try:
            did[key] = f"flow:{screen.ask()}"
        except (drill._Undo, drill._Skip, drill._Suspend):
            did[key] = "screen"
        except drill._Quit:  # the key itself, or the `q` after a key that did its part
            if key == "q" or "does nothing" not in out.getvalue():
                did[key] = "screen"
    return did


def _shown(view: CardView, width: int = 500) -> set[str]:
    """The keys named on the key line at `width` (the widest by default), expanded ("1-8"
    is 1 to 8, Space is Space and Enter)."""
    text = key_line(view, width).plain.replace("\n", "  ")
    text = text.removeprefix(key_step(view).prompt)
    keys: set[str] = set()
    for part in text.replace("  ", " · ").split(" · "):
        keys |= {"any key:"} if part.startswith("any key:") else _expand(part.split(" ")[0])
    return keys


@pytest.mark.parametrize(("mode", "standing", "step"), STANDINGS,
                         ids=[f"{m}-{s}" for m, _, s in STANDINGS])
def test_every_key_shown_is_taken_and_every_key_taken_is_shown_or_hidden(
        mode: str, standing: dict[str, Any], step: str) -> None:
    view = _view(mode, standing)
    assert key_step(view) is keymap.MODES[mode][step]
    accepted = _accepted(mode, standing)
    shown = _shown(view)
    hidden = {k for b in key_step(view).bindings if b.drop == keymap.HIDDEN for k in b.keys}
    anything = "any key:" in shown
    named = shown - {"any key:"}
    assert named <= set(accepted), f"shown but not taken: {named - set(accepted)}"
    if anything:  # every key moves on: the named ones do something of their own
        assert all(accepted.get(k) for k in KEYS)
        assert {k for k, what in accepted.items() if what == "screen"} <= named | hidden
    else:
        assert set(accepted) <= named | hidden, \
            f"taken but not shown nor hidden: {set(accepted) - named - hidden}"
    assert hidden.isdisjoint(named)
    for width in (100, 80, 60, 40, 30):  # a narrower line leaves keys out, never adds one
        narrow = _shown(view, width) - {"any key:"}
        assert narrow <= named, f"{width} columns: {narrow - named}"


def _expand(token: str) -> set[str]:
    """A key as written on screen, as the key values it stands for."""
    if len(token) == 3 and token[1] == "-":
        pool = string.digits if token[0].isdigit() else string.ascii_lowercase
        return set(pool[pool.index(token[0]):pool.index(token[2]) + 1])
    return {" ", "enter"} if token == "Space" else {token}


@pytest.mark.parametrize("mode", ["drill", "commute"])
def test_the_keys_screen_lists_every_key_a_step_takes(mode: str) -> None:
    out = io.StringIO()
    Console(file=out, width=120).print(keys_help(mode == "commute"))
    listed = set().union(*(_expand(line.split("  ")[0].strip())
                           for line in out.getvalue().splitlines() if line.strip()))
    for _, standing, _step in (s for s in STANDINGS if s[0] == mode):
        anything = "any key:" in _shown(_view(mode, standing))
        for key, what in _accepted(mode, standing).items():
            if anything and what.startswith("flow:"):
                continue  # "any key: next" is on the ? screen as such
            assert key in listed, f"{mode}: {key!r} not on the ? screen"


def test_commute_grades_are_the_keys_the_map_gives_them() -> None:
    taken = {k for k, what in _accepted("commute", {"phase": "back"}).items()
             if what.startswith("flow:")}
    assert taken == set(drill.COMMUTE_GRADES)


def test_the_drill_page_lists_the_keys_the_map_gives() -> None:
    page = (Path(__file__).parent.parent / "docs" / "drill.md").read_text(encoding="utf-8")
    table = page.split("The keys, as `?` lists them in a drill")[1].split("## ")[0]
    documented = [row.split("|")[1].strip().replace("`", "")
                  for row in table.splitlines() if row.startswith("| ") and "---" not in row]
    assert documented[1:] == [k.removesuffix(":") for k, _ in keymap.help_rows("drill")]
