"""Blind coverage: for each question of two public EM question lists, does the deck have a
card with the same intent?

    python bench/deck_coverage.py [--lists DIR] [--deck DECK.toml] [--json]

The judgement is made by hand, once per row, and kept in `bench/data/deck_coverage.tsv`
(list, row, card id or "none"): the script counts, it does not judge. Row numbers count the
list's question rows from 1, after its header. The lists themselves are third-party text and
stay out of the project; with `--lists` (default: /work/shared/question-lists, or
$EMDRILL_QUESTION_LISTS) the script checks that every row of each list has a judgement and
that no judgement points past the end. Every named card must be in the bundled deck. With
`--deck OLD.toml` the same judgements measure an older deck: rows whose card it lacks count
as none (a lower bound for it).

A row counts as covered when a card asks the same thing the interviewer wants to find out,
even in other words; a card on the same topic with another intent is "none". The rows carried
by one card are listed too, so a reader can see which judgements weigh most.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "bench" / "data" / "deck_coverage.tsv"
BUNDLED = ROOT / "decks" / "em-core.toml"
LISTS = Path(os.environ.get("EMDRILL_QUESTION_LISTS", "/work/shared/question-lists"))
NONE = "none"


def read_mapping(path: Path = MAPPING) -> dict[str, dict[int, str]]:
    """list name -> {row: card id or "none"}."""
    result: dict[str, dict[int, str]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for n, rec in enumerate(csv.DictReader(f, delimiter="\t"), 2):
            rows = result.setdefault(rec["list"], {})
            row = int(rec["row"])
            if row in rows:
                raise SystemExit(f"{path}:{n}: row {row} of {rec['list']} is judged twice")
            rows[row] = rec["card"].strip()
    return result


def list_rows(folder: Path, name: str) -> int | None:
    """How many question rows the list has, or None when it is not at hand."""
    path = folder / f"{name}.tsv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f, delimiter="\t")) - 1


def coverage(mapping: dict[str, dict[int, str]], deck_ids: set[str]) -> dict[str, Any]:
    unknown = sorted({c for rows in mapping.values() for c in rows.values()
                      if c != NONE and c not in deck_ids})
    per_list: dict[str, dict[str, Any]] = {}
    for name, rows in mapping.items():
        covered = sum(1 for c in rows.values() if c in deck_ids)
        per_list[name] = {"rows": len(rows), "covered": covered,
                          "share": covered / len(rows) if rows else 0.0,
                          "none": sorted(r for r, c in rows.items() if c not in deck_ids)}
    total = sum(v["rows"] for v in per_list.values())
    covered = sum(v["covered"] for v in per_list.values())
    carriers = Counter(c for rows in mapping.values() for c in rows.values() if c in deck_ids)
    return {"lists": per_list, "rows": total, "covered": covered,
            "share": covered / total if total else 0.0, "unknown_cards": unknown,
            "cards_used": len(carriers), "heaviest": carriers.most_common(8)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=Path, default=LISTS)
    parser.add_argument("--deck", type=Path, default=BUNDLED)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    deck_ids = {q["id"] for q in tomllib.loads(args.deck.read_text("utf-8"))["questions"]}
    mapping = read_mapping()
    problems = []
    for name, rows in mapping.items():
        count = list_rows(args.lists, name)
        if count is None:
            continue
        missing = sorted(set(range(1, count + 1)) - set(rows))
        extra = sorted(r for r in rows if not 1 <= r <= count)
        if missing or extra:
            problems.append(f"{name}: rows not judged {missing[:10]}, rows past the end "
                            f"{extra[:10]}")
    result = coverage(mapping, deck_ids)
    if result["unknown_cards"] and args.deck.resolve() == BUNDLED:
        problems.append(f"cards not in {args.deck.name}: {', '.join(result['unknown_cards'])}")
    if args.json:
        print(json.dumps({**result, "problems": problems}, indent=2))
    else:
        print(f"deck: {args.deck.name}, {len(deck_ids)} cards")
        for name, v in result["lists"].items():
            print(f"  {name:26} {v['covered']:>4} / {v['rows']:<4} {100 * v['share']:5.1f}%"
                  f"   none: rows {', '.join(map(str, v['none'])) or '-'}")
        print(f"  {'overall':26} {result['covered']:>4} / {result['rows']:<4} "
              f"{100 * result['share']:5.1f}%   ({result['cards_used']} cards carry a row)")
        print("  cards carrying the most rows: "
              + ", ".join(f"{c} ({n})" for c, n in result["heaviest"]))
        if result["unknown_cards"] and args.deck.resolve() != BUNDLED:
            print(f"  ({len(result['unknown_cards'])} judged cards are not in this deck; their "
                  "rows count as none, so an older deck's figure is a lower bound)")
        for problem in problems:
            print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
