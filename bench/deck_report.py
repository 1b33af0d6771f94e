"""Counts over deck files: questions per family, per primary story and per slot accepted
(primary or `also`), per system category, per theme, and sibling links.

    python bench/deck_report.py [DECK.toml ...]

With no path it reports the bundled deck. With two or more paths it prints them side by
side, e.g. the deck before and after an edit:

    git show main:decks/em-core.toml > /tmp/old.toml
    python bench/deck_report.py /tmp/old.toml decks/em-core.toml

Themes are the interview topics issue 23 found absent or thin; which cards serve each is
kept by hand in bench/data/deck_themes.tsv (theme, card id).

tests/test_deck_content.py holds the bundled deck to issues 12 and 23's requirements; this
prints the figures behind them.
"""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

BUNDLED = Path(__file__).resolve().parents[1] / "decks" / "em-core.toml"
THEMES = Path(__file__).resolve().parents[1] / "bench" / "data" / "deck_themes.tsv"
STORIES = [*map(str, range(1, 9)), "system"]


def themes(path: Path = THEMES) -> dict[str, list[str]]:
    """theme -> card ids, in the file's order."""
    result: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        theme, card = line.split("\t")
        result.setdefault(theme, []).append(card)
    return result


def report(path: Path) -> dict[str, Any]:
    questions = tomllib.loads(path.read_text(encoding="utf-8"))["questions"]
    count = len(questions)
    family = {q["id"]: q["family"] for q in questions}
    story = {q["id"]: q["story"] for q in questions}
    links = {frozenset((q["id"], s)) for q in questions for s in q.get("siblings", [])
             if s in family}
    stories = Counter(str(q["story"]) for q in questions)
    accepted = Counter(str(s) for q in questions for s in {q["story"], *q.get("also", [])})
    return {
        "accepted": {k: accepted[k] for k in STORIES},
        "single slot": sum(1 for q in questions if not q.get("also")),
        "systems": dict(Counter(q["system"] for q in questions)),
        "themes": {t: sum(1 for c in ids if c in family) for t, ids in themes().items()},
        "questions": count,
        "families": dict(Counter(q["family"] for q in questions)),
        "stories": {k: stories[k] for k in STORIES},
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
    print("per slot accepted (primary or also)")
    for slot in STORIES:
        print(f"  {slot:22}" + "".join(f"{r['accepted'][slot]:>{width}}" for r in reports))
    print(f"  {'only one answer':22}" + "".join(f"{r['single slot']:>{width}}" for r in reports))
    print("per system category")
    for cat in dict.fromkeys(c for r in reports for c in r["systems"]):
        print(f"  {cat:22}" + "".join(f"{r['systems'].get(cat, 0):>{width}}" for r in reports))
    print("per theme (bench/data/deck_themes.tsv)")
    for theme in reports[0]["themes"]:
        print(f"  {theme[:22]:22}" + "".join(f"{r['themes'][theme]:>{width}}" for r in reports))
    print("siblings")
    for key in ("with a sibling", "sibling links", "links across families",
                "links with two stories", "replaced ids"):
        total = {"with a sibling": "questions"}.get(key)
        print(f"  {key:22}" + "".join(
            f"{_pct(r[key], r[total]) if total else r[key]:>{width}}" for r in reports))


if __name__ == "__main__":
    main(sys.argv[1:])
