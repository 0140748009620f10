"""NumPy evaluation of typed expression trees, and `lambdify` of closed-form derivatives.

Owns: `Evaluator`, `evaluate(expr, env, sizes)`, `lambdify(result, wrt, var_shapes, ...)`,
and reading arrays in (`as_2d`, `bind_sizes`).  Each operator's NumPy meaning is its
record's (`matcalc.ops`); this module adds what evaluation itself needs: a lazy diagonal,
kink and conditioning bookkeeping for the sampler.
Invariants: every value is a 2-D float64 array (a scalar is 1×1) except inside the evaluator,
where `diag(vector)` stays a lazy `Diag` (evaluate_nodes.py) so that `diag(u) @ A` is
computed as `u[:, None] * A` and an n×n diagonal matrix is never materialised unless
something really needs it.
NumPy is imported lazily (plain derivation must not pay for it); nothing here imports SymPy.
"""
from __future__ import annotations

import math

from .conventions import numpy_shape, to_array, wrt_shape
from .errors import ArgumentError, CheckError, ShapeError
from .ops import REGISTRY
from .evaluate_nodes import SPECIAL, dense as _dense, generic
from .sizes import parse_decl, resolve_dim, resolve_shape


def as_2d(value, shape, name="?"):
    """A scalar, 1-D or 2-D input as the 2-D float array of the declared (rows, cols)."""
    import numpy as np
    a = np.asarray(value, dtype=float)
    r, c = shape
    if a.ndim == 0:
        a = a.reshape(1, 1)
    elif a.ndim == 1:
        if c == 1 and r != 1:
            a = a.reshape(-1, 1)
        elif r == 1:
            a = a.reshape(1, -1)
        else:
            raise ShapeError(f"{name} is declared {r}×{c} but a 1-D array was given",
                             label="bad-input")
    elif a.ndim != 2:
        raise ShapeError(f"{name} must be at most 2-D; got shape {a.shape}", label="bad-input")
    for want, got in zip(shape, a.shape):
        if isinstance(want, int) and want != got:
            raise ShapeError(f"{name} is declared {r}×{c} but has shape {a.shape}",
                             label="bad-input")
    return a


def bind_sizes(var_shapes: dict, arrays: dict, sizes: dict | None = None) -> dict:
    """Size name -> int, read from the arrays (declared sizes must agree with each other)."""
    bound = dict(sizes or {})
    for name, a in arrays.items():
        if name not in var_shapes:
            continue
        for want, got in zip(var_shapes[name], a.shape):
            if isinstance(want, str) and want.isidentifier():
                if bound.setdefault(want, got) != got:
                    raise ShapeError(f"size {want} is {bound[want]} elsewhere but {name} gives "
                                     f"{got}", label="bad-input")
    return bound


# -- evaluation ------------------------------------------------------------------------------

class Evaluator:
    """Evaluates trees at one binding of variables; `margin` records how close the point came
    to a kink (step/sign/abs/max/min), a pole (division) or a domain edge (log/sqrt), and
    `cond` the worst condition number of a matrix inverted on the way."""

    def __init__(self, env: dict, sizes: dict):
        import numpy as np
        self.np = np
        self.env = env
        self.sizes = sizes
        self.memo: dict = {}
        self.margin = math.inf
        self.cond = 1.0

    def __call__(self, expr):
        return _dense(self.value(expr))

    def watch(self, z):
        if z.size:
            self.margin = min(self.margin, float(self.np.min(self.np.abs(z))))

    def value(self, node):
        hit = self.memo.get(node)
        if hit is None:
            hit = self.memo[node] = self.compute(node)
        return hit

    def compute(self, node):
        np, op = self.np, node.op
        if op == "var":
            if node.value not in self.env:
                raise CheckError(f"no value for the variable {node.value}", label="missing-var")
            return self.env[node.value]
        if op == "num":
            return np.full((1, 1), float(node.value))
        if op in ("ones", "zeros"):
            return (np.ones if op == "ones" else np.zeros)(resolve_shape(node.shape, self.sizes))
        if op == "eye":
            return np.eye(resolve_dim(node.shape[0], self.sizes))
        if op == "size":
            return np.full((1, 1), float(resolve_dim(node.value, self.sizes)))
        if op == "unvec":                      # a column back to the node's shape
            return _dense(self.value(node.args[0])).reshape(resolve_shape(node.shape,
                                                                          self.sizes))
        if op == "embed":                      # a block's place in a literal
            rows, cols = resolve_shape(node.shape, self.sizes)
            return np.eye(rows, cols, -resolve_dim(node.value, self.sizes))
        rec = REGISTRY.get(op)
        if rec is not None and rec.kind == "const":
            return np.full((1, 1), rec.value)
        handler = SPECIAL.get(op) or (generic if rec is not None and rec.numpy else None)
        if handler is None:
            raise CheckError(f"cannot evaluate the node '{op}'"
                             + (": a differential d(·) is not a value" if op == "d" else ""),
                             label="not-evaluable")
        return handler(self, node)

    def well_conditioned(self, a) -> bool:
        """A matrix that floating point can invert meaningfully (a rank-deficient Gram matrix
        XᵀX has a determinant of 1e-30, not 0: its log and inverse are noise, not values)."""
        np = self.np
        if not np.all(np.isfinite(a)):
            return False               # (LAPACK would complain on stderr about NaN input)
        with np.errstate(all="ignore"):
            c = float(np.linalg.cond(a))
        self.cond = max(self.cond, c) if np.isfinite(c) else math.inf
        return bool(np.isfinite(c) and c < 1e12)


