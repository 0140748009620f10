"""§4b Exported code against hand-written code in the SAME library (issue 13, item 6).

For each problem the derivation is exported to NumPy, PyTorch and JAX
(`codegen.export(d, backend)`), and each export is timed against the closed form written by
hand in that library — NumPy, PyTorch, JAX eager, and JAX under `jax.jit` (the export jitted
as it is, `jax.jit(f_and_grad)`, against the hand-written function jitted).  Both return
(value, derivative).  The problems: the gradient and Hessian of the logistic loss (X 2n×n),
of `x' @ A @ x` (A n×n), and the gradient by W1 of the batched MLP
`mse(relu(X @ W1 + b1) @ W2, T)` (a batch of n rows, width 64).  float64 throughout; each
pair is measured interleaved (export, hand, export, …); every export's derivative
is compared with the hand-written one first.  Target: none slower than ×1.1.

Timing: each sample is a batch of calls (as many as take ~2 ms, at least one), timed in wall
time (`time.perf_counter`); export and hand-written alternate (with a second copy of the
hand-written call: the noise floor, printed), after two warm-up calls each, for ≤ 31 rounds;
the ratio is the median over rounds of export ÷ hand-written within the same round (a drift of
the machine's speed between rounds moves both alike).  Earlier runs timed CPU time and
compared medians of each: under `jax.jit` the process's CPU time counts XLA's worker threads
waiting for work, and that method's noise floor was ×2.2–3.4 on calls of 30–400 µs, too
coarse to decide ×1.1.  PyTorch runs on one intra-op thread meanwhile (as in §6).

    python bench/same_library.py [--quick | --tiny]
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):                       # `python bench/same_library.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (available as _available, fmt_ratio, fmt_time, interleaved,
                          paired_ratio, table)

LOGISTIC = ("sum(log(1 + exp(-y ⊙ (X @ w))))", "w", {"X": "m,n", "w": "n", "y": "m"})
QUAD = ("x' @ A @ x", "x", {"x": "n", "A": "n,n"})
MLP = ("mse(relu(X @ W1 + b1) @ W2, T)", "W1", {"X": "N,h", "W1": "h,h", "W2": "h,h",
                                               "b1": "h", "T": "N,h"})
WIDTH = 64
TARGET = 1.1


def _data(name, n, rng):
    import numpy as np
    if name == "logistic":
        return {"X": rng.standard_normal((2 * n, n)) / np.sqrt(n),
                "w": rng.standard_normal(n), "y": rng.choice([-1.0, 1.0], 2 * n)}
    if name == "quad":
        return {"A": rng.standard_normal((n, n)), "x": rng.standard_normal(n)}
    h = WIDTH
    return {"X": rng.standard_normal((n, h)), "W1": rng.standard_normal((h, h)) / 8,
            "b1": rng.standard_normal(h), "W2": rng.standard_normal((h, h)) / 8,
            "T": rng.standard_normal((n, h))}


def _hand(lib):
    """The hand-written closed forms in one library: {(problem, order): f(**arrays)}."""
    if lib == "numpy":
        import numpy as m
        sig, softplus, step = (lambda z: 0.5 * (1 + m.tanh(0.5 * z)),
                               lambda z: m.logaddexp(0.0, z), lambda z: (z > 0) * 1.0)
    elif lib == "pytorch":
        import torch as m
        F = m.nn.functional
        sig, softplus, step = m.sigmoid, F.softplus, (lambda z: (z > 0).to(z.dtype))
    else:
        import jax
        import jax.numpy as m
        sig, softplus, step = jax.nn.sigmoid, jax.nn.softplus, (lambda z: (z > 0) * 1.0)

    def lg1(X, w, y):
        t = -y * (X @ w)
        return softplus(t).sum(), -((y * sig(t)) @ X)

    def lg2(X, w, y):
        # the Hessian for any y, as the export computes it: y² stays (it is 1 only for
        # labels ±1, which the derivation cannot know)
        t = -y * (X @ w)
        s = sig(t)
        return softplus(t).sum(), X.T @ ((y * y * s * (1 - s))[:, None] * X)

    def q1(A, x):
        return x @ (A @ x), A @ x + x @ A

    def q2(A, x):
        return x @ (A @ x), A + A.T

    def mlp1(X, W1, b1, W2, T):
        Z = X @ W1 + b1
        R = (Z * (Z > 0)) @ W2 - T
        c = 2.0 / R.numel() if lib == "pytorch" else 2.0 / R.size
        return (R ** 2).mean(), X.T @ (step(Z) * (R @ W2.T)) * c
    return {("logistic", 1): lg1, ("logistic", 2): lg2, ("quad", 1): q1, ("quad", 2): q2,
            ("mlp", 1): mlp1}


def _export(d, backend):
    from matcalc import codegen
    ns: dict = {}
    exec(compile(codegen.export(d, backend), f"<export {backend}>", "exec"), ns)  # noqa: S102
    return ns["f_and_hess" if d.order == 2 else "f_and_grad"], codegen._arguments(d)


def run(mode: str = "full", log=print) -> dict:
    """The section; torch's intra-op threads set to one meanwhile (as in §6)."""
    if not _available("torch"):
        return _run(mode, log)
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run(mode, log)
    finally:
        torch.set_num_threads(before)


