"""A large oracle run by hand, with every wrong answer shrunk and grouped by its reproducer.

Owns the command `python -m tests.oracle N [--no-minimize] [--per-signature K] [--json FILE]` (from the project
root): N random problems judged as in tests/test_oracle.py (every backend on every problem),
the tally printed, then each wrong answer minimised (`minimize.classify`) and the classes
printed with their smallest reproducer, point, truth and what matcalc gave.
"""
from __future__ import annotations

import argparse
import json
import sys

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from .compare import BACKENDS, judge
from .generate import problems
from .minimize import classify
from .tally import Tally


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.oracle")
    ap.add_argument("n", type=int)
    ap.add_argument("--no-minimize", action="store_true")
    ap.add_argument("--per-signature", type=int, default=40,
                    help="how many wrong answers of one signature to minimise")
    ap.add_argument("--json", help="write the counts and the classes here")
    args = ap.parse_args(argv)
    tally = Tally(f"by hand, {args.n}")
    backends = [b for b, r in BACKENDS.items() if r is None]
    tally.skipped.update({b: r for b, r in BACKENDS.items() if r is not None})

    @settings(max_examples=args.n, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(problems(), st.integers(0, 2 ** 32 - 1))
    def one(problem, seed):
        tally.record(judge(problem, seed), backends)
        if tally.total % 500 == 0:
            print(f"... {tally.total} problems, {dict(tally.kinds)}", file=sys.stderr)

    one()
    print("\n".join(tally.summary_lines()))
    classes = [] if args.no_minimize else classify(tally.wrong, args.per_signature)
    for o, n in classes:
        print(f"\n## {n} wrong answer(s) shrink to:\n{o.report()}")
    if args.json:
        out = tally.to_dict()
        out["classes"] = [{"count": n, "signature": o.signature, "reproducer": o.report()}
                          for o, n in classes]
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
