"""Several emdrills starting at once on a data folder that has no collection yet.

    python bench/first_use_race.py [--rounds 30] [--processes 8] [--busy 4]

Each round starts `--processes` commands on a fresh folder, all at once (`status`,
`next --json`, `stats --json`, `status --json` and a `grade`, in turn), while `--busy`
processes keep the CPUs busy (races show under load), and counts the commands and the rounds
that failed, with each distinct failure's message. Every command should succeed: the first
creates the collection and loads the deck, the others wait their turn. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

COMMANDS = (["status"], ["next", "--json"], ["stats", "--json"], ["status", "--json"],
            ["grade", "decisions-unpopular", "--intent", "good", "--story", "1"])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--busy", type=int, default=4, help="CPU-burning processes alongside")
    args = parser.parse_args()
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(args.busy)]
    failed: list[str] = []
    bad_commands = 0
    failed_rounds: list[int] = []
    try:
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory(prefix="emdrill-race-") as home:
                env = {**os.environ, "EMDRILL_HOME": home}
                procs = [subprocess.Popen([sys.executable, "-m", "emdrill",
                                           *COMMANDS[i % len(COMMANDS)]],
                                          env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE, text=True)
                         for i in range(args.processes)]
                errors = [p.communicate(timeout=120)[1] for p in procs]
                bad = [e.strip() for p, e in zip(procs, errors, strict=True) if p.returncode]
                bad_commands += len(bad)
                if bad:
                    failed_rounds.append(len(bad))
                    failed.extend(e.splitlines()[-1] for e in bad)
    finally:
        for b in burners:
            b.kill()
    rounds = len(failed_rounds)
    print(f"{bad_commands} of {args.rounds * args.processes} commands failed, in {rounds} of "
          f"{args.rounds} rounds ({args.processes} processes at once, {args.busy} busy)")
    for line in dict.fromkeys(failed):
        print("  " + line)


if __name__ == "__main__":
    main()
