"""NumPy evaluation of typed expression trees, and `lambdify` of closed-form derivatives.

Owns: `evaluate(expr, env, sizes)`, `lambdify(result, wrt, var_shapes, ...)`, and the shape
helpers the checker shares (`resolve_dim`, `numpy_shape`, `bind_sizes`, `as_2d`,
`derivative_shape`, `to_jacobian_array`).
Invariants: every value is a 2-D float64 array (a scalar is 1×1) except inside the evaluator,
where `diag(vector)` stays a lazy `_Diag` so that `diag(u) @ A` is computed as `u[:, None] * A`
and an n×n diagonal matrix is never materialised unless something really needs it.
NumPy is imported lazily (plain derivation must not pay for it); nothing here imports SymPy.
"""
from __future__ import annotations

import math

from .errors import CheckError, ShapeError
from .shapes import parse_decl
from .tree import EWISE_FUNCS


# -- sizes and shapes ----------------------------------------------------------------------

def resolve_dim(d, sizes: dict) -> int:
    """The integer value of a size: an int, a bound name, or a compound `n+m` / `n*m`."""
    if isinstance(d, int):
        return d
    if d in sizes:
        return int(sizes[d])
    if d.isdigit():
        return int(d)
    # compound sizes come from shapes.shape_of: '+' (concatenation) binds looser than '*'
    if "+" in d:
        return sum(resolve_dim(part.strip(), sizes) for part in d.split("+"))
    if "*" in d:
        return math.prod(resolve_dim(part.strip(), sizes) for part in d.split("*"))
    raise CheckError(f"the size {d!r} has no value here",
                     hint=f"give it one, e.g. sizes={{{d!r}: 4}}", label="unknown-size")


def resolve_shape(shape, sizes: dict) -> tuple:
    return (resolve_dim(shape[0], sizes), resolve_dim(shape[1], sizes))


def numpy_shape(shape, sizes: dict) -> tuple:
    """The §3 NumPy shape of a 2-D typed shape: scalar (), vector (n,), matrix (m, n)."""
    r, c = shape
    if r == 1 and c == 1:
        return ()
    if c == 1:
        return (resolve_dim(r, sizes),)
    if r == 1:
        return (resolve_dim(c, sizes),)
    return resolve_shape(shape, sizes)


def normalise_shapes(var_shapes: dict | None) -> dict:
    """{name: (rows, cols)} from declarations ('n', 'm,n', 'scalar') or tuples."""
    return {k: parse_decl(v, k) for k, v in (var_shapes or {}).items()}


def wrt_shape(wrt, var_shapes: dict, sizes: dict) -> tuple:
    """T: the shape of one variable, or (total,) for the concatenation of several."""
    names = [wrt] if isinstance(wrt, str) else list(wrt)
    if len(names) == 1:
        return numpy_shape(var_shapes[names[0]], sizes)
    return (sum(math.prod(resolve_shape(var_shapes[n], sizes)) for n in names),)


def derivative_shape(out_shape, wrt, var_shapes, sizes, order=1) -> tuple:
    """S + T·order, the NumPy shape of the derivative array."""
    return numpy_shape(out_shape, sizes) + wrt_shape(wrt, var_shapes, sizes) * order


def expected_matrix_shape(S: tuple, T: tuple, order: int, layout: str) -> tuple | None:
    """The 2-D shape §3 prescribes for the closed form; None for tensors (any C-order
    reshape of the right size is accepted there)."""
    full = S + T * order
    if len(full) > 2:
        return None
    if len(full) == 2:
        shape = full
    elif len(full) == 1:
        shape = (1, full[0]) if not S else (full[0], 1)
    else:
        shape = (1, 1)
    if layout == "denominator" and len(S) <= 1 and len(T) <= 1:
        shape = shape[::-1]
    return shape


def to_jacobian_array(matrix, S, T, order=1, layout="numerator"):
    """The closed form's 2-D value reshaped (C order) to S+T; ShapeError if it cannot be."""
    import numpy as np
    if layout == "denominator" and len(S) <= 1 and len(T) <= 1:
        matrix = matrix.T
    full = S + T * order
    if matrix.size != math.prod(full):
        raise ShapeError(f"the closed form has {matrix.size} entries; a derivative of shape "
                         f"{full} has {math.prod(full)}", label="jacobian-size")
    return np.ascontiguousarray(matrix).reshape(full)


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

class _Diag:
    """diag(vec) kept lazy: only products and a few structural ops are taken through it."""
    __slots__ = ("vec",)

    def __init__(self, vec):
        self.vec = vec          # 1-D


