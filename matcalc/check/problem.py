"""What a check is about, at concrete sizes: the problem, its sizes, and sample points
inside the domain of the input (where a method evaluates it).

Owns: `Problem`, `assign_sizes`, `sample_points` (widening to positive entries, then
symmetric positive definite matrices, the assumption recorded), `domain_sizes` (other size
assignments where the assigned ones have no point), `method_setup`, the default sizes.
Invariant: a sample point keeps every kink, pole and domain edge of input and closed form at
least `margin` away and every inverted matrix well conditioned; where none can be found the
check raises CheckError("no-domain") rather than pass.
"""
from __future__ import annotations

import time

from ..conventions import numpy_shape, wrt_shape
from ..errors import CheckError
from ..evaluate import Evaluator
from ..ops import REGISTRY
from ..sizes import parse_decl, resolve_shape, size_names
from . import MethodResult

# Small distinct sizes for the exact method (so a transposition cannot hide); larger, still
# distinct ones for the numeric method.  Other size names get the next unused integers.
EXACT_SIZES = {"n": 3, "m": 2, "k": 4, "p": 5, "q": 6}
NUMERIC_SIZES = {"n": 7, "m": 5, "k": 6, "p": 8, "q": 9}
MAX_EXACT_ENTRIES = 2000
EXACT_TIME_LIMIT = 15.0       # seconds for the whole exact method (SymPy can hang)
PROOF_BUDGET = 2.0            # seconds spent on simplify() before settling for points
EXACT_POINTS = 5
NUMERIC_POINTS = 3
KINK_MARGIN = 1e-3            # |argument| of step/max/abs/sign/log/… at a numeric point


class Problem:
    """What is checked: input, closed form, variables and conventions, at symbolic sizes."""

    def __init__(self, expr, result, wrt, var_shapes, order, layout, mixed=False, vec="row"):
        from ..api import parse
        declared = {k: parse_decl(v, k) for k, v in (var_shapes or {}).items()}
        self.expr = parse(expr, declared) if isinstance(expr, str) else expr
        # the closed form: a tree (a matrix or Kronecker form), or an index form (its array)
        self.form = result if hasattr(result, "terms") else None
        self.result = parse(result, declared) if isinstance(result, str) else \
            (None if self.form is not None else result)
        self.mixed, self.vec = mixed, vec
        self.names = [wrt] if isinstance(wrt, str) else list(wrt)
        self.order, self.layout = int(order), layout
        if self.order < 1 or layout not in ("numerator", "denominator"):
            raise CheckError(f"cannot check order={order}, layout={layout!r}", label="bad-args")
        self.shapes = {}
        trees = [self.expr] + ([self.result] if self.result is not None else
                               [e for t in self.form.terms for e, _ in t.factors])
        for tree in trees:
            for n in tree.walk():
                if n.op == "var":
                    self.shapes[n.value] = declared.get(n.value, n.shape)
        for name in self.names:
            if name not in self.shapes and name not in declared:
                raise CheckError(f"no shape for the variable {name}", label="missing-shape")
            self.shapes.setdefault(name, declared[name])
        nodes = [n for t in trees for n in t.walk()]
        self.ops = {n.op for n in nodes}
        # sizes of the variables and of the leaves that need one (inner nodes' follow)
        self.size_names = size_names(
            [d for s in self.shapes.values() for d in s] +
            [d for n in nodes if n.op in ("ones", "zeros", "eye") for d in n.shape] +
            [n.value for n in nodes if n.op == "size"])
        # the sampler stays inside the domain the operators' records state: positive values
        # where log/sqrt/a real power need them, diagonally dominant square matrices where
        # something is inverted
        domains = {REGISTRY[op].domain for op in self.ops if op in REGISTRY}
        self.positive = "positive" in domains or "logdet" in self.ops or any(
            n.op == "pow" and not (n.args[1].op == "num" and n.args[1].value.denominator == 1)
            for n in nodes)
        self.dominant = {v for v, (r, c) in self.shapes.items() if r == c and r != 1} \
            if "invertible" in domains else set()
        self.strategy, self.assumed = "plain", ""   # how sample points were found (the note)
        self.assumed_sizes = ""

    @property
    def rounds(self) -> list:
        """The variables differentiated by, round by round (several names in one round: their
        concatenation)."""
        return [[n] for n in self.names] if self.mixed else [self.names] * self.order

    def at(self, sizes):
        """(S, T, full shape) at concrete sizes."""
        S = numpy_shape(self.expr.shape, sizes)
        if self.mixed:
            T = tuple(d for n in self.names for d in numpy_shape(self.shapes[n], sizes))
            return S, T, S + T
        T = wrt_shape(self.names, self.shapes, sizes)
        return S, T, S + T * self.order

    def closed_array(self, value_of, sizes, np_like, S, T):
        """The closed form's derivative array (S+T…): the tree's value reshaped, or the index
        form contracted."""
        if self.form is not None:
            from ..tensor.arrays import form_array
            return form_array(self.form, value_of, sizes, np_like)
        from ..conventions import to_array
        if self.mixed:                        # ∂²f/∂x∂y: the matrix form reshaped, C order
            return np_like.reshape(value_of(self.result), S + T)
        return to_array(value_of(self.result), S, T, self.order, self.layout, self.vec)


