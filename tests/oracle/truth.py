"""The truth of a problem: its value and derivative array by `autograd`, at a usable point.

Owns: `find_truth(problem, seed)` and `truth_at(problem, point)`.  The variables of `wrt` are
flattened (row-major) and concatenated into one vector θ; `autograd.jacobian` of the oracle's
own translation (nested for order 2) gives S + (len θ,) (·2), reshaped to the contract's
S + T·order.  A point is unusable where the expression leaves its domain or a kink
(max/min/abs/relu with distinct arguments) is within 1e-3.  Where max/min/abs/relu arguments
tie exactly, every branch is differentiated: if all agree, that is the truth (and must be
matched); if not, the point is a genuine kink and another is sampled.
"""
from __future__ import annotations

import itertools
import math
import warnings
from collections import Counter
from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np
from autograd import jacobian

from .problem import Problem, sample_point
from .translate import Evaluation

ATTEMPTS = 8
MAX_BRANCHES = 16


@dataclass
class Truth:
    point: dict          # {name: float | 1-D | 2-D array}, the contract's shapes
    value: np.ndarray    # shape S
    deriv: np.ndarray    # shape S + T·order
    ties: int            # kink nodes tied at the point
    branches: int        # branches differentiated (1 without ties)


def find_truth(problem: Problem, seed: int, attempts: int = ATTEMPTS):
    """A Truth, or a string saying why no sampled point was usable."""
    rng = np.random.default_rng(seed)
    reasons = Counter()
    for attempt in range(attempts):
        point = sample_point(problem, rng, positive=attempt % 2 == 1)
        t = truth_at(problem, point)
        if isinstance(t, Truth):
            return t
        reasons[t] += 1
    return reasons.most_common(1)[0][0]


def _branches(ties: list[int], rng) -> list[dict]:
    if 2 ** len(ties) <= MAX_BRANCHES:
        combos = list(itertools.product((0, 1), repeat=len(ties)))
    else:
        combos = [(0,) * len(ties), (1,) * len(ties)] + \
            [tuple(rng.integers(0, 2, len(ties))) for _ in range(MAX_BRANCHES - 2)]
    return [dict(zip(ties, c)) for c in combos]


def truth_at(problem: Problem, point: dict):
    """A Truth at `point`, or a string saying why the point is unusable."""
    sizes = problem.size_values
    env = problem.to_2d(point)
    ev = Evaluation(sizes)
    with np.errstate(all="ignore"):
        ev(problem.expr, env)
    if ev.domain:
        return "domain: " + ev.domain[0]
    if ev.near:
        return "near a kink: " + ev.near[0]
    results = []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for policy in _branches(ev.ties, np.random.default_rng(0)):
            results.append(_derivatives(problem, env, policy))
    value, derivs = results[0][0], results[0][1:]
    if not all(np.all(np.isfinite(d)) for d in derivs) or not np.all(np.isfinite(value)):
        return "domain: autograd derivative not finite"
    for other in results[1:]:
        for d0, d1 in zip(derivs, other[1:]):
            scale = 1.0 + np.max(np.abs(d0), initial=0.0)
            if not np.allclose(d0, d1, rtol=1e-9, atol=1e-12 * scale):
                return "kink at a tie: the branches' derivatives differ"
    return Truth(point, value, derivs[-1], len(ev.ties), len(results))


def _derivatives(problem: Problem, env: dict, policy: dict):
    """(value, first derivative, …, the problem's derivative) of one branch, in the
    contract's shapes: nested jacobians of one flat θ per round (the same θ every round
    unless mixed)."""
    sizes = problem.size_values
    S = problem.out_shape
    rounds = [tuple(r) for r in problem.rounds]
    shapes2d = {w: env[w].shape for w in problem.wrt}

    def flat(r):
        return np.concatenate([env[w].reshape(-1) for w in r])

    def f(*thetas):
        local = dict(env)
        for r, theta in zip(rounds if problem.mixed else rounds[:1], thetas):
            off = 0
            for w in r:
                k = math.prod(shapes2d[w])
                local[w] = anp.reshape(theta[off:off + k], shapes2d[w])
                off += k
        out = Evaluation(sizes, policy, guard=False)(problem.expr, local)
        return anp.reshape(out, S)

    if problem.mixed:
        thetas = [flat(r) for r in rounds]
        Ts = [tuple(d for w in r for d in np.shape(np.asarray(getval_point(problem, w))))
              for r in rounds]
    else:
        thetas = [flat(rounds[0])]
        Ts = [problem.wrt_shape] * len(rounds)
    value = np.asarray(f(*thetas), dtype=float)
    out, g, shape = [value], f, S
    for k in range(len(rounds)):
        g = jacobian(g, k if problem.mixed else 0)
        shape = shape + Ts[k]
        out.append(np.reshape(g(*thetas), shape))
    return tuple(out)


def getval_point(problem: Problem, w: str):
    """A zero array of `w`'s shape in the contract (scalar (), vector (n,), matrix)."""
    from .tree import np_shape
    return np.zeros(np_shape(problem.var_shapes[w], problem.size_values))
