"""The independent proof of a derivative: exact (SymPy, entry by entry) and numeric methods.

Owns: `check_derivative(...) -> CheckReport`, `CheckReport`, `MethodResult`, and the sampling
of points inside the domain of an expression (`sample_points`).
Invariant: nothing here trusts the rule engine — the input is expanded entry by entry and
differentiated by SymPy (exact) or by central differences of its NumPy value (numeric) and the
closed form is compared with that, in the §3 convention (array of shape S+T).  A derivative
that cannot be evaluated is a `CheckError`, never a pass.  SymPy and NumPy are imported inside
the functions: `import matcalc.check` loads neither.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

from .errors import CheckError, ShapeError
from .evaluate import (Evaluator, expected_matrix_shape, normalise_shapes, numpy_shape,
                       resolve_shape, to_jacobian_array, wrt_shape)

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


@dataclass
class MethodResult:
    name: str
    passed: bool | None       # None: skipped (see note)
    sizes: dict
    worst_error: float | None
    seconds: float
    note: str

    @property
    def skipped(self) -> bool:
        return self.passed is None


@dataclass
class CheckReport:
    methods: list

    @property
    def passed(self) -> bool:
        """Every method that ran passed, and at least one ran."""
        ran = [m for m in self.methods if not m.skipped]
        return bool(ran) and all(m.passed for m in ran)

    def to_dict(self) -> dict:
        methods = [asdict(m) for m in self.methods]
        for m in methods:      # JSON has no inf / nan
            if m["worst_error"] is not None and not math.isfinite(m["worst_error"]):
                m["worst_error"] = None
        return {"passed": self.passed, "methods": methods}

    def __str__(self) -> str:
        lines = []
        for m in self.methods:
            status = "skipped" if m.skipped else "passed" if m.passed else "FAILED"
            sizes = ", ".join(f"{k}={v}" for k, v in m.sizes.items())
            inside = "; ".join(s for s in (sizes, m.note) if s)
            lines.append(f"check: {m.name:<7} {status:<7} ({inside})  {m.seconds:.2f} s")
        return "\n".join(lines)


class _Problem:
    """What is checked: input, closed form, variables and conventions, at symbolic sizes."""

    def __init__(self, expr, result, wrt, var_shapes, order, layout):
        from .api import parse
        declared = normalise_shapes(var_shapes)
        self.expr = parse(expr, declared) if isinstance(expr, str) else expr
        self.result = parse(result, declared) if isinstance(result, str) else result
        self.names = [wrt] if isinstance(wrt, str) else list(wrt)
        self.order, self.layout = int(order), layout
        if self.order < 1 or layout not in ("numerator", "denominator"):
            raise CheckError(f"cannot check order={order}, layout={layout!r}", label="bad-args")
        self.shapes = {}
        for tree in (self.expr, self.result):
            for n in tree.walk():
                if n.op == "var":
                    self.shapes[n.value] = declared.get(n.value, n.shape)
        for name in self.names:
            if name not in self.shapes and name not in declared:
                raise CheckError(f"no shape for the variable {name}", label="missing-shape")
            self.shapes.setdefault(name, declared[name])
        nodes = [n for t in (self.expr, self.result) for n in t.walk()]
        self.ops = {n.op for n in nodes}
        self.size_names = _size_names(nodes, self.shapes)
        # the sampler stays inside the domain: positive values where log/sqrt/a real power
        # need them, diagonally dominant square matrices where something is inverted
        self.positive = bool(self.ops & {"log", "sqrt", "logdet"}) or any(
            n.op == "pow" and not (n.args[1].op == "num" and n.args[1].value.denominator == 1)
            for n in nodes)
        self.dominant = {v for v, (r, c) in self.shapes.items() if r == c and r != 1} \
            if self.ops & {"inv", "det", "logdet"} else set()

    def at(self, sizes):
        """(S, T, full shape) at concrete sizes."""
        S = numpy_shape(self.expr.shape, sizes)
        T = wrt_shape(self.names, self.shapes, sizes)
        return S, T, S + T * self.order


def _size_names(nodes, shapes) -> list:
    # sizes of the variables and of the leaves that need one (inner nodes' shapes follow)
    seen: dict = {}
    dims = [d for s in shapes.values() for d in s]
    dims += [d for n in nodes if n.op in ("ones", "zeros", "eye") for d in n.shape]
    dims += [n.value for n in nodes if n.op == "size"]
    for d in dims:
        if isinstance(d, str):
            for part in d.replace("*", "+").split("+"):
                part = part.strip()
                if part and not part.isdigit():
                    seen.setdefault(part, None)
    return list(seen)


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


def check_derivative(expr, result, wrt, var_shapes: dict, *, order=1, layout="numerator",
                     methods=("exact", "numeric"), sizes: dict | None = None,
                     seed: int = 0) -> CheckReport:
    """Verify that `result` is the derivative of `expr` by `wrt` (§3 convention).

    `expr`/`result` are typed trees (or text, parsed with `var_shapes`); `sizes` overrides the
    concrete sizes of both methods.  Returns a report; raises CheckError if it cannot check.
    """
    problem = _Problem(expr, result, wrt, var_shapes, order, layout)
    runners = {"exact": _run_exact, "numeric": _run_numeric}
    unknown = [m for m in methods if m not in runners]
    if unknown:
        raise CheckError(f"unknown check method {unknown[0]!r}; use 'exact' or 'numeric'",
                         label="bad-args")
    return CheckReport([runners[m](problem, sizes, seed) for m in methods])


# -- sampling ---------------------------------------------------------------------------------

def sample_points(problem, sizes, rng, count, margin, rational=False):
    """`count` points {var: 2-D array} where input and closed form are finite and every
    kink / pole / domain edge is at least `margin` away.  Rational points are returned as
    float arrays of small-denominator fractions (exact in SymPy via `Fraction(float)`)."""
    import numpy as np
    points, tries = [], 0
    while len(points) < count:
        tries += 1
        if tries > 60 * count:
            raise CheckError("could not find sample points inside the domain of the expression",
                             hint="the input may be undefined almost everywhere (e.g. log of "
                                  "a negative quantity)", label="no-domain")
        positive = problem.positive or tries > 20 * count
        env = {}
        for name, shape in problem.shapes.items():
            r, c = resolve_shape(shape, sizes)
            a = rng.uniform(0.5, 1.5, (r, c))
            if not positive:
                a *= rng.choice([-1.0, 1.0], (r, c))
            if name in problem.dominant:      # strictly dominant, positive diagonal: det > 0
                a[np.diag_indices(r)] = np.abs(a).sum(axis=1) + rng.uniform(0.5, 1.5, r)
            if rational:
                a = np.vectorize(lambda v: float(_fraction(v)))(a)
            env[name] = a
        with np.errstate(all="ignore"):
            ev = Evaluator(env, sizes)
            ev_result = Evaluator(env, sizes)
            try:
                values = [ev(problem.expr), ev_result(problem.result)]
            except np.linalg.LinAlgError:
                continue
        # finite differences through an inverse lose about log10(cond) digits
        conditioned = max(ev.cond, ev_result.cond) < 1e6
        if all(np.all(np.isfinite(v)) for v in values) and ev.margin > margin and conditioned:
            points.append(env)
    return points


def _fraction(v):
    from fractions import Fraction
    return Fraction(v).limit_denominator(64)


# -- numeric ----------------------------------------------------------------------------------

def method_setup(name, problem, defaults, user_sizes):
    """(sizes, S, T, full shape, done) for one method: `done(passed, worst, note)` makes its
    MethodResult with the time since this call."""
    start = time.perf_counter()
    sizes = assign_sizes(problem.size_names, defaults, user_sizes)
    S, T, full = problem.at(sizes)

    def done(passed, worst, note):
        return MethodResult(name, passed, sizes, worst, time.perf_counter() - start, note)

    return sizes, S, T, full, done


def _run_numeric(problem, user_sizes, seed) -> MethodResult:
    import numpy as np
    sizes, S, T, full, done = method_setup("numeric", problem, NUMERIC_SIZES, user_sizes)

    if problem.order > 2:
        return done(None, None, "central differences are implemented up to order 2")
    rng = np.random.default_rng(seed)
    tol = 1e-5 if problem.order == 1 else 1e-4
    worst, skipped = 0.0, 0
    points = sample_points(problem, sizes, rng, NUMERIC_POINTS, KINK_MARGIN)
    for env in points:
        with np.errstate(all="ignore"):
            closed = Evaluator(env, sizes)(problem.result)
        bad = _orientation(problem, closed.shape, S, T)
        if bad:
            return done(False, None, bad)
        try:
            J = to_jacobian_array(closed, S, T, problem.order, problem.layout)
        except ShapeError as e:
            return done(False, None, e.message)
        err = _difference_error(problem, env, sizes, S, J, rng)
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
        ("" if verdict else f" (tolerance {tol:.0e})")
    return done(verdict, worst, note)


def _orientation(problem, got, S, T) -> str | None:
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
        h = 1e-4
        dirs = np.eye(N) if N <= 30 else rng.standard_normal((8, N))
        pairs = [(a, b) for a in range(len(dirs)) for b in range(len(dirs))] if N <= 30 \
            else [(a, (a + 1) % len(dirs)) for a in range(len(dirs))]
        got, want = [], []
        for a, b in pairs:
            u, v = h * dirs[a], h * dirs[b]
            got.append((f(flat0 + u + v) - f(flat0 + u - v) - f(flat0 - u + v)
                        + f(flat0 - u - v)) / (4 * h * h))
            want.append(np.einsum("sij,i,j->s", Jm, dirs[a], dirs[b]))
        got, want = np.stack(got, -1), np.stack(want, -1)
    if not np.all(np.isfinite(got)) or np.max(np.abs(got), initial=0.0) > 1e150:
        return None
    scale = max(np.max(np.abs(got), initial=0.0), np.max(np.abs(want), initial=0.0))
    # central differences carry round-off of about eps·|f|/h (~1e-10·|f|): where the true
    # derivative is 0 that noise must not read as a relative error of 1
    scale = max(scale, 1e-3 * max(1.0, float(np.max(np.abs(f(flat0)), initial=0.0))))
    diff = np.max(np.abs(got - want), initial=0.0)
    if not np.isfinite(diff):
        return math.inf
    if noise and (diff <= 10 * noise or
                  noise > 1e-3 * max(np.max(np.abs(got), initial=0.0), 1e-300)):
        return None          # inconclusive here: the differences have not converged
    return float(diff / scale) if scale > 1e-12 else float(diff)


def _run_exact(problem, user_sizes, seed) -> MethodResult:
    from .check_exact import run_exact
    return run_exact(problem, user_sizes, seed)