def evaluate(expr, env: dict, sizes: dict | None = None):
    """The 2-D float64 value of `expr` with variables bound by `env` (scalars, 1-D or 2-D
    arrays, normalised by the shapes of the variable nodes); sizes are read from them."""
    var_shapes = {n.value: n.shape for n in expr.walk() if n.op == "var"}
    arrays = {k: as_2d(v, var_shapes[k], k) for k, v in env.items() if k in var_shapes}
    return Evaluator(arrays, bind_sizes(var_shapes, arrays, sizes))(expr)


def lambdify(result, wrt, var_shapes, *, out_shape, layout="numerator", order=1):
    """f(*arrays, **arrays) -> the derivative array of shape S+T·order (conventions) from the
    closed form `result`; `out_shape` is the 2-D shape of the differentiated expression.
    Its parameters are the variables in the order of `var_shapes` (first appearance in the
    expression, as the shape line prints them; then any other declared or wrt name), each
    positional or keyword; those the closed form does not use may be left out.  A missing,
    unknown or doubled argument is an `ArgumentError` (a UsageError and a TypeError)."""
    shapes = {k: parse_decl(v, k) for k, v in (var_shapes or {}).items()}
    for n in result.walk():
        if n.op == "var":
            shapes.setdefault(n.value, n.shape)
    names = [wrt] if isinstance(wrt, str) else list(wrt)
    missing = [n for n in names if n not in shapes]
    if missing:
        raise ShapeError(f"no shape for {', '.join(missing)}", label="missing-shape")
    out_shape = parse_decl(out_shape, "the output")
    fname = "d_by_" + "_".join(names)
    used = result.free_vars()
    sig = _signature(list(shapes), used)

    def derivative(*args, **kwargs):
        arrays = _bind(sig, fname, list(shapes), used, args, kwargs)
        env = {k: as_2d(v, shapes.get(k, (1, 1)), k) for k, v in arrays.items()}
        sizes = bind_sizes(shapes, env)
        value = Evaluator(env, sizes)(result)
        T = wrt_shape(names, shapes, sizes)
        return to_array(value, numpy_shape(out_shape, sizes), T, order, layout)

    derivative.__name__ = derivative.__qualname__ = fname
    if sig is not None:
        derivative.__signature__ = sig
    return derivative


def lambdify_index(form, wrt, var_shapes):
    """f(*arrays, **arrays) -> the derivative array from an index form (`matcalc.tensor`);
    arguments as for `lambdify`."""
    from .tensor.arrays import NumpyLike, form_array
    shapes = {k: parse_decl(v, k) for k, v in (var_shapes or {}).items()}
    names = [wrt] if isinstance(wrt, str) else list(wrt)
    fname = "d_by_" + "_".join(names)
    used = {n.value for t in form.terms for e, _ in t.factors for n in e.walk()
            if n.op == "var"} | set(names)
    sig = _signature(list(shapes), used)

    def derivative(*args, **kwargs):
        arrays = _bind(sig, fname, list(shapes), used, args, kwargs)
        env = {k: as_2d(v, shapes.get(k, (1, 1)), k) for k, v in arrays.items()}
        sizes = bind_sizes(shapes, env)
        return form_array(form, Evaluator(env, sizes), sizes, NumpyLike())

    derivative.__name__ = derivative.__qualname__ = fname
    if sig is not None:
        derivative.__signature__ = sig
    return derivative


def _signature(params: list, used: set):
    """A Python signature for `params` (those not `used` default to None), when every name
    can be a parameter."""
    import inspect
    import keyword
    if not all(p.isidentifier() and not keyword.iskeyword(p) for p in params):
        return None
    kind, empty = inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty
    out, optional = [], False
    for p in params:
        optional = optional or p not in used        # after an optional one, all are
        out.append(inspect.Parameter(p, kind, default=None if optional else empty))
    return inspect.Signature(out)


def _bind(sig, fname: str, params: list, used: set, args, kwargs) -> dict:
    call = f"{fname}({', '.join(params)})"
    if sig is not None:
        try:
            bound = sig.bind(*args, **kwargs).arguments
        except TypeError as e:
            raise ArgumentError(f"{fname}(): {e}", label="bad-arguments",
                                hint=f"call it as {call}, positionally or by name") from None
        kwargs, args = {k: v for k, v in bound.items() if v is not None}, ()
    if args:
        raise ArgumentError(f"{fname}() takes its arguments by name", label="bad-arguments",
                            hint=f"call it as {call} with keywords")
    missing = [p for p in params if p in used and p not in kwargs]
    unknown = [k for k in kwargs if k not in params]
    if missing or unknown:
        what = (f"missing a value for {', '.join(missing)}" if missing else
                f"unexpected {', '.join(unknown)}")
        raise ArgumentError(f"{fname}(): {what}", label="bad-arguments",
                            hint=f"call it as {call}; the closed form uses "
                                 f"{', '.join(p for p in params if p in used) or 'none'}")
    return dict(kwargs)
