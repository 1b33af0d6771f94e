"""What intent decoding changes, on a learner who confuses one pair (ops/decode_sim.py).

    python bench/decode_sim.py [--seeds 5] [--days 10]

The pair is the method's key example: "unpopular decision" against "difficult decision".
For each seed, the same learner drills daily (12 answers, 10 new a day) once decoding and
once self-grading. Printed per run: wrong picks of the pair listed by `shaky` after drills 1,
2 and 3 and at the end, the first drill that lists it, answers to the pair, contrast picks
(the partner brought back one card later) and the learner's remaining chance of mixing the
two up. The issue's target: with decoding the pair reaches `shaky` within three drills.
"""

from __future__ import annotations

import argparse
import time

from emdrill.ops import decks, decode_sim


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--days", type=int, default=10)
    args = parser.parse_args()
    paths = decks.bundled_paths()
    print(f"pair: {' / '.join(decode_sim.PAIR)} · {args.days} daily drills of 12 answers")
    print(f"{'mode':<12}{'seed':>4}  {'shaky d1/d2/d3/end':<20}{'first':>6}{'answers':>9}"
          f"{'contrast':>10}{'mix-up left':>13}  told apart")
    met = 0
    started = time.perf_counter()
    for seed in range(1, args.seeds + 1):
        for decoding in (True, False):
            r = decode_sim.run(paths, decoding=decoding, days=args.days, seed=seed)
            counts = "/".join(str(n) for n in [*r.in_shaky[:3], r.in_shaky[-1]])
            first = "—" if r.first_drill is None else str(r.first_drill)
            print(f"{'decoding' if decoding else 'self-graded':<12}{seed:>4}  {counts:<20}"
                  f"{first:>6}{r.shown:>9}{r.contrasts:>10}{r.confusion_left:>13.0%}  "
                  f"{'yes' if r.told_apart else 'no'}")
            met += decoding and r.first_drill is not None and r.first_drill <= 3
    print(f"decoding lists the pair within three drills in {met} of {args.seeds} seeds "
          f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
