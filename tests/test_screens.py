"""Every screen as a user sees it: emdrill in a real pseudo-terminal, read through a terminal
emulator (pyte), at 80x24, 100x30 and 40x20, on a collection with two weeks of study behind
it (tests/history.py: daily drills, the conflict family missed on purpose, two days
skipped; built once per run by tests/shared.py, `studied` copies it). Each test names the
point of issue 11 it checks."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path

import pytest

import procs
from conftest import text_reviews
from emdrill.core.scheduler import Rating
from emdrill.ui.drill_view import interval_labels
from emdrill.ui.fmt import span
from shared import cli as emdrill  # setup and JSON read back, in-process (tests/shared.py)
from term import SIZES, FakeClock, Term


def first_card() -> dict[str, object]:
    """The question a drill shows first (`next` lists exactly the drill's order)."""
    qid = json.loads(emdrill("next", "--json", "--limit", "1"))[0]["id"]
    return json.loads(emdrill("show", qid, "--json"))  # type: ignore[no-any-return]


def words(text: object, n: int = 6) -> str:
    """The first `n` words of a text, as a pattern that survives wrapping."""
    return r"\s+".join(re.escape(w) for w in str(text).split()[:n])


CLOCK = re.compile(r"(\d+):(\d\d) left")


# ---------------------------------------------------------------- 1. the answer side fits


@pytest.mark.parametrize("size", ["80x24", "100x30"])
def test_answer_side_shows_question_verdict_intent_story_and_keys(studied: Path,
                                                                   size: str) -> None:
    card = first_card()
    cols, rows = SIZES[size]
    term = Term("drill", cols=cols, rows=rows)
    term.wait_for("Which story")
    term.press("0", then="you said not sure")
    screen = term.flat()
    assert re.search(words(card["question"]), screen)
    assert re.search(words(card["intent"]), screen)
    assert re.search(r"Story\s+\d · ", term.text)
    assert term.lines[-1].startswith("Intent recall? 1 Again")
    assert "Which story" not in screen  # the front's prompt is gone, not left above
    if "m more" in term.lines[-1]:  # folded: the rest is one key away, and back again
        term.press("m", then="System")
        assert "m less" in term.lines[-1]
        term.press("m", then="you said not sure")
    term.press("q")
    assert "No questions answered this time." in term.finish()


def test_resize_redraws_the_current_screen(studied: Path) -> None:
    term = Term("drill", cols=100, rows=30)
    term.wait_for("Which story")
    term.press("0", then="Intent recall")
    term.resize(40, 20)
    term.wait_for(r"╭─{38}╮")  # the box redrawn at 40 columns
    term.wait_for(r"4 Easy \S+  m more")  # the grade keys (a frame's last line), folded
    assert term.lines[0].startswith("drill · ")
    assert term.lines[1].startswith("╭") and term.lines[1].endswith("╮")  # a 40-column box
    assert all(len(line) <= 40 for line in term.lines)
    term.resize(80, 24)
    term.wait_for(r"Intent recall\? 1 Again")
    assert term.lines[1].endswith("╮") and len(term.lines[1]) == 80
    term.press("q")
    term.finish()


# ---------------------------------------------------------------- 2. one clock


def test_one_clock_that_ticks(studied: Path, tmp_path: Path) -> None:
    clock = FakeClock(tmp_path / "clock")  # the screen's time, moved by the test
    term = Term("drill", "--minutes", "10", cols=80, rows=24, env=clock.env)
    term.wait_for("Which story")
    assert len(CLOCK.findall(term.text)) == 1
    first = CLOCK.search(term.text)
    assert first is not None and first.start() < len(term.lines[0])  # in the header
    assert first.group(0) == "10:00 left"
    clock.set(3)
    term.wait_for(r"9:57 left")  # ticks with no key pressed
    term.press("0", then="Intent recall")
    assert len(CLOCK.findall(term.text)) == 1
    term.press("q")
    term.finish()


def _last_seconds(home: Path) -> list[float]:
    con = sqlite3.connect(home / "emdrill.db")
    try:
        return [row[0] for row in con.execute("SELECT seconds FROM review ORDER BY id DESC "
                                              "LIMIT 1")]
    finally:
        con.close()


@pytest.mark.parametrize("mode", ["drill", "commute", "decode"])
def test_the_seconds_recorded_come_from_the_screens_clock(
        studied: Path, tmp_path: Path, mode: str) -> None:
    """Issue 27: the UI read two clocks, the ticker for the timers and time.monotonic() for
    the seconds a review records. Both now come from the session's clock (the decoder's
    too: it has no tick of its own)."""
    clock = FakeClock(tmp_path / "clock")
    args = ("drill", "--decode") if mode == "decode" else (mode,)
    term = Term(*args, "--cards", "1", cols=80, rows=24, env=clock.env)
    if mode == "decode":
        term.wait_for("a-d pick")
        clock.set(37)
        term.press("a", then="Which story")
        term.press("0", then="any key: next")
        term.press(" ")
    elif mode == "drill":
        term.wait_for("Which story")
        clock.set(37)
        term.press("0", then="Intent recall")
        term.press("3")
    else:
        term.wait_for("Space")
        clock.set(37)
        term.press(" ", then="y")
        term.press("y")
    term.finish()
    assert _last_seconds(studied) == [pytest.approx(37.0, abs=0.01)]


# ---------------------------------------------------------------- 3. grade intervals


def test_intervals_read_differently_or_say_why() -> None:
    assert span(timedelta(hours=36)) != span(timedelta(days=1))
    assert [span(timedelta(days=d)) for d in (1, 1.5, 2, 45, 60)] == [
        "24h", "36h", "2d", "45d", "60d"]
    same = {Rating.AGAIN: timedelta(minutes=10), Rating.HARD: timedelta(days=1),
            Rating.GOOD: timedelta(days=1), Rating.EASY: timedelta(days=2)}
    labels, note = interval_labels(same)
    assert labels[Rating.HARD] == labels[Rating.GOOD] == "24h"
    assert note.startswith("Hard and Good both bring it back in 24h: a day is the shortest")
    distinct = {**same, Rating.GOOD: timedelta(days=1, hours=12)}
    assert interval_labels(distinct)[1] == ""


def test_grade_keys_on_screen_differ_or_explain(studied: Path) -> None:
    term = Term("drill", "--cards", "3", cols=100, rows=30)
    for _ in range(3):
        term.wait_for("Which story")
        term.press("0", then="Intent recall")
        keys = term.lines[-1]
        shown = re.findall(r"[1-4] (?:Again|Hard|Good|Easy) (\S+)", keys)
        assert len(shown) == 4, keys
        if len(set(shown[1:])) < 3:
            assert "both bring it back" in term.text
        term.press("3")
    assert "Session over: 3 answered" in term.finish()


# ---------------------------------------------------------------- 4. one plain status line


def test_one_status_line_in_plain_words(studied: Path) -> None:
    term = Term("drill", cols=80, rows=24)
    term.wait_for("Which story")
    term.press("x", then="'x' does nothing here")
    term.press("\x1b", then="Esc does nothing here")
    term.press("\x1b[A", then="The up arrow does nothing here")
    screen = term.text
    assert screen.count("does nothing here") == 1  # each message replaced the last
    assert "\\x1b" not in screen and "'x'" not in screen
    term.press("?", then="undo the last answer")
    term.press("0", then="Intent recall")  # a key that means something closes the help, acts
    assert "does nothing" not in term.text and "Which story" not in term.text
    term.press("q")
    term.finish()


def test_commute_says_which_key_reveals(studied: Path) -> None:
    term = Term("commute", cols=40, rows=20)
    term.wait_for("Space reveal")
    term.press("k", then="'k' does nothing here")
    assert "Intent:" not in term.text
    term.press(" ", then="y nailed")
    assert "Intent:" in term.text and "does nothing" not in term.text
    term.press("q")
    term.finish()


# ---------------------------------------------------------------- 5. 40 columns


def test_commute_and_its_summary_at_40_columns(studied: Path) -> None:
    term = Term("commute", "--cards", "2", cols=40, rows=20)
    for grade in ("n", "y"):
        term.wait_for("Space reveal")
        assert term.lines[0].startswith("commute · ")
        assert f"· {2 - (grade == 'y')} left ·" in term.lines[0]  # --cards 2: 2, then 1
        term.press(" ", then="y nailed")
        assert term.lines[-1].startswith("y nailed · p partly · n missed")
        assert re.search(r"Story: \d · ", term.text)
        term.press(grade)
    screen = term.finish()
    assert "Session over: 2 answered" in screen
    assert "family" in screen and "intent" in screen
    # whole family names and whole commands, never cut or broken over lines
    assert any(line.startswith("Conflict ") for line in term.lines)
    assert "  emdrill drill --family conflict" in term.lines


def test_practice_header_at_40_columns(studied: Path) -> None:
    emdrill("config", "new-per-day", "0")
    due = sum(q["family"] == "technical" for q in json.loads(emdrill("next", "--json")))
    term = Term("commute", "--family", "technical", "--cards", str(due + 2), cols=40, rows=20)
    headers = []
    for _ in range(due + 2):
        term.wait_for("Space reveal")
        headers.append(term.lines[0])
        term.press(" ", then="y nailed")
        term.press("y")
    term.finish()
    assert all(h.startswith("commute · ") and len(h) <= 40 for h in headers)
    assert re.fullmatch(r"commute · \d+ done · 1 left · practice", headers[-1]), headers


@pytest.mark.parametrize("size", ["80x24", "40x20"])
def test_the_commute_shows_what_is_left_and_ends_when_done(studied: Path, size: str) -> None:
    """Issue 24: no --cards, no timer: each header says how many are left, and the commute
    stops by itself once the last due question is answered."""
    emdrill("config", "new-per-day", "0")
    due = sum(q["family"] == "technical" for q in json.loads(emdrill("next", "--json")))
    assert due >= 2
    cols, rows = SIZES[size]
    term = Term("commute", "--family", "technical", cols=cols, rows=rows)
    for n in range(due):
        term.wait_for("Space reveal")
        assert term.lines[0].startswith(f"commute · {n} done · {due - n} left · "), term.text
        assert len(term.lines[0]) <= cols
        term.press(" ", then="y nailed")
        term.press("y")
    screen = term.finish()
    assert term.exitstatus == 0, screen
    assert "Done: nothing more is due." in screen
    assert f"Session over: {due} answered" in " ".join(screen.split())


@pytest.mark.parametrize("command", ["stats", "shaky", "story coverage", "", "show "
                                     "conflict-with-peer", "deck list --ids"])
def test_printed_screens_read_cleanly_at_40_columns(studied: Path, command: str) -> None:
    term = Term(*command.split(), cols=40, rows=200)
    screen = term.finish()
    assert term.exitstatus == 0, screen
    assert "…" not in screen  # a compact layout, not truncation
    assert all(len(line) <= 40 for line in term.lines)
    if command == "stats":
        assert re.search(r"\nconflict \(weak\)  \d+/\d+ seen\n", screen)
        assert re.search(r"\n  intent 0% · story 0% · missed \d+/\d+\n", screen)
    if command == "shaky":
        assert re.search(r"\n  conflict · missed 4 of the last 4\n  latest 3d ago\n", screen)
    if command == "deck list --ids":  # each id on its line, its question under it in words
        # (beside the id, the question was a column one letter wide: 24,516 lines)
        assert re.search(r"\n[a-z0-9]+(-[a-z0-9]+)+\n  \S+ \S+ \S+ \S+", screen), screen
        assert len(term.transcript.splitlines()) < 2000


# ---------------------------------------------------------------- 6. numbers that mean it


def test_shaky_ranks_by_recent_misses_and_says_so(studied: Path) -> None:
    data = json.loads(emdrill("shaky", "--json"))
    misses = [(q["recent_misses"], q["recent_tests"]) for q in data["questions"]]
    assert misses == sorted(misses, key=lambda m: (-m[0], -m[0] / max(m[1], 1)))
    assert data["questions"][0]["family"] == "conflict" and misses[0][0] >= 3
    term = Term("shaky", cols=100, rows=60)
    screen = term.finish()
    assert re.search(r"conflict-\S+ \(conflict\) · missed \d of the last \d", screen)
    assert "recall now" not in screen


def test_stats_family_rows_read_correctly(studied: Path) -> None:
    term = Term("stats", cols=100, rows=60)
    screen = term.finish()
    header = next(line for line in term.lines if line.startswith("family"))
    assert "now" not in header.split()  # retrievability right after a review misled
    assert re.search(r"conflict \(weak\)\s+\d+/\d+ ·····\s+0%\s+·····\s+0%\s+\d+ of \d+",
                     screen)
    assert "tests missed: intent and story recall tests" in " ".join(screen.split())
    data = json.loads(emdrill("stats", "--json"))
    conflict = next(f for f in data["families"] if f["family"] == "conflict")
    assert conflict["missed_30d"] == conflict["tests_30d"] > 0
    assert "intent_retrievability" in conflict  # the JSON shape keeps its fields


# ---------------------------------------------------------------- 7 and 9. advice, backlog


def test_home_screen_names_the_weakest_family_and_the_backlog(studied: Path) -> None:
    term = Term(cols=80, rows=24)
    screen = term.finish()
    flat = " ".join(screen.split())
    assert re.search(r"Weakest: Conflict, 0 of \d+ right this week\.", flat)
    assert "write your story for slot 7 (Resolving team conflict)" in flat
    assert "  emdrill story add --slot 7" in term.lines
    assert "  emdrill drill --family conflict" in term.lines
    assert re.search(r"\d+ questions due: (one 5-minute drill clears|about \d+ drills of 5 "
                     r"minutes clear) (them|it) \(\d+ answers a drill at your pace\)", flat)


@pytest.mark.parametrize("size", ["40x20", "80x24"])
def test_the_home_screen_keeps_its_countdown_on_screen(studied: Path, size: str) -> None:
    """Issue 24: with an interview booked, the home screen at 40x20 was 25 lines, so its
    first lines (the countdown among them) scrolled off. It fits the window now: the lines
    that give way go (blank lines, the FSRS offer, then today's tallies); the countdown,
    the counts and the advice stay."""
    emdrill("interview", "2026-03-20")
    cols, rows = SIZES[size]
    term = Term(cols=cols, rows=rows)
    screen = term.finish()
    assert term.exitstatus == 0, screen
    assert re.fullmatch(r"emdrill · \d+ questions", term.lines[0]), screen
    assert term.lines[1].startswith("  Loop in 18 days · "), screen
    assert re.search(r"exam|· -", term.lines[1]) and len(term.lines[1]) <= cols, screen
    assert "  emdrill drill --family conflict" in term.lines
    assert re.search(r"due now +\d+", screen) and "Or today's drill: emdrill drill" in screen
    assert all(len(line) <= cols for line in term.lines)
    if size == "80x24":  # room enough: nothing gives way
        assert "reviewed today" in screen and "emdrill optimize" in screen
        assert re.search(r"groups \d+/\d+ · recall \d+% · no exam yet · "
                         r"unseen \d+%", term.lines[1]), screen


def test_drill_summary_gives_advice_and_what_is_still_due(studied: Path) -> None:
    term = Term("drill", "--cards", "2", cols=80, rows=24)
    for _ in range(2):
        term.wait_for("Which story")
        term.press("0", then="Intent recall")
        term.press("1")
    flat = " ".join(term.finish().split())
    assert re.search(r"Still \d+ questions due: ", flat)
    assert "Weakest: Conflict" in flat and "emdrill story add --slot 7" in flat
    assert "overdue" not in flat


def test_story_coverage_ranks_gaps_by_weak_questions(studied: Path) -> None:
    screen = Term("story", "coverage", cols=100, rows=40).finish()
    gaps = re.findall(r"- slot (\d) \(", screen)
    assert gaps[0] == "7", screen
    assert "Write next: emdrill story add --slot 7" in screen
    assert re.search(r"slot 7 \(Resolving team conflict\) has no story; \d+ questions rely on "
                     r"it, \d+ of them weak for you", " ".join(screen.split()))


# ---------------------------------------------------------------- 10. commands


def test_drill_by_family_and_deck(studied: Path) -> None:
    term = Term("drill", "--family", "growth", "--deck", "em-core", "--cards", "3",
                cols=80, rows=24)
    for _ in range(3):
        term.wait_for("Which story")
        term.press("0", then="Intent recall")
        term.press("3")
    assert "Session over: 3 answered" in term.finish()
    con = text_reviews(sqlite3.connect(studied / "emdrill.db"))
    families = {f for (f,) in con.execute(
        "SELECT q.family FROM review r JOIN question q ON q.id = r.question_id "
        "WHERE r.reviewed_at >= '2026-03-02'")}
    con.close()
    assert families == {"growth"}
    bad = procs.run([sys.executable, "-m", "emdrill", "drill", "--deck", "nope"],
                    capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert bad.stderr.strip() == ("emdrill: --deck: no deck 'nope' (loaded: em-core; see "
                                  "`emdrill deck list`)")


def test_stats_with_an_interview_plan_reads_cleanly_at_40_columns(studied: Path) -> None:
    emdrill("interview", "2026-03-20")
    term = Term("stats", cols=40, rows=200)
    screen = term.finish()
    assert term.exitstatus == 0, screen
    assert "Ready on the day, per family" in screen
    assert "…" not in screen and all(len(line) <= 40 for line in term.lines)
    assert re.search(r"\nunderperformance +\d+/\d+ +\d+% +\d+%\n", screen)
    assert "  emdrill story add --slot" in screen or "Next: emdrill story add --slot" in screen


@pytest.mark.parametrize("size", ["80x24", "40x20"])
def test_interview_ends_with_what_the_minutes_buy_and_the_next_step(studied: Path,
                                                                   size: str) -> None:
    """Issue 20: the minutes in the user's terms, narrower scopes with their commands and
    the story to write, last, so they are what stays in an 80x24 window."""
    emdrill("interview", "2026-03-12")
    cols, rows = SIZES[size]
    term = Term("interview", cols=cols, rows=rows if cols == 80 else 200)
    screen = term.finish()
    assert term.exitstatus == 0, screen
    flat = " ".join(screen.split())
    assert re.search(r"At your 5 minutes: (\d+ of \d+ intents once|every )", flat), screen
    assert re.search(r"At 10: ", flat) and re.search(r"At 20: ", flat)
    assert "…" not in screen and all(len(line) <= cols for line in term.lines)
    if "Narrower plans that do:" in flat:
        assert re.search(r"emdrill config minutes \d+", flat)
    step = re.search(r"Step: write your slot-(\d) story", flat)
    assert step is not None, screen
    assert f"  emdrill story add --slot {step.group(1)}" in term.lines
