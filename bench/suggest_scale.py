"""`import` of a question list and `suggest` at 10k questions: this code against a baseline.

    python bench/suggest_scale.py [--questions 10000] [--lines 100,1000] [--baseline main]
                                  [--runs 1] [--only import,suggest]

Builds one collection: the bundled deck plus a generated user deck (`questions` in all)
whose cards carry the bundled deck's realistic text (each card the fields of one bundled card,
its question joined with another card's, so no two read alike), loaded by the real loader,
with no reviews (neither command reads them). The list holds the labelled questions
(tests/data/labelled-questions.tsv) cycled, each line made distinct by a trailing number.
Then, for each line count, `emdrill import LIST` (each run on a fresh copy of the data folder,
so it always imports new rows; the cache of the suggestion model is copied with it, warm, as
a user's would be) and `emdrill suggest --json` with the list on stdin, run as whole processes
by this code and by the baseline (a git ref's src/, run from a temporary copy by the same
Python), alternating, so load hits both alike. Prints wall and CPU seconds (the CPU of the
child, the steadier figure on a shared machine) and baseline / this. Nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "labelled-questions.tsv"
NOW = "2026-03-02T09:00:00+00:00"


def _toml(value: str) -> str:
    import json
    return json.dumps(value, ensure_ascii=False)


def deck_text(n: int) -> str:
    """A user deck of `n` cards made from the bundled deck's text."""
    bundled: list[dict[str, Any]] = tomllib.loads(
        (ROOT / "decks" / "em-core.toml").read_text(encoding="utf-8"))["questions"]
    rng = random.Random(7)
    parts = ['[deck]\nid = "bench"\nname = "Bench"\nversion = "1"\ndescription = "bench"\n']
    for i in range(n):
        q, other = bundled[i % len(bundled)], bundled[rng.randrange(len(bundled))]
        story = q["story"] if isinstance(q["story"], int) else '"system"'
        also = ", ".join(str(a) if isinstance(a, int) else _toml(a) for a in q.get("also", []))
        parts.append(
            f'[[questions]]\nid = "bench-{i}"\nfamily = "{q["family"]}"\n'
            f'text = {_toml(q["text"] + " " + other["text"])}\nintent = {_toml(q["intent"])}\n'
            f'probes = [{", ".join(map(_toml, q["probes"]))}]\nstory = {story}\n'
            f"also = [{also}]\n"
            f'system = {_toml(q["system"])}\ntraits = [{", ".join(map(_toml, q["traits"]))}]\n'
            f'pitfall = {_toml(q["pitfall"])}\n'
            f'follow_ups = [{", ".join(map(_toml, q["follow_ups"]))}]\n')
    return "\n".join(parts)


def list_text(n: int) -> str:
    rows = LABELLED.read_text(encoding="utf-8").splitlines()[1:]
    texts = [row.split("\t")[2] for row in rows]
    return "".join(f"{texts[i % len(texts)].rstrip('?')} ({i + 1})?\n" for i in range(n))


def build(home: Path, questions: int) -> None:
    from emdrill.ops import decks, opening

    now = datetime.fromisoformat(NOW).astimezone(UTC)
    home.mkdir(parents=True)
    store = opening.open_collection(home / "emdrill.db", now=now)
    bundled = tomllib.loads((ROOT / "decks" / "em-core.toml").read_text(encoding="utf-8"))
    extra = questions - len(bundled["questions"])
    deck = home / "bench-deck.toml"
    deck.write_text(deck_text(max(0, extra)), encoding="utf-8")
    decks.load_paths(store, [deck], now=now)
    store.close()


def baseline(ref: str, into: Path) -> Path:
    """The `src` folder of git ref `ref`, extracted into `into`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def timed(cmd: list[str], env: dict[str, str], stdin: str = "") -> tuple[float, float]:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, input=stdin.encode())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd[:4])} failed: {done.stderr.decode()[-500:]}")
    return wall, after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--lines", default="100,1000")
    parser.add_argument("--baseline", default="main", help="git ref to compare with")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", default="import,suggest")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        home = tmp / "home"
        start = time.process_time()
        build(home, args.questions)
        print(f"built {args.questions} questions in {time.process_time() - start:.0f} s CPU")
        codes = {"this": str(ROOT / "src"), "baseline": str(baseline(args.baseline, tmp))}
        py = sys.executable
        for name, src in codes.items():  # warm each one's model cache, as a user's would be
            env = {**os.environ, "EMDRILL_HOME": str(home), "EMDRILL_NOW": NOW,
                   "PYTHONPATH": src}
            cache = home / "suggest-model.json"
            cache.unlink(missing_ok=True)
            wall, cpu = timed([py, "-m", "emdrill", "suggest", "Why this company?"], env)
            print(f"{name}: model built and cached by one suggest: {wall:.1f} s wall, "
                  f"{cpu:.1f} s CPU")
            shutil.copy(cache, tmp / f"cache-{name}.json")
        print(f"{'command':<34} {'code':<9} {'wall s':>8} {'cpu s':>8}")
        for lines in map(int, args.lines.split(",")):
            listed = tmp / f"list-{lines}.txt"
            listed.write_text(list_text(lines), encoding="utf-8")
            results: dict[tuple[str, str], list[tuple[float, float]]] = {}
            for _ in range(args.runs):
                for name, src in codes.items():
                    for command in args.only.split(","):
                        run = tmp / "run"
                        shutil.rmtree(run, ignore_errors=True)
                        shutil.copytree(home, run)
                        shutil.copy(tmp / f"cache-{name}.json", run / "suggest-model.json")
                        env = {**os.environ, "EMDRILL_HOME": str(run), "EMDRILL_NOW": NOW,
                               "PYTHONPATH": src}
                        if command == "import":
                            cmd = [py, "-m", "emdrill", "import", str(listed)]
                            got = timed(cmd, env)
                        else:
                            got = timed([py, "-m", "emdrill", "suggest", "--json"], env,
                                        stdin=listed.read_text(encoding="utf-8"))
                        results.setdefault((command, name), []).append(got)
            for command in args.only.split(","):
                for name in codes:
                    runs = results[command, name]
                    wall = sorted(w for w, _ in runs)[len(runs) // 2]
                    cpu = sorted(c for _, c in runs)[len(runs) // 2]
                    print(f"{command + f' {lines} lines':<34} {name:<9} {wall:8.1f} {cpu:8.1f}")
                this = sorted(c for _, c in results[command, "this"])[args.runs // 2]
                base = sorted(c for _, c in results[command, "baseline"])[args.runs // 2]
                print(f"{'':<34} {'ratio':<9} {'':>8} {base / this:7.1f}x (baseline / this, CPU)")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
