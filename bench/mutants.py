"""Mutation testing of emdrill's core rules: plant one bug at a time, run the tests that
guard that rule, and report which bugs the suite kills.

    python bench/mutants.py            # every mutant
    python bench/mutants.py -k story   # the mutants whose name contains "story"
    python bench/mutants.py --list

Each mutant is an exact text replacement in one source file (a stale mutant, whose text is
no longer in the file, is reported as such, never silently skipped). The tree is copied to
a temporary folder once, with the bundled decks beside it; each mutant is planted in the
copy, the listed test files (or node ids) run against it (PYTHONPATH points at the copy's
`src`), and the file is put back. A mutant is killed when those tests fail (pytest exit 1,
or 2 when they cannot even import the planted code). First the listed tests run once with
no mutant planted: they must pass, or a failure would prove nothing. A pytest error of its
own (a test id that names nothing) is BROKEN, never killed. The score is printed last;
every mutant should be killed.
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


# Each mutant lists the tests that kill it, as node ids: one test each keeps a run short.
FACETS = "tests/test_facets.py::"
SCHEDULER = "tests/test_scheduler.py::"
DAYS = "tests/test_study_days.py::"
WEAKNESS = "tests/test_weakness.py::"
INTERVIEW = "tests/test_interview.py::"
RELIABILITY = "tests/test_reliability.py::"

MUTANTS: tuple[Mutant, ...] = (
    Mutant("story: an alternate slot counts as the primary", "core/scheduler.py",
           "        return Rating.HARD\n    return Rating.AGAIN",
           "        return Rating.GOOD\n    return Rating.AGAIN",
           (SCHEDULER + "test_story_rating_rule",)),
    Mutant("story: the primary slot counts as an alternate", "core/scheduler.py",
           "    if named == primary:\n        return Rating.GOOD",
           "    if named == primary:\n        return Rating.HARD",
           (SCHEDULER + "test_story_rating_rule",)),
    Mutant("schedule: elapsed time in 24-hour periods again", "core/scheduler.py",
           "        given.last_review = at - timedelta(days=study_days_between(",
           "        given.last_review = given.last_review or at - timedelta(days=study_days_between(",
           (DAYS + "test_a_next_day_review_earlier_in_the_day_is_a_day_later",)),
    Mutant("schedule: review due dates not put at the start of their day", "core/scheduler.py",
           "    if after.state == REVIEW and after.due is not None and after.due - at >= ",
           "    if False and after.due is not None and after.due - at >= ",
           (DAYS + "test_a_review_state_due_date_is_the_start_of_its_study_day",)),
    Mutant("timing: a study day starts at midnight", "core/timing.py",
           "DAY_STARTS_AT = timedelta(hours=4)", "DAY_STARTS_AT = timedelta(hours=0)",
           (DAYS + "test_a_review_before_four_belongs_to_the_day_before",)),
    Mutant("weakness: GAIN ignored", "core/weakness.py",
           "    return max(low, min(high, base + GAIN * weakness))",
           "    return max(low, min(high, base + 1.0 * weakness))",
           (WEAKNESS + "test_inside_the_band_retention_moves_four_points_per_point_of_weakness",)),
    Mutant("weakness: misses not decayed by age", "core/weakness.py",
           "        w = decay(b.age_days)", "        w = 1.0",
           (WEAKNESS + "test_recent_misses_weigh_more_than_old_ones",)),
    Mutant("grade: the facets' parameters swapped", "ops/grading.py",
           "    return Card(card.question, one(card.intent, intent, parameters.intent),\n"
           "                one(card.story, story, parameters.story))",
           "    return Card(card.question, one(card.intent, intent, parameters.story),\n"
           "                one(card.story, story, parameters.intent))",
           (FACETS + "test_each_facet_is_scheduled_with_its_own_fitted_parameters",)),
    Mutant("grade: the facets' ratings swapped", "ops/grading.py",
           "    state = _review(before, context, clock, intent=intent, story=story, fuzz=fuzz)",
           "    state = _review(before, context, clock, intent=story, story=intent, fuzz=fuzz)",
           (FACETS + "test_grade_gives_each_facet_its_own_rating",)),
    Mutant("undo: the facets put back crossed", "store/review_log.py",
           '        before = {"intent": last.intent_before, "story": last.story_before}',
           '        before = {"intent": last.story_before, "story": last.intent_before}',
           (FACETS + "test_undo_puts_each_facet_back",)),
    Mutant("undo: a one-facet review's facet left where it moved", "store/review_log.py",
           "        if graded and all(now[f].last_review == record.reviewed_at for f in graded):",
           "        if all(m.last_review == record.reviewed_at for m in now.values()):",
           (FACETS + "test_undoing_a_one_facet_review_puts_that_facet_back",)),
    Mutant("queue: a window of due rows taken as settled past a family of the same key",
           "core/order.py",
           "        reach = len(waiting) if forced else bisect_right(bounds, mine)",
           "        reach = len(waiting) if forced else bisect_right(bounds, mine) - 1",
           ("tests/test_unsettled.py",)),
    Mutant("undo: a leech's lapses counted with the undone review still in them",
           "store/review_log.py",
           "(record.story_rating, last.story_before.state), sign=-1)",
           "(record.story_rating, last.story_before.state), sign=0)",
           ("tests/test_set_aside.py::"
            "test_a_leech_stops_weighing_on_its_family_and_undo_puts_it_back",)),
    Mutant("replay: later reviews replayed with crossed ratings", "ops/grading.py",
           "                        intent=_rating(review.intent_rating),\n"
           "                        story=_rating(review.story_rating),",
           "                        intent=_rating(review.story_rating),\n"
           "                        story=_rating(review.intent_rating),",
           (FACETS + "test_an_older_review_replays_the_later_ones_facet_by_facet",)),
    Mutant("readiness: intent and story swapped", "core/plan.py",
           "        row[2] += intent\n        row[3] += story",
           "        row[2] += story\n        row[3] += intent",
           (FACETS + "test_readiness_reports_intent_and_story_apart",)),
    Mutant("forecast: the facets' recall swapped", "core/forecast.py",
           "        return (retrievability(self.intent, at, local=local, parameters=parameters.intent),\n"
           "                retrievability(self.story, at, local=local, parameters=parameters.story))",
           "        return (retrievability(self.story, at, local=local, parameters=parameters.story),\n"
           "                retrievability(self.intent, at, local=local, parameters=parameters.intent))",
           (FACETS + "test_the_forecast_keeps_each_facets_recall",)),
    Mutant("anki: a Story card's Hard counts as right", "core/anki.py",
           "    return CARD_FACETS[ordinal], Rating(ease)",
           "    return CARD_FACETS[ordinal], Rating(3 if CARD_FACETS[ordinal] == 'story' and ease == 2 else ease)",
           (FACETS + "test_anki_buttons_reach_the_facet_of_their_card_type",)),
    Mutant("anki: the two card types' facets swapped", "core/anki.py",
           "    return CARD_FACETS[ordinal], Rating(ease)",
           "    return CARD_FACETS[1 - ordinal], Rating(ease)",
           (FACETS + "test_anki_buttons_reach_the_facet_of_their_card_type",)),
    Mutant("commute: p grades Again", "ui/drill.py",
           '    "p": (Rating.HARD, StoryAnswer.partial()),',
           '    "p": (Rating.AGAIN, StoryAnswer.partial()),',
           (FACETS + "test_commute_partly_is_hard_on_both_facets_as_pressed",)),
    Mutant("decode: told apart without the rival on offer", "store/practice.py",
           "       AND EXISTS (SELECT 1 FROM json_each(r.options) WHERE value = w.picked))",
           "       AND 1)",
           (FACETS + "test_a_confusion_is_told_apart_only_with_the_rival_on_offer",)),
    Mutant("queue: same family back to back", "core/order.py",
           "                         if c.family != family and c.id not in siblings\n",
           "                         if c.id not in siblings\n",
           ("tests/test_session.py::test_no_two_of_a_family_in_a_row_when_avoidable",)),
    Mutant("interview: due dates never lean towards the date", "core/interview.py",
           "    if memory.due is None or memory.last_review is None or memory.due <= interview:",
           "    if True:",
           (INTERVIEW + "test_toward_date_never_leaves_a_due_after_the_interview_below_target",)),
    Mutant("interview: no taper on the last day", "core/interview.py",
           "    if days <= 1:\n        return True",
           "    if days <= 0:\n        return True",
           (INTERVIEW + "test_the_taper_is_the_last_day_or_two",)),
    Mutant("fitting: study-day gaps counted as 0", "core/fitting.py",
           "            gap = day - previous if previous is not None else 0",
           "            gap = 0",
           ("tests/test_fitting.py::test_each_answer_a_study_day_or_more_after_the_last_is_one_item",)),
    Mutant("migration 10: saved review states not rewritten", "store/memories.py",
           "            changed += 1\n", "            changed += 0\n",
           (DAYS + "test_recompute_restores_exact_memories_and_is_idempotent",)),
    Mutant("clock: a grade dated before the last review is accepted", "ops/grading.py",
           "    if last - clock.now <= CLOCK_SKEW:", "    if True:",
           (RELIABILITY + "test_a_grade_dated_before_the_last_review_is_refused",
            RELIABILITY + "test_batch_line_failing_at_write_time_records_nothing")),
    Mutant("recall: retrievability of the story read from the intent", "core/stats.py",
           "                retrievability(self.story, now, local=local, parameters=parameters.story))",
           "                retrievability(self.intent, now, local=local, parameters=parameters.story))",
           (FACETS + "test_stats_recall_keeps_each_facet",)),
    Mutant("card: a question is due when its later facet is", "core/cards.py",
           "        return min(dues)", "        return max(dues)",
           (FACETS + "test_next_json_gives_each_question_its_earlier_facets_due",)),
    Mutant("show --json: the facets' memories crossed", "ui/views.py",
           '        "facets": {"intent": _memory_json(d.card.intent, now, d.parameters.intent, local),\n'
           '                   "story": _memory_json(d.card.story, now, d.parameters.story, local)},',
           '        "facets": {"intent": _memory_json(d.card.story, now, d.parameters.intent, local),\n'
           '                   "story": _memory_json(d.card.intent, now, d.parameters.story, local)},',
           (FACETS + "test_show_json_gives_each_facet_its_own_memory_and_grade",)),
    Mutant("show --json: a review's facet grades crossed", "ui/views.py",
           '"intent": _rating(r.intent_rating), "story": _rating(r.story_rating),',
           '"intent": _rating(r.story_rating), "story": _rating(r.intent_rating),',
           (FACETS + "test_show_json_gives_each_facet_its_own_memory_and_grade",)),
    Mutant("shaky: a question tested lately but never missed counts as most missed",
           "ops/stats.py",
           "        found.update((q, v) for q, v in tested.items() if v[1])",
           "        found.update((q, v) for q, v in tested.items() if v[0])",
           ("tests/test_hot_path.py::"
            "test_a_miss_gone_from_the_latest_tests_does_not_put_a_question_on_the_list",)),
    Mutant("export json: the progress rows' facets read back crossed", "store/dump.py",
           "    values = [_value(where, name, row[name], columns.info, columns.lists, columns.flags,\n",
           '    if columns.table == "facet":\n'
           '        row = {**row, "kind": {"intent": "story", "story": "intent"}[row["kind"]]}\n'
           "    values = [_value(where, name, row[name], columns.info, columns.lists, columns.flags,\n",
           (FACETS + "test_the_json_export_and_import_keep_each_facet",)),
    Mutant("anki import: a button recorded on the other facet", "ops/anki_import.py",
           "        facet, rating = mapped",
           '        facet, rating = {"intent": "story", "story": "intent"}[mapped[0]], mapped[1]',
           (FACETS + "test_an_anki_button_moves_only_the_facet_of_its_card",)),
    Mutant("interview: morning recall of the facets crossed", "core/interview.py",
           "    return (retrievability(card.intent, at, local=local, parameters=parameters.intent),\n"
           "            retrievability(card.story, at, local=local, parameters=parameters.story))",
           "    return (retrievability(card.story, at, local=local, parameters=parameters.story),\n"
           "            retrievability(card.intent, at, local=local, parameters=parameters.intent))",
           (FACETS + "test_the_interview_outlook_reads_each_facets_recall",)),
    Mutant("plan: a weak family's advice names the other facet", "core/plan.py",
           '"decode" if f.intent <= f.story', '"decode" if f.intent > f.story',
           (FACETS + "test_a_weak_familys_advice_names_its_weaker_facet",)),
    Mutant("forecast: first sights' recall rates crossed", "core/forecast.py",
           "in zip(memories, first_sight, (parameters.intent, parameters.story),",
           "in zip(memories, first_sight[::-1], (parameters.intent, parameters.story),",
           (FACETS + "test_a_new_questions_first_days_keep_each_facets_first_sight",)),
    Mutant("forecast: first days' recall read crossed", "core/forecast.py",
           "        return (sum(p[0] for p in pairs) / len(pairs), sum(p[1] for p in pairs) / len(pairs))",
           "        return (sum(p[1] for p in pairs) / len(pairs), sum(p[0] for p in pairs) / len(pairs))",
           (FACETS + "test_a_new_questions_first_days_keep_each_facets_first_sight",)),
    Mutant("forecast: a followed path's facets reviewed with each other's parameters",
           "core/forecast.py",
           "        intent = _good(intent, at, path, path.parameters.intent)\n"
           "        story = _good(story, at, path, path.parameters.story)",
           "        intent = _good(intent, at, path, path.parameters.story)\n"
           "        story = _good(story, at, path, path.parameters.intent)",
           (FACETS + "test_a_followed_path_schedules_each_facet_with_its_own_parameters",)),
    Mutant("grade: the reply's facets crossed", "ops/grading.py",
           "    return Graded(card, saved.record.id, intent, story_rating, after.intent.due,\n"
           "                  after.story.due,",
           "    return Graded(card, saved.record.id, intent, story_rating, after.story.due,\n"
           "                  after.intent.due,",
           (FACETS + "test_the_grades_reply_gives_each_facet_its_own_rating_and_due",)),
    Mutant("stats: intent recall read from the story's counts", "core/stats.py",
           "        return ratio(self.intent_passes, self.intent_graded)",
           "        return ratio(self.story_passes, self.story_graded)",
           (FACETS + "test_stats_give_each_facet_its_own_recall",)),
    Mutant("stats: a family's intent and story retrievability crossed", "store/stats.py",
           "            slot = 0 if intent else 2", "            slot = 2 if intent else 0",
           (FACETS + "test_stats_give_each_facet_its_own_recall",)),
)


def _pytest(tests: tuple[str, ...], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "-o", "addopts=-ra", *tests],  # one process: no xdist workers on a shared machine
        cwd=ROOT, env=env, capture_output=True, text=True)


def _tail(result: subprocess.CompletedProcess[str], lines: int = 5) -> str:
    return "\n".join((result.stdout + result.stderr).splitlines()[-lines:])


def run(mutants: tuple[Mutant, ...], *, verbose: bool) -> int:
    with tempfile.TemporaryDirectory(prefix="emdrill-mutants-") as folder:
        copy = Path(folder) / "src"
        shutil.copytree(ROOT / "src", copy)
        # The bundled decks sit beside src/ (ops/decks.py finds them from its own path): a
        # copy without them fails every test that opens a collection, mutant or not.
        shutil.copytree(ROOT / "decks", Path(folder) / "decks")
        env = {**os.environ, "PYTHONPATH": str(copy)}
        started = time.perf_counter()
        # The listed tests must pass on the tree as it is, or a failure proves nothing.
        every = tuple(dict.fromkeys(t for m in mutants for t in m.tests))
        clean = _pytest(every, env)
        print(f"unmutated: {len(every)} test files and ids, pytest exit {clean.returncode}  "
              f"[{time.perf_counter() - started:.0f} s]", flush=True)
        if clean.returncode != 0:
            print(_tail(clean, 15))
            print("\nthe listed tests fail with no mutant planted: fix them first")
            return 1
        killed, survived, stale, broken = [], [], [], []
        for m in mutants:
            target = copy / "emdrill" / m.path
            text = target.read_text(encoding="utf-8") if target.is_file() else ""
            if text.count(m.old) != 1:
                stale.append(m)
                why = ("no such file" if not target.is_file()
                       else "the text to replace is not there once")
                print(f"STALE     {m.name} ({m.path}: {why})", flush=True)
                continue
            target.write_text(text.replace(m.old, m.new), encoding="utf-8")
            try:
                t0 = time.perf_counter()
                result = _pytest(m.tests, env)
                took = time.perf_counter() - t0
            finally:
                target.write_text(text, encoding="utf-8")
            if result.returncode == 0:
                survived.append(m)
                print(f"SURVIVED  {m.name}  [{took:.0f} s]", flush=True)
            elif result.returncode in (1, 2):  # 1: a test failed; 2: the tests cannot import
                killed.append(m)
                note = "" if result.returncode == 1 else " (the tests cannot even import it)"
                print(f"killed    {m.name}{note}  [{took:.0f} s]", flush=True)
            else:  # 3-5: pytest's own error, or a listed test id that names nothing
                broken.append(m)
                print(f"BROKEN    {m.name} (pytest exit {result.returncode})  [{took:.0f} s]",
                      flush=True)
            if verbose and result.returncode:
                print(_tail(result))
        total = len(killed) + len(survived)
        print(f"\n{len(killed)} of {total} mutants killed, {len(survived)} survived, "
              f"{len(stale)} stale, {len(broken)} broken "
              f"({time.perf_counter() - started:.0f} s)")
        return 0 if not survived and not stale and not broken else 1


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
