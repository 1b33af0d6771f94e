"""Mutation testing of emdrill's core rules: plant one bug at a time, run the tests that
guard that rule, and report which bugs the suite kills.

    python bench/mutants.py            # every mutant
    python bench/mutants.py -k story   # the mutants whose name contains "story"
    python bench/mutants.py --list

Each mutant is an exact text replacement in one source file (a stale mutant, whose text is
no longer in the file, is reported as such, never silently skipped). The tree is copied to
a temporary folder once; each mutant is planted in the copy, the listed test files run
against it (PYTHONPATH points at the copy's `src`), and the file is put back. A mutant is
killed when those tests fail. The score is printed last; every mutant should be killed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # under src/emdrill/
    old: str
    new: str
    tests: tuple[str, ...]  # test files (or node ids) that must kill it


MUTANTS: tuple[Mutant, ...] = (
    Mutant("story: an alternate slot counts as the primary", "core/scheduler.py",
           "        return Rating.HARD\n    return Rating.AGAIN",
           "        return Rating.GOOD\n    return Rating.AGAIN",
           ("tests/test_scheduler.py",)),
    Mutant("story: the primary slot counts as an alternate", "core/scheduler.py",
           "    if named == primary:\n        return Rating.GOOD",
           "    if named == primary:\n        return Rating.HARD",
           ("tests/test_scheduler.py",)),
    Mutant("schedule: elapsed time in 24-hour periods again", "core/scheduler.py",
           "        given.last_review = at - timedelta(days=study_days_between(",
           "        given.last_review = given.last_review or at - timedelta(days=study_days_between(",
           ("tests/test_study_days.py",)),
    Mutant("schedule: review due dates not put at the start of their day", "core/scheduler.py",
           "    if after.state == REVIEW and after.due is not None and after.due - at >= ",
           "    if False and after.due is not None and after.due - at >= ",
           ("tests/test_study_days.py",)),
    Mutant("timing: a study day starts at midnight", "core/timing.py",
           "DAY_STARTS_AT = timedelta(hours=4)", "DAY_STARTS_AT = timedelta(hours=0)",
           ("tests/test_study_days.py",)),
    Mutant("weakness: GAIN ignored", "core/weakness.py",
           "    return max(low, min(high, base + GAIN * weakness))",
           "    return max(low, min(high, base + 1.0 * weakness))",
           ("tests/test_weakness.py", "tests/test_facets.py")),
    Mutant("weakness: misses not decayed by age", "core/weakness.py",
           "        w = decay(b.age_days)", "        w = 1.0",
           ("tests/test_weakness.py",)),
    Mutant("grade: the facets' parameters swapped", "ops/grading.py",
           "    return Card(card.question, one(card.intent, intent, parameters.intent),\n"
           "                one(card.story, story, parameters.story))",
           "    return Card(card.question, one(card.intent, intent, parameters.story),\n"
           "                one(card.story, story, parameters.intent))",
           ("tests/test_facets.py",)),
    Mutant("grade: the facets' ratings swapped", "ops/grading.py",
           "    state = _review(before, context, clock, intent=intent, story=story, fuzz=fuzz)",
           "    state = _review(before, context, clock, intent=story, story=intent, fuzz=fuzz)",
           ("tests/test_facets.py",)),
    Mutant("undo: the facets put back crossed", "store/cards.py",
           '            _put_facet(con, record.question_id, "intent", last.intent_before)\n'
           '            _put_facet(con, record.question_id, "story", last.story_before)',
           '            _put_facet(con, record.question_id, "intent", last.story_before)\n'
           '            _put_facet(con, record.question_id, "story", last.intent_before)',
           ("tests/test_facets.py",)),
    Mutant("replay: later reviews replayed with crossed ratings", "ops/grading.py",
           "                        intent=_rating(review.intent_rating),\n"
           "                        story=_rating(review.story_rating),",
           "                        intent=_rating(review.story_rating),\n"
           "                        story=_rating(review.intent_rating),",
           ("tests/test_facets.py",)),
    Mutant("readiness: intent and story swapped", "core/plan.py",
           "        row[2] += intent\n        row[3] += story",
           "        row[2] += story\n        row[3] += intent",
           ("tests/test_facets.py",)),
    Mutant("forecast: the facets' recall swapped", "core/forecast.py",
           "        return (retrievability(self.intent, at, local=local, parameters=parameters.intent),\n"
           "                retrievability(self.story, at, local=local, parameters=parameters.story))",
           "        return (retrievability(self.story, at, local=local, parameters=parameters.story),\n"
           "                retrievability(self.intent, at, local=local, parameters=parameters.intent))",
           ("tests/test_facets.py",)),
    Mutant("anki: a Story card's Hard counts as right", "core/anki.py",
           "    return CARD_FACETS[ordinal], Rating(ease)",
           "    return CARD_FACETS[ordinal], Rating(3 if CARD_FACETS[ordinal] == 'story' and ease == 2 else ease)",
           ("tests/test_anki.py", "tests/test_facets.py")),
    Mutant("anki: the two card types' facets swapped", "core/anki.py",
           "    return CARD_FACETS[ordinal], Rating(ease)",
           "    return CARD_FACETS[1 - ordinal], Rating(ease)",
           ("tests/test_anki.py", "tests/test_facets.py")),
    Mutant("commute: p grades Again", "ui/drill.py",
           '    "p": (Rating.HARD, StoryAnswer.partial()),',
           '    "p": (Rating.AGAIN, StoryAnswer.partial()),',
           ("tests/test_facets.py",)),
    Mutant("decode: told apart without the rival on offer", "store/practice.py",
           "       AND EXISTS (SELECT 1 FROM json_each(r.options) WHERE value = w.picked))",
           "       AND 1)",
           ("tests/test_facets.py",)),
    Mutant("queue: same family back to back", "core/order.py",
           "        pick = next((i for i, c in enumerate(pending) if not _clashes(c, last)), 0)",
           "        pick = 0",
           ("tests/test_session.py", "tests/test_weakness.py")),
    Mutant("interview: due dates never lean towards the date", "core/interview.py",
           "    if memory.due is None or memory.last_review is None or memory.due <= interview:",
           "    if True:",
           ("tests/test_interview.py",)),
    Mutant("interview: no taper on the last day", "core/interview.py",
           "    if days <= 1:\n        return True",
           "    if days <= 0:\n        return True",
           ("tests/test_interview.py",)),
    Mutant("fitting: study-day gaps counted as 0", "core/fitting.py",
           "            gap = (day - previous).days if previous is not None else 0",
           "            gap = 0",
           ("tests/test_fitting.py",)),
    Mutant("migration 10: saved review states not rewritten", "store/memories.py",
           "            changed += 1\n", "            changed += 0\n",
           ("tests/test_study_days.py",)),
    Mutant("clock: a grade dated before the last review is accepted", "ops/grading.py",
           "    if last - clock.now <= CLOCK_SKEW:", "    if True:",
           ("tests/test_reliability.py", "tests/test_session.py")),
    Mutant("recall: retrievability of the story read from the intent", "core/stats.py",
           "                retrievability(self.story, now, local=local, parameters=parameters.story))",
           "                retrievability(self.intent, now, local=local, parameters=parameters.story))",
           ("tests/test_facets.py", "tests/test_stats.py")),
)


def run(mutants: tuple[Mutant, ...], *, verbose: bool) -> int:
    with tempfile.TemporaryDirectory(prefix="emdrill-mutants-") as folder:
        copy = Path(folder) / "src"
        shutil.copytree(ROOT / "src", copy)
        env = {**os.environ, "PYTHONPATH": str(copy)}
        killed, survived, stale = [], [], []
        started = time.perf_counter()
        for m in mutants:
            target = copy / "emdrill" / m.path
            text = target.read_text(encoding="utf-8")
            if text.count(m.old) != 1:
                stale.append(m)
                print(f"STALE     {m.name} ({m.path}: the text to replace is not there once)")
                continue
            target.write_text(text.replace(m.old, m.new), encoding="utf-8")
            try:
                t0 = time.perf_counter()
                result = subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                     *m.tests], cwd=ROOT, env=env, capture_output=True, text=True)
                took = time.perf_counter() - t0
            finally:
                target.write_text(text, encoding="utf-8")
            if result.returncode == 0:
                survived.append(m)
                print(f"SURVIVED  {m.name}  [{took:.0f} s]")
            elif result.returncode == 1:
                killed.append(m)
                print(f"killed    {m.name}  [{took:.0f} s]")
            else:  # collection error or crash: a mutant the tests cannot even import
                killed.append(m)
                print(f"killed    {m.name} (pytest exit {result.returncode})  [{took:.0f} s]")
            if verbose and result.returncode:
                print("\n".join(result.stdout.splitlines()[-5:]))
        total = len(killed) + len(survived)
        print(f"\n{len(killed)} of {total} mutants killed, {len(survived)} survived, "
              f"{len(stale)} stale ({time.perf_counter() - started:.0f} s)")
        return 0 if not survived and not stale else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-k", default="", help="only mutants whose name contains this")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    chosen = tuple(m for m in MUTANTS if args.k.lower() in m.name.lower())
    if args.list:
        for m in chosen:
            print(f"{m.name}  ({m.path}; {', '.join(m.tests)})")
        return
    raise SystemExit(run(chosen, verbose=args.verbose))


if __name__ == "__main__":
    main()
