"""Leftovers in random answers: derive random well-typed expressions (tests/strategies.py) by
each of their variables and count the answers holding something a person would have
simplified away (`matcalc.readability.leftovers`: zeros, identities, `𝟏ᵀ diag(v)`, foldable
constants, …).

    python bench/leftovers.py --n 3000            # the table of leftover kinds, and examples
    python bench/leftovers.py --n 500 --check     # also prove every answer (slow)

Deterministic: the same --n and --seed draw the same expressions.  Needs hypothesis.
"""
from __future__ import annotations

import argparse
import collections
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def draw_texts(n: int, seed: int, max_depth: int = 5) -> list[str]:
    """n well-shaped texts, the same for the same (n, seed)."""
    from hypothesis import HealthCheck, given, settings
    from tests.strategies import well_shaped
    out: list[str] = []

    @settings(max_examples=n, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(well_shaped(max_depth))
    def collect(text):
        out.append(text)

    random.seed(seed)
    collect()
    return list(dict.fromkeys(out))[:n]


def answers(texts, check=False):
    """(text, wrt, derivation or None, error) for each text and each of its variables."""
    import matcalc
    from tests.strategies import SHAPES
    for text in texts:
        try:
            e = matcalc.parse(text, SHAPES)
        except matcalc.MatcalcError:
            continue
        for wrt in sorted(e.free_vars()):
            try:
                d = matcalc.derive(text, wrt, shapes=SHAPES)
                if check and not d.check(methods=("numeric",)).passed:
                    yield text, wrt, d, "check failed"
                    continue
                yield text, wrt, d, None
            except matcalc.MatcalcError as err:
                yield text, wrt, None, type(err).__name__


def run(n: int, seed: int = 0, check: bool = False, show: int = 8) -> dict:
    from matcalc.readability import leftovers
    t0 = time.perf_counter()
    texts = draw_texts(n, seed)
    kinds: collections.Counter = collections.Counter()
    examples: dict = {}
    total = with_leftovers = errors = failed = 0
    for text, wrt, d, err in answers(texts, check):
        if d is None:
            errors += 1
            continue
        failed += err == "check failed"
        total += 1
        found = leftovers(d.result)
        if found:
            with_leftovers += 1
        for f in found:
            kind = f.split(" in ")[0].split(" ")[0] if " in " in f else f.split(" ")[0]
            kinds[kind] += 1
            examples.setdefault(kind, (text, wrt, str(d.result)))
    out = {"expressions": len(texts), "answers": total, "refused": errors,
           "check_failed": failed, "with_leftovers": with_leftovers,
           "kinds": dict(kinds), "examples": examples,
           "seconds": round(time.perf_counter() - t0, 1)}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check", action="store_true")
    a = p.parse_args(argv)
    r = run(a.n, a.seed, a.check)
    print(f"{r['answers']} answers from {r['expressions']} expressions ({r['refused']} refused"
          f", {r['check_failed']} failed the check) in {r['seconds']} s")
    share = 100 * r["with_leftovers"] / max(1, r["answers"])
    print(f"answers with leftovers: {r['with_leftovers']} ({share:.2f} %)")
    for kind, k in sorted(r["kinds"].items(), key=lambda kv: -kv[1]):
        text, wrt, res = r["examples"][kind]
        print(f"  {k:>5}  {kind:<14} e.g. ∂/∂{wrt} {text}  =  {res[:150]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
