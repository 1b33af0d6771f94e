"""Capture the README's screens from real runs: emdrill in a pseudo-terminal, read through
the pyte terminal emulator, on a collection built by tests/history.py (two weeks of daily
drills, the conflict family missed on purpose, two days skipped).

    .venv/bin/python bench/screens.py > /tmp/screens.md
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import history
from term import Term


def block(title: str, term: Term, *, upto: int | None = None) -> None:
    """One screen as a fenced block; runs of blank lines (the room a frame leaves above its
    status and key lines) shrink to one."""
    lines: list[str] = []
    for line in term.lines[:upto] if upto else term.lines:
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    print(f"{title} ({term.screen.columns}x{term.screen.lines}):\n\n```text")
    print("\n".join(lines))
    print("```\n")


def wrong_letter(term: Term) -> str:
    """A letter whose intent is not the question's own (read from `emdrill show`)."""
    def emdrill(*args: str) -> object:
        done = subprocess.run([sys.executable, "-m", "emdrill", *args], capture_output=True,
                              text=True, check=True)
        return json.loads(done.stdout)

    qid = emdrill("next", "--json", "--limit", "1")[0]["id"]  # type: ignore[index]
    intent = str(emdrill("show", str(qid), "--json")["intent"])  # type: ignore[index]
    found = re.findall(r"(?:^|\n)([abcd]) (.+)", term.text)
    return next(str(letter) for letter, start in found
                if not intent.startswith(start.strip()))


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="emdrill-screens-"))
    history.build(home / "emdrill.db", skip=(9, 10))
    os.environ.update(EMDRILL_HOME=str(home), EMDRILL_NOW="2026-03-02T09:00:00+00:00",
                      EMDRILL_SEED="7")
    os.environ.pop("NO_COLOR", None)

    home_screen = Term(cols=80, rows=24)
    home_screen.finish()
    block("The home screen, `emdrill`", home_screen)

    shaky = Term("shaky", "--limit", "2", cols=40, rows=60)
    shaky.finish()
    block("`emdrill shaky` at 40 columns", shaky)

    stats = Term("stats", cols=100, rows=60)
    stats.finish()
    block("`emdrill stats`", stats, upto=17)

    drill = Term("drill", cols=80, rows=24)
    drill.wait_for("Which story")
    drill.settle()
    block("A drill question", drill)
    drill.press("7", then="Intent recall")
    drill.settle()
    block("Its answer side, folded to fit; `m` shows the rest", drill)
    drill.press("q")
    drill.finish()

    decode = Term("drill", "--decode", cols=80, rows=24)
    decode.wait_for("Which intent")
    decode.settle()
    block("Decoding: the intent from four", decode)
    decode.press(wrong_letter(decode), then="Which story")
    decode.settle()
    block("A wrong pick: both intents side by side", decode)
    decode.press("7", then="any key: next")
    decode.settle()
    block("Then the back", decode)
    decode.press("q")
    decode.finish()

    phone = Term("commute", "--decode", "--cards", "1", cols=40, rows=20)
    phone.wait_for("pick the intent")
    phone.press(wrong_letter(phone), then="story: y right")
    phone.settle()
    block("Commute with decoding, a wrong pick", phone)
    phone.press("n")
    phone.finish()

    commute = Term("commute", "--cards", "2", cols=40, rows=20)
    commute.wait_for("Space reveal")
    commute.press(" ", then="y nailed")
    commute.settle()
    block("Commute on a phone-sized terminal", commute)
    commute.press("n")
    commute.wait_for("Space reveal")
    commute.press(" ", then="y nailed")
    commute.press("y")
    commute.finish()
    block("The commute summary", commute)


if __name__ == "__main__":
    main()
