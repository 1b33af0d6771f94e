"""Precision and recall of the answer coach (emdrill.core.coach) on the labelled texts.

    python bench/coach_accuracy.py [--set tune|held|both] [--misses] [--json]

Reads tests/data/coach-tune.toml (the texts the rules were tuned on) and
tests/data/coach-held.toml (texts written after tuning; never tuned on), runs `analyse` on
each (with the labelled question's intent and probes from decks/em-core.toml, and the text's
target), and counts, per rule, a fault flagged where one is labelled (true positive), a fault
flagged where none is (false positive) and a labelled fault left unflagged (false negative).
A rule that was not judged counts as not flagged. Nothing here asserts a figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from emdrill.core.coach import RULES, analyse

ROOT = Path(__file__).resolve().parents[1]
SETS = {"tune": ROOT / "tests" / "data" / "coach-tune.toml",
        "held": ROOT / "tests" / "data" / "coach-held.toml"}


def intents(deck: Path = ROOT / "decks" / "em-core.toml") -> dict[str, str]:
    data = tomllib.loads(deck.read_text(encoding="utf-8"))
    return {q["id"]: " ".join([q["intent"], *q.get("probes", [])])
            for q in data.get("questions", [])}


def load(path: Path) -> list[dict[str, Any]]:
    return list(tomllib.loads(path.read_text(encoding="utf-8"))["text"])


def score(texts: list[dict[str, Any]], known: dict[str, str]) -> dict[str, Any]:
    counts = {rule: {"tp": 0, "fp": 0, "fn": 0, "faults": 0} for rule in RULES}
    misses: list[str] = []
    for item in texts:
        report = analyse(item["text"], target=int(item.get("target", 150)),
                         intent=known.get(item.get("question", ""), ""))
        for rule in RULES:
            if rule == "intent" and "question" not in item:
                continue
            fault = rule in item["faults"]
            flagged = report.verdict(rule) is False
            c = counts[rule]
            c["faults"] += int(fault)
            if flagged and fault:
                c["tp"] += 1
            elif flagged:
                c["fp"] += 1
                misses.append(f"{item['id']} {rule}: false alarm")
            elif fault:
                c["fn"] += 1
                misses.append(f"{item['id']} {rule}: missed")
    table = {}
    for rule, c in counts.items():
        total = c["tp"] + c["fp"]
        table[rule] = {**c, "precision": c["tp"] / total if total else None,
                       "recall": c["tp"] / c["faults"] if c["faults"] else None}
    return {"texts": len(texts), "rules": table, "misses": misses}


def _pct(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("tune", "held", "both"), default="both")
    parser.add_argument("--misses", action="store_true", help="list every error")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    known = intents()
    names = ["tune", "held"] if args.set == "both" else [args.set]
    results = {n: score(load(SETS[n]), known) for n in names if SETS[n].exists()}
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
        return 0
    for name, result in results.items():
        print(f"{name}: {result['texts']} texts")
        print(f"  {'rule':<17} {'faults':>6} {'tp':>4} {'fp':>4} {'fn':>4}  precision recall")
        for rule, c in result["rules"].items():
            print(f"  {rule:<17} {c['faults']:>6} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4}  "
                  f"{_pct(c['precision']):>9} {_pct(c['recall']):>6}")
        if args.misses:
            for line in result["misses"]:
                print(f"    {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