def assign_sizes(names, defaults: dict, user: dict | None) -> dict:
    """Distinct integers for every size name: the user's, else the default, else the next
    unused integer above the defaults."""
    user = {k: int(v) for k, v in (user or {}).items()}
    out = {k: v for k, v in user.items() if k in names}
    used = set(out.values())
    nxt = max(defaults.values()) + 1
    for name in names:
        if name in out:
            continue
        value = defaults.get(name)
        if value is None or value in used:
            while nxt in used:
                nxt += 1
            value = nxt
        out[name] = value
        used.add(value)
    return out


# -- sampling ---------------------------------------------------------------------------------

# how the sampler widens its search when plain random points leave the domain; each after
# the first is an assumption the report states
STRATEGIES = (("plain", ""), ("positive", "entries sampled positive"),
              ("spd", "square matrices sampled symmetric positive definite"))


def sample_points(problem, sizes, rng, count, margin, rational=False):
    """`count` points {var: 2-D array} where input and closed form are finite and every
    kink / pole / domain edge is at least `margin` away.  Plain random points first (positive
    ones if an operator's domain asks for it), then positive entries, then symmetric positive
    definite square matrices (logdet(Xᵀ A X) needs A so); `problem.assumed` records the
    assumption made.  Rational points are returned as float arrays of small-denominator
    fractions (exact in SymPy via `Fraction(float)`)."""
    import numpy as np
    points, tries = [], 0
    per = 20 * count
    while len(points) < count:
        tries += 1
        if tries > per * len(STRATEGIES):
            raise CheckError("could not find sample points inside the domain of the expression",
                             hint="the input may be undefined almost everywhere (e.g. log of "
                                  "a negative quantity)", label="no-domain")
        strategy, assumption = STRATEGIES[min((tries - 1) // per, len(STRATEGIES) - 1)]
        if points and strategy != problem.strategy:
            strategy = problem.strategy          # every point of a method alike
        env = _draw(problem, sizes, rng, strategy, rational)
        with np.errstate(all="ignore"):
            ev = Evaluator(env, sizes)
            ev_result = Evaluator(env, sizes)
            try:
                values = [ev(problem.expr)] + ([ev_result(problem.result)] if
                                               problem.result is not None else
                                               [ev_result(e) for t in problem.form.terms
                                                for e, _ in t.factors])
            except np.linalg.LinAlgError:
                continue
        # finite differences through an inverse lose about log10(cond) digits
        conditioned = max(ev.cond, ev_result.cond) < 1e6
        if all(np.all(np.isfinite(v)) for v in values) and ev.margin > margin and conditioned:
            points.append(env)
            problem.strategy = strategy
            stated = strategy == "spd" or (strategy == "positive" and not problem.positive)
            problem.assumed = dict(STRATEGIES)[strategy] if stated else ""
    return points


def _draw(problem, sizes, rng, strategy, rational):
    import numpy as np
    env = {}
    positive = problem.positive or strategy != "plain"
    for name, shape in problem.shapes.items():
        r, c = resolve_shape(shape, sizes)
        a = rng.uniform(0.5, 1.5, (r, c))
        if not positive:
            a *= rng.choice([-1.0, 1.0], (r, c))
        if strategy == "spd" and r == c and r != 1:
            b = rng.uniform(-1.0, 1.0, (r, r))
            a = b @ b.T / r + np.eye(r)
        elif name in problem.dominant:    # strictly dominant, positive diagonal: det > 0
            a[np.diag_indices(r)] = np.abs(a).sum(axis=1) + rng.uniform(0.5, 1.5, r)
        if rational:
            a = np.vectorize(lambda v: float(_fraction(v)))(a)
        env[name] = a
    return env


def domain_sizes(problem, sizes: dict, user_sizes, rng, count, margin, rational=False):
    """(sizes, points): the assigned sizes if the input has sample points there, else the
    same size values permuted among the names (Xᵀ A X with X m×n is singular unless m ≥ n);
    `sizes` is updated in place.  Raises the CheckError of the assigned sizes if none has."""
    import itertools
    names = [k for k in sizes if not user_sizes or k not in user_sizes]
    first = None
    for perm in itertools.islice(itertools.permutations([sizes[k] for k in names]), 24):
        trial = dict(sizes, **dict(zip(names, perm)))
        try:
            points = sample_points(problem, trial, rng, count, margin, rational)
        except CheckError as e:
            first = first or e
            continue
        if trial != sizes:
            problem.assumed = "; ".join(x for x in (problem.assumed, "sizes " + ", ".join(
                f"{k}={v}" for k, v in trial.items()) + " (the assigned ones leave no point "
                "inside the domain)") if x)
        sizes.update(trial)
        return sizes, points
    raise first


def _fraction(v):
    from fractions import Fraction
    return Fraction(v).limit_denominator(64)



def method_setup(name, problem, defaults, user_sizes):
    """(sizes, S, T, full shape, done) for one method: `done(passed, worst, note)` makes its
    MethodResult with the time since this call."""
    start = time.perf_counter()
    sizes = assign_sizes(problem.size_names, defaults, user_sizes)
    S, T, full = problem.at(sizes)

    def done(passed, worst, note):
        return MethodResult(name, passed, sizes, worst, time.perf_counter() - start, note)

    return sizes, S, T, full, done
