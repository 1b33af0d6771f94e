"""Nothing committed is lost when the process dies."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

# Grade through the real core, then report and wait to be killed: the kill lands right after
# grade() has returned, with the process (and its database connection) still alive.
_GRADE_THEN_HANG = """
import sys, time
from emdrill.cli.base import open_here
from emdrill.ops import collection
from emdrill import env
from emdrill.ops.collection import StoryAnswer
from emdrill.core.scheduler import Rating
store = open_here(autoload=False)
clock = env.read_clock()
for qid in sys.argv[1:]:
    collection.grade(store, clock, qid, intent=Rating.GOOD, story=StoryAnswer(slot=1))
print("graded", flush=True)
time.sleep(60)
"""


def test_sigkill_right_after_grade_loses_nothing(home: Path, mini_deck: Path) -> None:
    env = {**os.environ}
    load = subprocess.run([sys.executable, "-m", "emdrill", "deck", "load", str(mini_deck)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert load.returncode == 0, load.stderr
    proc = subprocess.Popen([sys.executable, "-c", _GRADE_THEN_HANG, "alpha-1", "beta-1"],
                            env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "graded"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    con = sqlite3.connect(home / "emdrill.db")
    rows = con.execute("SELECT question_id FROM review ORDER BY id").fetchall()
    assert rows == [("alpha-1",), ("beta-1",)]
    facets = con.execute("SELECT count(*) FROM facet WHERE last_review IS NOT NULL").fetchone()
    assert facets == (4,)
    # and the collection still opens and works afterwards
    status = subprocess.run([sys.executable, "-m", "emdrill", "status", "--json"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert json.loads(status.stdout)["reviews_today"] == 2


def test_sigkill_of_the_cli_after_grade_returns(home: Path, mini_deck: Path) -> None:
    env = {**os.environ}
    subprocess.run([sys.executable, "-m", "emdrill", "deck", "load", str(mini_deck)], env=env,
                   check=True, capture_output=True, timeout=60)
    done = subprocess.run([sys.executable, "-m", "emdrill", "grade", "beta-3", "--intent",
                           "hard", "--story", "5"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0
    con = sqlite3.connect(home / "emdrill.db")
    assert con.execute("SELECT question_id, intent_rating, story_rating FROM review"
                       ).fetchall() == [("beta-3", 2, 3)]