def _dense(v):
    import numpy as np
    return np.diag(v.vec) if isinstance(v, _Diag) else v


def _ewise_table(np):
    return {
        "exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos, "tan": np.tan,
        "tanh": np.tanh, "sqrt": np.sqrt, "abs": np.abs, "sign": np.sign,
        "sigmoid": lambda z: np.exp(-np.logaddexp(0.0, -z)),    # stable for large |z|
        "softplus": lambda z: np.logaddexp(0.0, z),
        "step": lambda z: (z > 0).astype(float),                 # step(0) = 0 (DESIGN §2)
    }


_BINARY = {"add", "sub", "mul", "div", "pow", "max", "min"}
# arguments whose closeness to 0 makes a point unsafe: kinks, poles, domain edges
_WATCHED = {"step", "sign", "abs", "log", "sqrt"}


class Evaluator:
    """Evaluates trees at one binding of variables; `margin` records how close the point came
    to a kink (step/sign/abs/max/min), a pole (division) or a domain edge (log/sqrt)."""

    def __init__(self, env: dict, sizes: dict):
        import numpy as np
        self.np = np
        self.env = env
        self.sizes = sizes
        self.memo: dict = {}
        self.margin = math.inf
        self.cond = 1.0         # the worst condition number of a matrix inverted on the way
        self.funcs = _ewise_table(np)

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
        if op == "d" or op == "pvar" or op not in _HANDLERS:
            raise CheckError(f"cannot evaluate the node '{op}'"
                             + (": a differential d(·) is not a value" if op == "d" else ""),
                             label="not-evaluable")
        return _HANDLERS[op](self, node)


def _binary(ev, node):
    np = ev.np
    a, b = (ev.value(x) for x in node.args)
    op = node.op
    if op == "mul" and isinstance(a, _Diag) and isinstance(b, _Diag):
        return _Diag(a.vec * b.vec)            # diag(u) ⊙ diag(v) = diag(u ⊙ v)
    if op == "mul" and isinstance(a, _Diag) and not isinstance(b, _Diag) and b.shape == (1, 1):
        return _Diag(a.vec * b[0, 0])
    if op == "mul" and isinstance(b, _Diag) and not isinstance(a, _Diag) and a.shape == (1, 1):
        return _Diag(b.vec * a[0, 0])
    a, b = _dense(a), _dense(b)
    if op in ("max", "min"):
        ev.watch(a - b)
        return (np.maximum if op == "max" else np.minimum)(a, b)
    if op == "div":
        ev.watch(b)
        return a / b
    if op == "pow":
        return np.power(a, b)
    return {"add": np.add, "sub": np.subtract, "mul": np.multiply}[op](a, b)


def _matmul(ev, node):
    a, b = (ev.value(x) for x in node.args)
    if isinstance(a, _Diag) and isinstance(b, _Diag):
        return _Diag(a.vec * b.vec)
    if isinstance(a, _Diag):          # diag(u) @ B scales the rows of B
        return a.vec[:, None] * b
    if isinstance(b, _Diag):          # A @ diag(u) scales the columns of A
        return a * b.vec[None, :]
    return a @ b


def _diag(ev, node):
    a = ev.value(node.args[0])
    r, c = node.args[0].shape
    if c == 1 or r == 1:              # a vector (or scalar) becomes a diagonal matrix
        return _Diag(_dense(a).reshape(-1))
    if isinstance(a, _Diag):
        return a.vec[:, None]
    return ev.np.diagonal(a).copy()[:, None]


def _ewise(ev, node):
    z = _dense(ev.value(node.args[0]))
    if node.op in _WATCHED:
        ev.watch(z)
    return ev.funcs[node.op](z)


def _reduce(ev, node):
    np, op = ev.np, node.op
    a = ev.value(node.args[0])
    if isinstance(a, _Diag) and op in ("sum", "tr"):
        return np.full((1, 1), a.vec.sum())
    a = _dense(a)
    if op == "sum":
        v = a.sum()
    elif op == "mean":
        v = a.mean()
    elif op == "norm":
        v = np.sqrt(np.sum(a * a))
    elif op == "logsumexp":
        top = a.max()
        v = top + np.log(np.sum(np.exp(a - top)))
    elif op == "tr":
        v = np.trace(a)
    elif op == "det":
        v = np.linalg.det(a) if _well_conditioned(ev, a) else np.nan
    else:                              # logdet: log of a positive determinant, else nan
        sign, logabs = np.linalg.slogdet(a)
        v = logabs if sign > 0 and _well_conditioned(ev, a) else np.nan
    return np.full((1, 1), float(v))


