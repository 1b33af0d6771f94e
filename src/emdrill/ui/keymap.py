"""The keys of the drill and the commute: one table per mode.

Each mode (`DRILL`, `COMMUTE`) maps a step of a card (`front`, `grade`, `pick`, ...) to its
bindings: the key values it takes, the action, the word on the key line and the line on
the `?` screen. The screen dispatches on that table (`Screen.ask`), the key line and the
`?` screen are rendered from it (ui/drill_view.py), so what is shown and what is accepted
cannot disagree (`tests/test_keymap.py`). Rendering only; no input here.
"""

from __future__ import annotations

from dataclasses import dataclass

# The actions the screen performs itself; any other action hands the key to the flow.
SCREEN_ACTIONS = frozenset({"quit", "undo", "skip", "help", "suspend", "more"})
HIDDEN = -1  # `drop` of a binding that is accepted but only listed on the `?` screen


@dataclass(frozen=True)
class Binding:
    """One key (or a run of keys, "1-8") and what it does in one step of a card.

    `keys`: the key values taken (`ui.keys.Key.value`); empty: any key not bound otherwise.
    `drop`: 0 stays on the key line at any width; n > 0 leaves it (higher first) when the
    line is too narrow; `HIDDEN` only on the `?` screen. `short`: the word when narrow.
    `help`: its line on the `?` screen, under `help_shown` if it differs ("1-4")."""

    shown: str
    keys: frozenset[str]
    action: str
    label: str
    help: str = ""
    drop: int = 0
    short: str | None = None
    help_shown: str | None = None


@dataclass(frozen=True)
class Step:
    """The bindings of one step, in key-line order, and the question the line starts with."""

    bindings: tuple[Binding, ...]
    prompt: str = ""
    sep: str = " · "
    narrow: tuple[tuple[str, str], ...] = ()  # the prompt's last wording: (keys, word) pairs

    def binding(self, value: str) -> Binding | None:
        """The binding that takes the key `value`, if any (an any-key binding last)."""
        for b in self.bindings:
            if value in b.keys:
                return b
        return next((b for b in self.bindings if not b.keys), None)

    def bound(self) -> frozenset[str]:
        """Every key value bound by name (not by an any-key binding)."""
        return frozenset(k for b in self.bindings for k in b.keys)


def _one(key: str, action: str, label: str, help: str = "", *, drop: int = 0,
         short: str | None = None, help_shown: str | None = None) -> Binding:
    return Binding(key, frozenset({key}), action, label, help, drop, short, help_shown)


def _run(shown: str, keys: str, action: str, label: str, help: str = "", *, drop: int = 0,
         short: str | None = None) -> Binding:
    return Binding(shown, frozenset(keys), action, label, help, drop, short)


def _common(*, stop: str = "quit", s: int = 3, bang: int = 2, u: int = 4, q: int = 0,
            keys: int = 1) -> tuple[Binding, ...]:
    """s, !, u, q and ?: the keys every step of a card takes, each with its `drop`."""
    return (_one("s", "skip", "skip", "skip this question", drop=s),
            _one("!", "suspend", "suspend", "suspend this question (asks y/n)", drop=bang),
            _one("u", "undo", "undo", "undo the last answer", drop=u),
            _one("q", "quit", stop, "end the session (Ctrl-C too)", drop=q),
            _one("?", "help", "keys", "show these keys", drop=keys))


H = HIDDEN
MORE = _one("m", "more", "more", "after the reveal: the rest of the back, when it is folded")
NEXT = Binding("any key:", frozenset(), "next", "next")  # the key line says it all
CONFIRM = Step((_one("y", "yes", "yes"), Binding("n", frozenset(), "no", "no")),
               prompt="Suspend this question? ")
HELP = Step((Binding("any key:", frozenset(), "close", "back to the card"),))

_SLOTS = (
    _run("1-8", "12345678", "slot", "", "name the story slot you would tell", short="story"),
    _one("9", "slot", "system", "system answer: no core story fits, answer with your "
         "system and a short example"),
    _one("0", "slot", "not sure", "not sure which story", short="unsure"),
)
_PICK = _run("a-d", "abcd", "pick", "pick", "with --decode: pick the intent from four",
             short="pick the intent")
_LEECH = Step((NEXT, _one("!", "suspend", "suspend it", short="suspend"), MORE,
               _one("u", "undo", "undo", drop=2), _one("q", "quit", "quit", drop=2),
               _one("?", "help", "keys", drop=H)))
_GRADE_HELP = "after the reveal: grade your intent recall (Again/Hard/Good/Easy)"

DRILL: dict[str, Step] = {
    "front": Step((*_SLOTS, *_common(q=1, keys=0)), prompt="Which story? ",
                  narrow=(("1-9", ""), ("0", "unsure"), ("?", "keys"))),
    "pick": Step((_PICK, *_common(bang=H)), prompt="Which intent? "),
    "grade": Step((_one("1", "grade", "Again", _GRADE_HELP, help_shown="1-4"),
                   _one("2", "grade", "Hard"), _one("3", "grade", "Good"),
                   _one("4", "grade", "Easy"), MORE,
                   *_common(s=H, bang=H, u=H, q=H, keys=H)),
                  prompt="Intent recall? ", sep="  "),
    "read": Step((NEXT, MORE, _one("u", "undo", "undo", drop=2), _one("q", "quit", "quit"),
                  _one("?", "help", "keys", drop=1), _one("!", "suspend", "suspend", drop=H))),
    "leech": _LEECH,
}

COMMUTE: dict[str, Step] = {
    "front": Step((Binding("Space", frozenset({" ", "enter"}), "reveal", "reveal",
                           "reveal the answer (Enter too)"),
                   *_common(stop="stop", u=4, s=3, bang=0, q=2, keys=0))),
    "pick": Step((_PICK, *_common(bang=H)), prompt="Which intent? "),
    "grade": Step((_one("y", "grade", "nailed", "nailed it: intent and story right"),
                   _one("p", "grade", "partly", "partly"),
                   _one("n", "grade", "missed", "missed it"), MORE,
                   *_common(stop="stop", s=H, bang=H, u=2, q=2, keys=1))),
    "story": Step((_one("y", "grade", "right", "with --decode: the story was right"),
                   _one("p", "grade", "partly"), _one("n", "grade", "missed"), MORE,
                   *_common(s=H, bang=H, u=2, q=2, keys=H)), prompt="story: "),
    "leech": _LEECH,
}
MODES = {"drill": DRILL, "commute": COMMUTE}


SCREEN_ORDER = ("more", "undo", "skip", "suspend", "quit", "help")  # on `?`, after the flow's


def help_rows(mode: str) -> list[tuple[str, str]]:
    """The `?` screen of a mode: each key once, the flow's own keys first, in step order."""
    own: dict[str, str] = {}
    screen: dict[str, tuple[int, str]] = {}
    for step in MODES[mode].values():
        for b in step.bindings:
            if not b.help:
                continue
            if b.action in SCREEN_ACTIONS:
                screen.setdefault(b.shown, (SCREEN_ORDER.index(b.action), b.help))
            else:
                own.setdefault(b.help_shown or b.shown, b.help)
    ordered = sorted(screen.items(), key=lambda row: row[1][0])
    return [*own.items(), *((key, what) for key, (_, what) in ordered)]
