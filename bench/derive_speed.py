"""§2 Derivation speed: in-process `matcalc.derive` against SymPy's MatrixSymbol `.diff` (and
tensorgrad when installed) on the shared battery, every answer checked numerically.

matcalc's time includes parsing the text (what a user pays); SymPy's and tensorgrad's time is
the differentiation alone (the expression is built beforehand, untimed; SymPy's cache is
cleared before every run) — the comparison is tilted toward the peers, never toward matcalc.

The ratios: each engine is first run alone (its answer checked, its time measured), then the
engines whose answers count are timed in interleaved rounds (matcalc, SymPy, tensorgrad,
matcalc, …; ≥ 5 rounds, a batch of ~20 ms of each per round), and a problem's ratio is the
median over rounds of the peer's time ÷ matcalc's in the same round: this VM's speed moves
±30 % between seconds, which timing each engine in its own stretch put into the ratio.
"""
from __future__ import annotations

import signal
import statistics
from contextlib import contextmanager

from bench.battery import (SIZES, Problem, battery, compare, fd_derivative, paper_cases,
                           random_point, ref_names)
from bench.common import fmt_ratio, fmt_time, interleaved, measure, paired_ratio, table

TIMEOUT = 20.0


class Timeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    def handler(signum, frame):
        raise Timeout(f"over {seconds:g} s")
    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _err(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"


# -- matcalc -------------------------------------------------------------------------------------

def run_matcalc(p: Problem, budget: float, points: int = 2) -> dict:
    import numpy as np
    import matcalc
    out: dict = {"engine": "matcalc"}
    try:
        with time_limit(TIMEOUT):
            d = matcalc.derive(p.text, p.wrt, shapes=p.shapes, order=p.order)
            out["time"] = measure(lambda: matcalc.derive(p.text, p.wrt, shapes=p.shapes,
                                                         order=p.order), budget=budget)
    except Exception as e:  # noqa: BLE001 — an engine failure is a finding, not a crash
        return {**out, "status": "error", "error": _err(e)}
    out["result"] = str(d)
    out["result_chars"] = len(out["result"])
    if p.ref is None:
        out["status"] = "derived"
        return out
    try:
        f = d.lambdify()
        rng = np.random.default_rng(0)
        verdicts = []
        for _ in range(points):
            pt = random_point(p, rng, ref_names(p))
            verdicts.append(compare(f(**pt), fd_derivative(p, pt)))
        out["status"] = "ok" if all(v == "ok" for v in verdicts) else \
            ("ok-transposed" if all(v.startswith("ok") for v in verdicts) else "wrong")
    except Exception as e:  # noqa: BLE001
        out["status"], out["error"] = "uneval", _err(e)
    return out


# -- SymPy ---------------------------------------------------------------------------------------

def sympy_value(res, syms: dict, dims: dict, pt: dict):
    """The numeric value of a SymPy result at `pt` (sizes from SIZES): the symbolic sizes and
    every MatrixSymbol replaced by explicit matrices, then doit()."""
    import numpy as np
    import sympy as sp
    sub = {s: SIZES[k] for k, s in dims.items()}
    r = res.xreplace(sub) if sub else res
    vals = {}
    for name, s in syms.items():
        if name not in pt:
            continue
        v = pt[name]
        if isinstance(s, sp.MatrixSymbol):
            s2 = s.xreplace(sub)
            vals[s2] = sp.ImmutableMatrix(np.asarray(v, dtype=float).reshape(
                tuple(int(d) for d in s2.shape)))
        else:
            vals[s] = sp.Float(v)
    out = r.xreplace(vals).doit()
    if hasattr(out, "as_explicit"):
        out = out.as_explicit()
    if hasattr(out, "evalf"):
        out = out.evalf()
    return np.array(out.tolist() if hasattr(out, "tolist") else out, dtype=float)


def run_sympy(p: Problem, budget: float, points: int = 2) -> dict:
    import numpy as np
    from sympy.core.cache import clear_cache
    out: dict = {"engine": "sympy"}
    if p.sympy is None:
        return {**out, "status": "n/a"}
    try:
        with time_limit(TIMEOUT):
            expr, wrt, syms, dims = p.sympy()
    except Exception as e:  # noqa: BLE001
        return {**out, "status": "error", "error": "build: " + _err(e)}

    def diff():
        r = expr.diff(wrt)
        return r.diff(wrt) if p.order == 2 else r
    try:
        with time_limit(TIMEOUT):
            res = diff()
            out["time"] = measure(diff, setup=clear_cache, budget=budget, warmup=0)
    except Exception as e:  # noqa: BLE001
        return {**out, "status": "error", "error": "derive: " + _err(e)}
    out["result"] = str(res)[:300]
    try:
        rng = np.random.default_rng(0)
        verdicts = []
        with time_limit(TIMEOUT):
            for _ in range(points):
                pt = random_point(p, rng, ref_names(p))
                verdicts.append(compare(sympy_value(res, syms, dims, pt), fd_derivative(p, pt)))
        out["status"] = "ok" if all(v == "ok" for v in verdicts) else \
            ("ok-transposed" if all(v.startswith("ok") for v in verdicts) else "wrong")
    except Exception as e:  # noqa: BLE001
        out["status"], out["error"] = "uneval", "evaluate: " + _err(e)
    return out


# -- tensorgrad (optional) -------------------------------------------------------------------------

def tensorgrad_available() -> bool:
    try:
        import tensorgrad  # noqa: F401
        return True
    except Exception:  # noqa: BLE001 — any import failure means: skip the column
        return False


def run_tensorgrad(p: Problem, budget: float) -> dict:
    out: dict = {"engine": "tensorgrad"}
    if p.tensorgrad is None:
        return {**out, "status": "n/a"}
    try:
        with time_limit(TIMEOUT):
            expr, x = p.tensorgrad()

            def diff():
                g = expr.grad(x)
                if p.order == 2:
                    g = g.grad(x)
                return g.full_simplify()
            res = diff()
            out["time"] = measure(diff, budget=budget, warmup=0, max_repeats=10)
    except Timeout:
        return {**out, "status": "timeout", "error": f"no answer within {TIMEOUT:g} s"}
    except Exception as e:  # noqa: BLE001
        return {**out, "status": "error", "error": _err(e)}
    out["result_chars"] = len(repr(res))
    # tensorgrad 0.3.0 evaluates through PyTorch named tensors, which torch 2.13.0 lacks:
    # its answers are derived but not checked numerically here.
    out["status"] = "derived (unchecked)"
    return out


# -- the section ---------------------------------------------------------------------------------

STATUS = {"ok": "✓", "ok-transposed": "✓ᵀ", "wrong": "✗ WRONG", "error": "✗ error",
          "uneval": "? uneval", "n/a": "–", "timeout": f"⏱ > {TIMEOUT:g} s", "derived": "✓?", "derived (unchecked)": "✓?"}


def _cell(r: dict) -> str:
    s = STATUS.get(r.get("status"), r.get("status"))
    t = r.get("time", {}).get("interleaved_median", r.get("time", {}).get("median"))
    return f"{s} {fmt_time(t)}" if t is not None else s


BATCH = 0.02     # ~20 ms of each engine a round: matcalc's calls run warm after the first, as
#                  when it is timed alone and in a user's loop (2 ms put them cold after SymPy)


def _paired_ratios(r: dict, p: Problem, budget: float, use_tg: bool) -> None:
    """r['ratio_sympy'] / r['ratio_tensorgrad']: the median over interleaved rounds of the
    peer's time ÷ matcalc's in the same round (None where either has no right answer)."""
    import matcalc
    from sympy.core.cache import clear_cache
    calls = {}
    if r["matcalc"]["status"] not in ("ok", "ok-transposed"):
        r["ratio_sympy"] = r["ratio_tensorgrad"] = None
        return
    calls["matcalc"] = (lambda: matcalc.derive(p.text, p.wrt, shapes=p.shapes, order=p.order),
                        None, r["matcalc"]["time"]["median"])     # (fn, setup, typical time)
    if r["sympy"]["status"] in ("ok", "ok-transposed"):
        expr, wrt, _syms, _dims = p.sympy()

        def sym():
            g = expr.diff(wrt)
            return g.diff(wrt) if p.order == 2 else g
        calls["sympy"] = (sym, clear_cache, r["sympy"]["time"]["median"])
    if use_tg and r["tensorgrad"]["status"].startswith("derived"):
        texpr, x = p.tensorgrad()

        def tg():
            g = texpr.grad(x)
            return (g.grad(x) if p.order == 2 else g).full_simplify()
        calls["tensorgrad"] = (tg, None, r["tensorgrad"]["time"]["median"])
    times = interleaved({k: c[0] for k, c in calls.items()}, batch=BATCH, budget=budget,
                        max_rounds=30, typical={k: c[2] for k, c in calls.items()},
                        setups={k: c[1] for k, c in calls.items() if c[1]}) \
        if len(calls) > 1 else {}
    for peer in ("sympy", "tensorgrad"):
        if peer in times:
            r[peer]["time"]["interleaved_median"] = statistics.median(times[peer])
            r["matcalc"]["time"]["interleaved_median"] = statistics.median(times["matcalc"])
            r[f"ratio_{peer}"] = paired_ratio(times[peer], times["matcalc"])
        else:
            r[f"ratio_{peer}"] = None
        r[f"rounds_{peer}"] = len(times.get(peer, ()))


def run(mode: str = "full", log=print) -> dict:
    budget = {"tiny": 0.05, "quick": 0.2, "full": 0.4}[mode]
    import matcalc
    matcalc.derive("x^2", "x")                        # load the rule book once
    problems = battery(deep_levels=(1, 2) if mode == "tiny" else (1, 2, 4, 8))
    if mode == "tiny":
        problems = [p for p in problems if p.id in ("paper_3", "paper_28a", "quad", "logdet",
                                                    "logistic")]
    use_tg = tensorgrad_available() and mode != "tiny"
    rows, results = [], []
    for p in problems:
        r = {"id": p.id, "text": p.text, "wrt": p.wrt, "order": p.order, "group": p.group,
             "matcalc": run_matcalc(p, budget), "sympy": run_sympy(p, budget)}
        if use_tg:
            r["tensorgrad"] = run_tensorgrad(p, budget)
        _paired_ratios(r, p, 3 * budget, use_tg)
        if not use_tg:
            r.pop("ratio_tensorgrad", None)
        results.append(r)
        row = [p.id, (p.text if p.order == 1 else "∇² " + p.text) + f"  /{p.wrt}",
               _cell(r["matcalc"]), _cell(r["sympy"]), fmt_ratio(r["ratio_sympy"])]
        if use_tg:
            row += [_cell(r["tensorgrad"]), fmt_ratio(r.get("ratio_tensorgrad"))]
        rows.append(row)

    # every paper example (tests/test_paper.py CASES), matcalc alone: the time per answer
    paper = []
    cases = paper_cases()
    if mode == "tiny":
        cases = cases[:4]
    for ex, text, wrt, shapes, _expected, layout in cases:
        try:
            t = measure(lambda: matcalc.derive(text, wrt, shapes=shapes, layout=layout),
                        budget=budget / 4, max_repeats=20)["median"]
            paper.append({"example": ex, "time": t})
        except Exception as e:  # noqa: BLE001
            paper.append({"example": ex, "error": _err(e)})

    both = [r["ratio_sympy"] for r in results if r["ratio_sympy"]]
    sym = [r["sympy"]["status"] for r in results if r["sympy"]["status"] != "n/a"]
    summary = {
        "problems": len(results),
        "matcalc_correct": sum(r["matcalc"]["status"] == "ok" for r in results),
        "matcalc_wrong": [r["id"] for r in results if r["matcalc"]["status"] == "wrong"],
        "matcalc_errors": {r["id"]: r["matcalc"].get("error") for r in results
                           if r["matcalc"]["status"] in ("error", "uneval")},
        "sympy_attempted": len(sym),
        "sympy_correct": sum(s == "ok" for s in sym),
        "sympy_transposed": [r["id"] for r in results if r["sympy"]["status"] == "ok-transposed"],
        "sympy_wrong": [r["id"] for r in results if r["sympy"]["status"] == "wrong"],
        "sympy_errors": {r["id"]: r["sympy"].get("error") for r in results
                         if r["sympy"]["status"] in ("error", "uneval")},
        "both_solve": len(both),
        "median_ratio_sympy_over_matcalc": statistics.median(both) if both else None,
        "min_ratio_sympy_over_matcalc": min(both) if both else None,
        "matcalc_median_time": statistics.median(
            [r["matcalc"]["time"]["median"] for r in results if "time" in r["matcalc"]]),
        "paper_examples": len(paper),
        "paper_median_time": statistics.median([p["time"] for p in paper if "time" in p]),
        "paper_max_time": max(p["time"] for p in paper if "time" in p),
        "paper_errors": {p["example"]: p["error"] for p in paper if "error" in p},
        "tensorgrad": "installed" if use_tg else (
            "skipped in tiny mode" if tensorgrad_available() else "not installed (optional)"),
    }
    if use_tg:
        tg = [r["ratio_tensorgrad"] for r in results if r.get("ratio_tensorgrad")]
        summary["median_ratio_tensorgrad_over_matcalc"] = statistics.median(tg) if tg else None
        summary["tensorgrad_both"] = len(tg)
        summary["tensorgrad_errors"] = {r["id"]: r["tensorgrad"].get("error") for r in results
                                        if r["tensorgrad"]["status"] in ("error", "timeout")}
        summary["tensorgrad_not_written"] = [r["id"] for r in results
                                             if r["tensorgrad"]["status"] == "n/a"]
    headers = ["problem", "expression", "matcalc", "SymPy MatrixSymbol", "SymPy/matcalc"]
    if use_tg:
        headers += ["tensorgrad", "tensorgrad/matcalc"]
    log(table(headers, rows))
    log(f"\nmedian SymPy/matcalc over the {len(both)} problems both solve: "
        f"{fmt_ratio(summary['median_ratio_sympy_over_matcalc'])} (target ≥ ×20); "
        f"SymPy correct {summary['sympy_correct']}/{len(sym)}, transposed "
        f"{summary['sympy_transposed']}, WRONG {summary['sympy_wrong']}, errors "
        f"{sorted(summary['sympy_errors'])}")
    if use_tg:
        log(f"median tensorgrad/matcalc over {len(tg)} problems: "
            f"{fmt_ratio(summary.get('median_ratio_tensorgrad_over_matcalc'))} (target ≥ ×10); "
            f"no answer from tensorgrad: {summary['tensorgrad_errors'] or 'none'}; not written "
            f"in tensorgrad: {summary['tensorgrad_not_written'] or 'none'} (tensorgrad answers "
            "not checked: its evaluator needs named tensors)")
    log(f"matcalc on all {len(paper)} paper examples (tests/test_paper.py): median "
        f"{fmt_time(summary['paper_median_time'])}, max {fmt_time(summary['paper_max_time'])}"
        + (f"; errors {summary['paper_errors']}" if summary["paper_errors"] else ""))
    return {"problems": results, "paper_examples": paper, "summary": summary}
