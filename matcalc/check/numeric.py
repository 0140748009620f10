"""The numeric method of the checker: the closed form against central differences of the
input at random points inside its domain, at sizes too large to expand.

Owns: `run_numeric(problem, sizes, seed) -> MethodResult`, `orientation`.
Invariant: a point where the differences cannot resolve the derivative (a pole nearby,
overflow, ill conditioning) is inconclusive, never a pass; a method with no conclusive point
is skipped.
"""
from __future__ import annotations

import math

from ..conventions import expected_matrix_shape
from ..errors import ShapeError
from ..evaluate import Evaluator
from ..tensor.arrays import NumpyLike
from . import MethodResult
from .problem import KINK_MARGIN, NUMERIC_POINTS, NUMERIC_SIZES, domain_sizes, method_setup


def run_numeric(problem, user_sizes, seed) -> MethodResult:
    import numpy as np
    sizes, S, T, full, done = method_setup("numeric", problem, NUMERIC_SIZES, user_sizes)

    rng = np.random.default_rng(seed)
    multilinear = problem.order > 2 or problem.mixed
    tol = 1e-5 if problem.order == 1 else 1e-4
    worst, skipped = 0.0, 0
    _, points = domain_sizes(problem, sizes, user_sizes, rng, NUMERIC_POINTS, KINK_MARGIN)
    S, T, full = problem.at(sizes)
    for env in points:
        ev = Evaluator(env, sizes)
        with np.errstate(all="ignore"):
            if problem.result is not None and not problem.mixed:
                bad = orientation(problem, ev(problem.result).shape, S, T)
                if bad:
                    return done(False, None, bad)
            try:
                J = problem.closed_array(ev, sizes, NumpyLike(), S, T)
            except ShapeError as e:
                return done(False, None, e.message)
        err = _multilinear_error(problem, env, sizes, J, rng) if multilinear else \
            _difference_error(problem, env, sizes, S, J, rng)
        if err is None:
            skipped += 1         # not differentiable in floating point here, or inconclusive
            continue
        worst = max(worst, err)
    if skipped == len(points):
        return done(None, None, "central differences of the input are not finite or not "
                                "accurate enough at any sampled point (singular, overflowing "
                                "or ill-conditioned there)")
    verdict = worst <= tol
    note = f"worst relative error {worst:.1e} at {len(points) - skipped} random points" + \
        ("" if verdict else f" (tolerance {tol:.0e})") + \
        (f"; {problem.assumed}" if problem.assumed else "")
    return done(verdict, worst, note)


def orientation(problem, got, S, T) -> str | None:
    want = expected_matrix_shape(S, T, problem.order, problem.layout)
    if want is None or tuple(got) == want:
        return None
    return f"the closed form is {got[0]}×{got[1]}; {problem.layout} layout wants " \
           f"{want[0]}×{want[1]}"


