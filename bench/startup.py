"""Whole-process start-up of a few commands, for one or more source trees side by side.

    python bench/startup.py [--runs N] [--src DIR ...]

Each `--src` is a checkout's `src` folder put first on PYTHONPATH (default: the installed
emdrill), so a branch and main can be timed in one alternating loop and machine noise hits
each alike. Every command runs against one collection with the bundled decks loaded. Prints
the median wall time and the median CPU time (user + system of the child) in milliseconds
per command and tree, and the emdrill modules the command loaded; on a shared machine the
CPU time is the figure to compare. `grade` answers the first question `next` gives and
`undo` takes it back, so every run sees the same collection. Nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = [["--version"], ["--help"], ["where"], ["status"], [], ["next", "-n", "5"],
            ["next", "--json"], ["grade", "{id}", "--intent", "good", "--story", "1"], ["undo"],
            ["stats", "--help"]]


def _env(home: Path, src: str | None) -> dict[str, str]:
    env = {**os.environ, "EMDRILL_HOME": str(home), "EMDRILL_NOW": "2026-03-02T09:00:00Z"}
    if src:
        env["PYTHONPATH"] = src
    return env


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) milliseconds of one `emdrill ARGS`."""
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "emdrill", *args], env=env, check=True,
                   capture_output=True)
    return (time.perf_counter() - start) * 1000, (_cpu() - cpu) * 1000


_TRACE = ("import sys\nfrom emdrill.cli.main import main\nsys.argv = ['emdrill', *sys.argv[1:]]\n"
          "try:\n    main()\nfinally:\n    sys.stderr.write('LOADED ' + ' '.join(sys.modules))\n")


def _own_modules(args: list[str], env: dict[str, str]) -> int:
    """How many of emdrill's modules the command loads (a module `importlib.import_module`
    loads is missing from `-X importtime`, so sys.modules is read when the run ends)."""
    done = subprocess.run([sys.executable, "-c", _TRACE, *args], env=env, capture_output=True,
                          text=True)
    loaded = done.stderr.split("LOADED ")[-1].split()
    return sum(1 for n in loaded if n.startswith("emdrill"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--src", action="append", default=[])
    options = parser.parse_args()
    trees: list[str | None] = options.src or [None]
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        _run(["status"], _env(home, trees[0]))  # loads the bundled decks once
        first = subprocess.run([sys.executable, "-m", "emdrill", "next", "--json"],
                               env=_env(home, trees[0]), check=True, capture_output=True)
        qid = json.loads(first.stdout)[0]["id"]
        commands = [[a.replace("{id}", qid) for a in args] for args in COMMANDS]
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(options.runs):
            for args in commands:
                for tree in trees:
                    key = (" ".join(args), tree or "installed")
                    times.setdefault(key, []).append(_run(args, _env(home, tree)))
        print(f"{'command':<22} {'tree':<34} {'wall ms':>7} {'CPU ms':>6} {'modules':>7}")
        for (command, tree), runs in times.items():
            count = _own_modules(command.split(), _env(home, None if tree == "installed"
                                                        else tree))
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            name = (command or "(home)")[:22]
            print(f"{name:<22} {tree[-34:]:<34} {wall:>7.0f} {cpu:>6.0f} {count:>7}")


if __name__ == "__main__":
    main()