def _well_conditioned(ev, a) -> bool:
    """A matrix that floating point can invert meaningfully (a rank-deficient Gram matrix
    XᵀX has a determinant of 1e-30, not 0: its log and inverse are noise, not values).
    Records the condition number in `ev.cond`, which the checker uses to avoid points where
    finite differences through an inverse cannot be trusted."""
    np = ev.np
    if not np.all(np.isfinite(a)):
        return False                   # (LAPACK would complain on stderr about NaN input)
    with np.errstate(all="ignore"):
        c = float(np.linalg.cond(a))
    ev.cond = max(ev.cond, c) if np.isfinite(c) else math.inf
    return bool(np.isfinite(c) and c < 1e12)


def _softmax(ev, node):
    a = _dense(ev.value(node.args[0]))
    e = ev.np.exp(a - a.max())
    return e / e.sum()


def _structural(ev, node):
    np, op = ev.np, node.op
    vals = [ev.value(x) for x in node.args]
    if op == "neg":
        return _Diag(-vals[0].vec) if isinstance(vals[0], _Diag) else -vals[0]
    if op == "T":
        return vals[0] if isinstance(vals[0], _Diag) else vals[0].T
    if op == "inv":
        if isinstance(vals[0], _Diag):
            return _Diag(1.0 / vals[0].vec)
        if not _well_conditioned(ev, vals[0]):
            return np.full(vals[0].shape, np.nan)   # singular in floating point: undefined
        return np.linalg.inv(vals[0])
    vals = [_dense(v) for v in vals]
    if op == "dot":
        return np.full((1, 1), float(np.dot(vals[0].reshape(-1), vals[1].reshape(-1))))
    if op == "kron":
        return np.kron(vals[0], vals[1])
    return (np.vstack if op == "vcat" else np.hstack)(vals)


_HANDLERS = {op: _binary for op in _BINARY}
_HANDLERS.update({op: _ewise for op in EWISE_FUNCS})
_HANDLERS.update({op: _reduce for op in ("sum", "mean", "norm", "logsumexp", "tr", "det",
                                         "logdet")})
_HANDLERS.update({"matmul": _matmul, "diag": _diag, "softmax": _softmax})
_HANDLERS.update({op: _structural for op in ("neg", "T", "inv", "dot", "kron", "vcat", "hcat")})


def evaluate(expr, env: dict, sizes: dict | None = None):
    """The 2-D float64 value of `expr` with variables bound by `env` (scalars, 1-D or 2-D
    arrays, normalised by the shapes of the variable nodes); sizes are read from them."""
    var_shapes = {n.value: n.shape for n in expr.walk() if n.op == "var"}
    arrays = {k: as_2d(v, var_shapes[k], k) for k, v in env.items() if k in var_shapes}
    return Evaluator(arrays, bind_sizes(var_shapes, arrays, sizes))(expr)


def lambdify(result, wrt, var_shapes, *, layout="numerator", order=1, out_shape=None):
    """f(**arrays) -> the derivative array of shape S+T (§3) from the closed form `result`.

    `out_shape` is the 2-D shape of the differentiated expression (S); without it S is read
    off the result (exact for scalars and vectors, the common case).
    """
    shapes = normalise_shapes(var_shapes)
    for n in result.walk():
        if n.op == "var":
            shapes.setdefault(n.value, n.shape)
    names = [wrt] if isinstance(wrt, str) else list(wrt)
    missing = [n for n in names if n not in shapes]
    if missing:
        raise ShapeError(f"no shape for {', '.join(missing)}", label="missing-shape")

    def derivative(**arrays):
        env = {k: as_2d(v, shapes.get(k, (1, 1)), k) for k, v in arrays.items()}
        sizes = bind_sizes(shapes, env)
        value = Evaluator(env, sizes)(result)
        T = wrt_shape(names, shapes, sizes)
        S = _guess_out(value.size, T, order) if out_shape is None else \
            numpy_shape(parse_decl(out_shape, "the output"), sizes)
        return to_jacobian_array(value, S, T, order, layout)

    derivative.__name__ = "d_by_" + "_".join(names)
    return derivative


def _guess_out(size: int, T: tuple, order: int) -> tuple:
    per = math.prod(T) ** order
    if size % per:
        raise ShapeError(f"the closed form has {size} entries, not a multiple of the "
                         f"{per} a derivative by {T} needs", label="jacobian-size")
    return () if size == per else (size // per,)
