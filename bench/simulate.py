"""The weakness simulation, in the scenarios docs/weakness.md reports.

    python bench/simulate.py [--runs 4] [--weak FAMILY] [--days 60]

Runs the same core as `emdrill simulate` (emdrill.ops.simulation) on the bundled deck: 60 days of
five-minute drills (12 answers). Scenarios: the app's default intake of 10 new questions a
day with a weak family that keeps 0.15 of each review's consolidation, the same with a
milder weakness (0.3), and a slower intake of 3 a day, which leaves some practice time. Each
runs with adaptivity on and off and prints the comparison and the three targets.
"""

from __future__ import annotations

import argparse
import time

from emdrill.ops import decks, simulation
from emdrill.ui.stats_view import show_simulation

SCENARIOS = ((10, 0.15), (10, 0.3), (3, 0.15))  # (new per day, weak family's learning)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--weak", default=None)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    paths = decks.bundled_paths()
    weak = args.weak or simulation.default_weak_family(paths)
    for new_per_day, learning in SCENARIOS:
        started = time.perf_counter()
        plan = simulation.SimulationPlan(days=args.days, new_per_day=new_per_day)
        learner = simulation.Learner(weak, weak_learning=learning)
        result = simulation.compare(paths, learner, plan, runs=args.runs)
        show_simulation(result, title=(
            f"{args.days} days x {plan.answers} answers, {new_per_day} new a day, '{weak}' "
            f"keeps {learning:g} of each review, mean of {args.runs} runs "
            f"({time.perf_counter() - started:.0f} s)"))
        print()


if __name__ == "__main__":
    main()
