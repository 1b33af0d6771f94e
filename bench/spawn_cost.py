"""CPU of one emdrill process as the tests start it: cold (`python -m emdrill`) next to
forked from the tests' fork server (tests/zygote.py), for a pty (`Term`, what the screen
tests use) and for pipes (`procs.run`). Usage: .venv/bin/python bench/spawn_cost.py [--runs N]

Each figure is user+sys CPU of the reaped children (RUSAGE_CHILDREN) divided by the runs,
so other load on the machine does not change it much; the server's own start (its one
import of everything) is printed apart, once."""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import pexpect

import procs
import term


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _term(spawn: type[pexpect.spawn], args: list[str]) -> None:
    names = vars(term)  # Term spawns through term's PtySpawn: cold is pexpect's own
    saved, names["PtySpawn"] = names["PtySpawn"], spawn
    try:
        screen = term.Term(*args, cols=80, rows=24)
        screen.finish()
        assert screen.exitstatus == 0, screen.text
    finally:
        names["PtySpawn"] = saved


def _piped(run: Callable[..., subprocess.CompletedProcess[str]], args: list[str]) -> None:
    done = run([*procs.EMDRILL, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as home:
        os.environ.update({"EMDRILL_HOME": home, "EMDRILL_NOW": "2026-03-02T09:00:00+00:00"})
        _piped(subprocess.run, ["status"])  # first use (the bundled deck), not measured
        before = _cpu()
        _piped(procs.run, ["--version"])  # starts the server: its imports, then one child
        started = _cpu() - before
        print(f"server start + first child: {started:.3f} s CPU (counted when it exits)")
        cases: list[tuple[str, Callable[[], None], Callable[[], None]]] = [
            ("Term('help') spawn+exit", lambda: _term(pexpect.spawn, ["help"]),
             lambda: _term(procs.PtySpawn, ["help"])),
            ("Term('status') spawn+exit", lambda: _term(pexpect.spawn, ["status"]),
             lambda: _term(procs.PtySpawn, ["status"])),
            ("run(['--version'])", lambda: _piped(subprocess.run, ["--version"]),
             lambda: _piped(procs.run, ["--version"])),
            ("run(['next', '--json'])", lambda: _piped(subprocess.run, ["next", "--json"]),
             lambda: _piped(procs.run, ["next", "--json"])),
        ]
        print(f"{'per process, user+sys CPU':28} {'cold':>8} {'forked':>8}")
        for name, cold, forked in cases:
            figures = []
            for one in (cold, forked):
                before = _cpu()
                for _ in range(runs):
                    one()
                figures.append((_cpu() - before) / runs)
            print(f"{name:28} {figures[0]:8.3f} {figures[1]:8.3f}")
        procs.ZYGOTE_SERVER.close()
        print(f"the server process itself (its imports, its forks): {_cpu() - before:.3f} s")


if __name__ == "__main__":
    main()