def _difference_error(problem, env, sizes, S, J, rng) -> float:
    """Relative max-norm distance between J and central differences of the input at env."""
    import numpy as np
    names = problem.names
    flat0 = np.concatenate([env[n].reshape(-1) for n in names])
    cuts = np.cumsum([env[n].size for n in names])[:-1]

    def f(flat):
        moved = dict(env)
        for n, part in zip(names, np.split(flat, cuts)):
            moved[n] = part.reshape(env[n].shape)
        with np.errstate(all="ignore"):
            try:
                return Evaluator(moved, sizes)(problem.expr).reshape(-1)
            except np.linalg.LinAlgError:      # singular next to the point: no derivative
                return np.full(out_size, np.nan)

    N = flat0.size
    out_size = int(np.prod(S)) if S else 1
    Jm = J.reshape(-1, *(N,) * problem.order)
    noise = 0.0
    if problem.order == 1:
        h = 1e-6
        dirs = np.eye(N) if N <= 400 else rng.standard_normal((8, N))

        def central(step):
            return np.stack([(f(flat0 + step * d) - f(flat0 - step * d)) / (2 * step)
                             for d in dirs], -1)
        got = central(h)
        want = Jm @ dirs.T
        if np.max(np.abs(got - want), initial=0.0) > 1e-6 * max(
                np.max(np.abs(got), initial=0.0), 1.0):
            # near a pole (tan, 1/x …) central differences themselves are inaccurate: their
            # change between two steps bounds what they can tell apart
            noise = float(np.max(np.abs(central(h / 4) - got), initial=0.0))
    else:
        # the mixed central difference at h and h/2, Richardson-extrapolated (error O(h⁴));
        # its rounding error, about 6 eps |f| / h², is subtracted before comparing (it is
        # what failed a right Hessian of the logistic loss at 1.3e-4 with h = 1e-4 unextrapolated)
        h = 1e-3
        dirs = np.eye(N) if N <= 20 else rng.standard_normal((8, N))
        pairs = [(a, b) for a in range(len(dirs)) for b in range(len(dirs))] if N <= 20 \
            else [(a, (a + 1) % len(dirs)) for a in range(len(dirs))]

        def second(a, b, step):
            u, v = step * dirs[a], step * dirs[b]
            return (f(flat0 + u + v) - f(flat0 + u - v) - f(flat0 - u + v)
                    + f(flat0 - u - v)) / (4 * step * step)
        got, want = [], []
        for a, b in pairs:
            got.append((4 * second(a, b, h / 2) - second(a, b, h)) / 3)
            want.append(np.einsum("sij,i,j->s", Jm, dirs[a], dirs[b]))
        got, want = np.stack(got, -1), np.stack(want, -1)
        noise = 64 * np.finfo(float).eps * max(1.0, float(np.max(np.abs(f(flat0)),
                                                                 initial=0.0))) / h ** 2
    if not np.all(np.isfinite(got)) or np.max(np.abs(got), initial=0.0) > 1e150:
        return None
    scale = max(np.max(np.abs(got), initial=0.0), np.max(np.abs(want), initial=0.0))
    # central differences carry round-off of about eps·|f|/h (~1e-10·|f|): where the true
    # derivative is 0 that noise must not read as a relative error of 1
    scale = max(scale, 1e-3 * max(1.0, float(np.max(np.abs(f(flat0)), initial=0.0))))
    diff = np.max(np.abs(got - want), initial=0.0)
    if not np.isfinite(diff):
        return math.inf
    if problem.order == 2:
        diff = max(0.0, diff - noise)         # rounding, not a disagreement
    elif noise and (diff <= 10 * noise or
                    noise > 1e-3 * max(np.max(np.abs(got), initial=0.0), 1e-300)):
        return None          # inconclusive here: the differences have not converged
    return float(diff / scale) if scale > 1e-12 else float(diff)


def _multilinear_error(problem, env, sizes, J, rng, trials: int = 6):
    """Relative distance between J·(u₁, …, u_k) and the mixed central difference of
    f(x₁ + t₁u₁, …) in t₁…t_k (one random direction per round; Richardson-extrapolated, so
    O(h⁴)): an order-k or mixed derivative checked along random directions."""
    import itertools

    import numpy as np
    rounds = problem.rounds
    k = len(rounds)
    sizes_r = [sum(env[n].size for n in r) for r in rounds]
    flat = J.reshape((-1,) + tuple(sizes_r))            # output entries × each round's axes

    def f(shift):
        moved = dict(env)
        for names, u in shift:
            for n in names:
                moved[n] = moved[n] + u[n]
        with np.errstate(all="ignore"):
            try:
                return Evaluator(moved, sizes)(problem.expr).reshape(-1)
            except np.linalg.LinAlgError:
                return None

    def mixed(us, h):
        total = 0.0
        for signs in itertools.product((1.0, -1.0), repeat=k):
            val = f([(r, {n: s * h * u[n] for n in r}) for r, u, s in zip(rounds, us, signs)])
            if val is None:
                return None
            total = total + np.prod(signs) * val
        return total / (2 * h) ** k

    worst, scale = 0.0, 0.0
    for _ in range(trials):
        us = [{n: rng.standard_normal(env[n].shape) for n in r} for r in rounds]
        h = 10.0 ** (-12.0 / (k + 2))
        a, b = mixed(us, h), mixed(us, h / 2)
        if a is None or b is None:
            return None
        got = (4 * b - a) / 3
        want = flat
        for u in reversed(us):                           # contract the last round first
            want = want @ np.concatenate([u[n].reshape(-1) for n in u])
        if not np.all(np.isfinite(got)):
            return None
        worst = max(worst, float(np.max(np.abs(got - want), initial=0.0)))
        scale = max(scale, float(np.max(np.abs(want), initial=0.0)),
                    float(np.max(np.abs(got), initial=0.0)))
    value = f([])
    floor = 1e-3 * max(1.0, float(np.max(np.abs(value), initial=0.0))) if value is not None \
        else 1e-3
    return worst / max(scale, floor)
