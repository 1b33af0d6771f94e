"""Counts over deck files: questions per family and per primary story, sibling links.

    python bench/deck_report.py [DECK.toml ...]

With no path it reports the bundled deck. With two or more paths it prints them side by
side, e.g. the deck before and after an edit:

    git show main:decks/em-core.toml > /tmp/old.toml
    python bench/deck_report.py /tmp/old.toml decks/em-core.toml

tests/test_deck_content.py holds the bundled deck to issue 12's requirements; this prints
the figures behind them.
"""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

BUNDLED = Path(__file__).resolve().parents[1] / "decks" / "em-core.toml"


def report(path: Path) -> dict[str, Any]:
    questions = tomllib.loads(path.read_text(encoding="utf-8"))["questions"]
    count = len(questions)
    family = {q["id"]: q["family"] for q in questions}
    story = {q["id"]: q["story"] for q in questions}
    links = {frozenset((q["id"], s)) for q in questions for s in q.get("siblings", [])
             if s in family}
    stories = Counter(str(q["story"]) for q in questions)
    return {
        "questions": count,
        "families": dict(Counter(q["family"] for q in questions)),
        "stories": {k: stories[k] for k in [*map(str, range(1, 9)), "system"]},
        "with a sibling": sum(1 for q in questions if q.get("siblings")),
        "sibling links": len(links),
        "links across families": sum(1 for link in links if len({family[i] for i in link}) == 2),
        "links with two stories": sum(1 for link in links if len({story[i] for i in link}) == 2),
        "replaced ids": sum(len(q.get("replaces", [])) for q in questions),
    }


def _pct(n: int, total: int) -> str:
    return f"{n} ({100 * n / total:.1f}%)" if total else str(n)


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv] or [BUNDLED]
    reports = [report(p) for p in paths]
    width = max(22, *(len(p.name) + 2 for p in paths))
    print(f"{'':24}" + "".join(f"{p.name:>{width}}" for p in paths))
    print(f"{'questions':24}" + "".join(f"{r['questions']:>{width}}" for r in reports))
    families = list(dict.fromkeys(f for r in reports for f in r["families"]))
    print("per family")
    for fam in families:
        print(f"  {fam:22}" + "".join(f"{r['families'].get(fam, 0):>{width}}" for r in reports))
    print("per primary story")
    for slot in [*map(str, range(1, 9)), "system"]:
        print(f"  {slot:22}" + "".join(f"{_pct(r['stories'][slot], r['questions']):>{width}}"
                                       for r in reports))
    print("siblings")
    for key in ("with a sibling", "sibling links", "links across families",
                "links with two stories", "replaced ids"):
        total = {"with a sibling": "questions"}.get(key)
        print(f"  {key:22}" + "".join(
            f"{_pct(r[key], r[total]) if total else r[key]:>{width}}" for r in reports))


if __name__ == "__main__":
    main(sys.argv[1:])
