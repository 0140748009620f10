"""The exact method of the checker: SymPy differentiation of the input, entry by entry.

Owns: `run_exact(problem, sizes, seed) -> MethodResult` (called by `matcalc.check`).
Invariant: an entry counts as equal only if SymPy proves the difference zero (cheap `expand`
first, `cancel`/`simplify` under a time budget) or if it is zero, evaluated exactly / to 30
digits, at every one of several random rational points inside the domain — the note says
which.  A non-zero value at any point is a failure.  SymPy runs under a hard time limit
(SIGALRM, main thread only); a method that exceeds it or the size cap is skipped, not passed.
"""
from __future__ import annotations

import contextlib
import math
import time

from ..errors import CheckError
from ..sympy_bridge import entry_symbols, to_sympy_explicit
from ..tensor.arrays import SympyLike
from .numeric import orientation
from . import MethodResult
from .problem import (EXACT_POINTS, EXACT_SIZES, EXACT_TIME_LIMIT, MAX_EXACT_ENTRIES,
                      PROOF_BUDGET, _fraction, domain_sizes, method_setup, sample_points)


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise _Timeout in the block after `seconds` (one shot); a no-op off the main thread."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
        yield False
        return

    def fire(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _tidy(sp, e):
    """SymPy's derivative in matcalc's conventions: step(0) = 0, and no Dirac deltas (the
    points we compare at are away from every kink)."""
    if e.has(sp.Heaviside):
        e = e.replace(sp.Heaviside, lambda z, *h0: sp.Heaviside(z, 0))
    if e.has(sp.DiracDelta):
        e = e.replace(sp.DiracDelta, lambda *args: sp.S.Zero)
    return e


def run_exact(problem, user_sizes, seed) -> MethodResult:
    import numpy as np
    import sympy as sp
    sizes, S, T, full, done = method_setup("exact", problem, EXACT_SIZES, user_sizes)

    # sizes where the input has points inside its domain (the comparison may need them)
    try:
        domain_sizes(problem, sizes, user_sizes, np.random.default_rng(seed), 1, 1e-9, True)
        S, T, full = problem.at(sizes)
    except CheckError:
        pass                  # none anywhere: a symbolic proof may still need no point
    problem.strategy, assumed_sizes = "plain", problem.assumed
    entries = math.prod(full)
    if entries > MAX_EXACT_ENTRIES:
        return done(None, None, f"{entries} entries is more than the exact method expands "
                                f"({MAX_EXACT_ENTRIES}); choose smaller sizes")
    try:
        with _time_limit(EXACT_TIME_LIMIT):
            symbols = entry_symbols(problem.shapes, sizes)
            Y = to_sympy_explicit(problem.expr, sizes, symbols)
            if problem.form is not None or problem.mixed or problem.vec == "column":
                arr = problem.closed_array(
                    lambda e: to_sympy_explicit(e, sizes, symbols), sizes, SympyLike(), S, T)
                closed = list(arr.reshape(-1))
            else:
                R = to_sympy_explicit(problem.result, sizes, symbols)
                bad = orientation(problem, R.shape, S, T)
                if bad:
                    return done(False, None, bad)
                if problem.layout == "denominator" and len(S) <= 1 and len(T) <= 1:
                    R = R.T
                closed = list(R)
            if len(closed) != entries:
                return done(False, None, f"the closed form has {len(closed)} entries; the "
                                         f"derivative has {entries}")
            derivs = list(Y)
            for names in problem.rounds:              # each round by its variables, C order
                wrt = [s for name in names for s in symbols[name]]
                derivs = [_tidy(sp, sp.diff(y, t)) for y in derivs for t in wrt]
            rng = np.random.default_rng(seed)
            problem.assumed_sizes = assumed_sizes if "sizes" in assumed_sizes else ""
            return _compare(sp, problem, sizes, symbols, derivs, closed, full, rng, done)
    except _Timeout:
        return done(None, None, f"SymPy took longer than {EXACT_TIME_LIMIT:.0f} s; "
                                "use the numeric method or smaller sizes")
    except NotImplementedError as e:     # an operator SymPy cannot expand (expm of a matrix)
        return done(None, None, str(e))
    except ValueError as e:              # a real-only function of a non-real value: step(log(-1))
        return done(None, None, f"the input is not real-valued here (outside its domain): "
                                f"SymPy says {str(e).strip()}")


def _compare(sp, problem, sizes, symbols, derivs, closed, full, rng, done):
    """Classify every entry of derivative − closed form: proved zero, zero at the points, or
    different (a failure, reported with the first differing entry)."""
    proved, undecided = 0, []
    for k, (d, c) in enumerate(zip(derivs, closed)):
        diff = d - c
        if diff == 0 or (sp.count_ops(diff) <= 400 and sp.expand(diff) == 0):
            proved += 1
        else:
            undecided.append(k)
    if not undecided:
        return done(True, 0.0, f"{_entries(proved)} proved equal symbolically")

    points = [_rational_point(sp, env, symbols) for env in
              sample_points(problem, sizes, rng, EXACT_POINTS, 1e-9, rational=True)]
    worst, wrong, nowhere = 0.0, [], []
    for k in undecided:
        defined = 0
        for pt in points:
            gap = _gap(sp, derivs[k], closed[k], pt)
            if gap is None:
                continue
            defined += 1
            worst = max(worst, gap)
            if gap > 1e-20:
                wrong.append(k)
                break
        if not defined:
            nowhere.append(k)
    if wrong:
        k = wrong[0]
        where = list(map(int, _unravel(k, full)))
        return done(False, worst, f"{len(wrong)} of {len(derivs)} entries differ (first at "
                                  f"{where}: derivative {_short(derivs[k])}, closed form "
                                  f"{_short(closed[k])})")
    if nowhere:
        # an entry defined at none of the points proves nothing: say so, do not pass
        return done(None, None, f"{_entries(len(nowhere))} could not be evaluated at any "
                                f"sampled point (the input is undefined or singular there)")
    # every entry vanishes at the points; try to prove the rest within a small budget
    at_points, deadline = 0, time.perf_counter() + PROOF_BUDGET
    for k in undecided:
        diff = derivs[k] - closed[k]
        if time.perf_counter() < deadline and _prove_zero(sp, diff):
            proved += 1
        else:
            at_points += 1
    parts = [f"{_entries(proved)} proved equal symbolically" if proved else "",
             f"{_entries(at_points)} not proved, only sampled at {len(points)} rational "
             f"points (equal there)" if at_points else "", problem.assumed,
             problem.assumed_sizes]
    return done(True, worst, "; ".join(p for p in parts if p))


def _entries(k: int) -> str:
    return f"{k} entry" if k == 1 else f"{k} entries"


def _prove_zero(sp, diff) -> bool:
    """A symbolic proof that `diff` is 0; False when SymPy cannot decide (or fails inside,
    as it does on Min/Max of some expressions: the entry is then reported as checked at
    the random points instead)."""
    try:
        if sp.count_ops(diff) > 300:
            return False
        if diff.is_rational_function() and sp.cancel(sp.together(diff)) == 0:
            return True
        return sp.simplify(diff) == 0
    except (ValueError, TypeError, ArithmeticError, RecursionError):
        return False


def _rational_point(sp, env, symbols) -> dict:
    point = {}
    for name, matrix in symbols.items():
        for s, v in zip(matrix, env[name].reshape(-1)):
            f = _fraction(v)
            point[s] = sp.Rational(f.numerator, f.denominator)
    return point


def _gap(sp, d, c, point):
    """|d − c| / (1 + |c|) at an exact point, to 30 digits; None where undefined."""
    try:
        dv, cv = d.xreplace(point), c.xreplace(point)
    except (ValueError, TypeError, ZeroDivisionError):
        return None          # e.g. an unevaluated Derivative that SymPy cannot take at a number
    if dv.has(sp.zoo, sp.nan, sp.oo) or cv.has(sp.zoo, sp.nan, sp.oo) or \
            dv.has(sp.Derivative) or cv.has(sp.Derivative):
        return None
    exact = sp.S.Zero if dv == cv else (dv - cv)
    try:
        gap = abs(complex(sp.N(exact, 30)))
        scale = 1 + abs(complex(sp.N(cv, 30)))
    except (TypeError, ValueError):
        return None
    return gap / scale


def _unravel(k, full):
    import numpy as np
    return np.unravel_index(k, full) if full else ()


def _short(e, width=40) -> str:
    s = str(e)
    return s if len(s) <= width else s[:width - 1] + "…"