def _run(mode, log) -> dict:
    import numpy as np
    import matcalc
    libs = ["numpy"] + (["pytorch"] if _available("torch") else []) + \
        (["jax", "jax (jit)"] if _available("jax") else [])
    if "jax" in libs:
        import jax
        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_platforms", "cpu")
    sizes = {"tiny": [16], "quick": [100, 400], "full": [100, 500, 1000]}[mode]
    rounds = {"tiny": 5, "quick": 31, "full": 61}[mode]
    budget = {"tiny": 0.05, "quick": 2.0, "full": 3.0}[mode]
    hands = {lib: _hand(lib.split()[0]) for lib in libs}
    rng = np.random.default_rng(0)
    results, rows = [], []
    problems = {("logistic", 1): LOGISTIC, ("logistic", 2): LOGISTIC, ("quad", 1): QUAD,
                ("quad", 2): QUAD, ("mlp", 1): MLP}
    if mode == "tiny":                                   # one gradient, one Hessian
        problems = {k: v for k, v in problems.items() if k in (("quad", 2), ("mlp", 1))}
    for (name, order), (text, wrt, shapes) in problems.items():
        d = matcalc.derive(text, wrt, shapes=shapes, order=order)
        exports = {lib: _export(d, lib.split()[0]) for lib in libs}
        for n in sizes:
            data = _data(name, n, rng)
            rec = {"problem": name, "order": order, "n": n, "times": {}, "ratios": {},
                   "errors": {}}
            want = np.asarray(hands["numpy"][(name, order)](**data)[1])
            for lib in libs:
                fn, args = exports[lib]
                hand = hands[lib][(name, order)]
                if lib == "numpy":
                    arrs = dict(data)
                elif lib == "pytorch":
                    import torch
                    arrs = {k: torch.from_numpy(v) for k, v in data.items()}
                else:
                    import jax
                    import jax.numpy as jnp
                    arrs = {k: jnp.asarray(v) for k, v in data.items()}
                    if lib == "jax (jit)":
                        fn, hand = jax.jit(fn), jax.jit(hand)
                pos = [arrs[a] for a in args]
                sync = (lambda r: jax.block_until_ready(r)) if lib.startswith("jax") else \
                    (lambda r: r)
                try:
                    got = np.asarray(sync(fn(*pos))[1]).reshape(want.shape)
                    err = float(np.abs(got - want).max()) / max(1.0, float(np.abs(want).max()))
                    rec["errors"][lib] = err
                    t = interleaved({"export": lambda: sync(fn(*pos)),
                                     "hand": lambda: sync(hand(**arrs)),
                                     "hand again": lambda: sync(hand(**arrs))},
                                    batch=2e-3, budget=budget, max_rounds=rounds)
                    rec["times"][lib] = {k: statistics.median(v) for k, v in t.items()}
                    rec["ratios"][lib] = paired_ratio(t["export"], t["hand"])
                    rec.setdefault("control", {})[lib] = paired_ratio(t["hand again"], t["hand"])
                except Exception as e:  # noqa: BLE001 — reported, not timed
                    rec["errors"][lib] = f"error: {type(e).__name__}: {str(e)[:120]}"
            results.append(rec)
            cells = []
            for lib in libs:
                r, e = rec["ratios"].get(lib), rec["errors"].get(lib)
                bad = "" if isinstance(e, float) and e < 1e-8 else f" DIFFERS ({e})"
                cells.append(f"{fmt_time(rec['times'][lib]['export'])} "
                             f"{fmt_ratio(r)}{bad}" if r is not None else str(e))
            rows.append([f"{name} {'∇' if order == 1 else '∇²'}", n] + cells)
    log(table(["problem", "n"] + [f"{lib} export (× hand {lib})" for lib in libs], rows))
    worst = max(((r["ratios"][lib], f"{r['problem']} order {r['order']} n={r['n']} {lib}")
                 for r in results for lib in r["ratios"] if r["ratios"][lib] is not None),
                default=None)
    differ = [f"{r['problem']} order {r['order']} n={r['n']} {lib}" for r in results
              for lib, e in r["errors"].items() if not (isinstance(e, float) and e < 1e-8)]
    # the noise floor: the hand-written function timed twice in the same rounds
    control = [r["control"][lib] for r in results for lib in r.get("control", {})
               if r["control"][lib] is not None]
    spread = max((max(c, 1 / c) for c in control), default=None)
    summary = {"worst": worst[0] if worst else None, "worst_case": worst[1] if worst else None,
               "differ": differ, "libraries": libs, "control_spread": spread}
    log(f"cells: the export's wall time per call (median of ≤ {rounds} interleaved rounds) and "
        f"×(export / the hand-written closed form in the same library: the median over rounds "
        f"of the ratio within a round)")
    if spread is not None:
        log(f"noise floor: the hand-written function against itself (a second copy in the "
            f"same rounds) differs by up to {fmt_ratio(spread)} in this run")
    if worst:
        log(f"exported vs hand-written in the same library: worst {fmt_ratio(worst[0])} "
            f"({worst[1]}) — target ≤ ×{TARGET}: {'met' if worst[0] <= TARGET else 'MISSED'}")
    return {"results": results, "summary": summary}


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description="§4b of the bench alone: each export against the "
                                 "closed form hand-written in its own library.")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="n = 100, 400; ≤ 15 rounds")
    g.add_argument("--tiny", action="store_true", help="n = 16, two problems: proves it runs")
    args = ap.parse_args(argv)
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    print(f"§4b same library ({mode}) — {time.strftime('%Y-%m-%d %H:%M:%S')}", flush=True)
    run(mode, log=lambda *a: print(*a, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
