"""derive(): text in, a `Derivation` out — the closed form, its shape, its steps, its proof.

Owns: `derive`, `Derivation`, and the choice of sweep for each shape of problem
(DESIGN §3): by a scalar, dy = J dx with dx = 1; by a vector, the forward sweep (`jac`
rules: the vector chain rule) or, for a scalar whose intermediates are matrices, the reverse
sweep; by a matrix, the reverse sweep (`grad` rules) to the gradient shaped like the matrix;
order 2, the derivative of the gradient.
Invariant: `Derivation.result` has the shape DESIGN §3 promises, and it is simplified.
"""
from __future__ import annotations

import functools
import re

from .api import parse_with_shapes
from .engine import Engine
from .errors import InternalError, MatcalcError, UnsupportedError
from .patterns import mk
from .rulebook import load
from .shapes import parse_decl
from .simplify import present, simplify
from .tree import SCALAR, Expr, count, format_shape, num, zeros


_NAME = re.compile(r"[A-Za-z_\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff\u2080-\u2089]*")


def _wrt_list(wrt) -> list[str]:
    if isinstance(wrt, str):
        names = [w.strip() for w in wrt.split(",")]
    elif isinstance(wrt, (list, tuple)) and all(isinstance(w, str) for w in wrt):
        names = [w.strip() for w in wrt]
    else:
        raise MatcalcError(f"wrt must be a name or a list of names, not {type(wrt).__name__}",
                           label="bad-wrt")
    bad = [n for n in names if n and not _NAME.fullmatch(n)]
    if bad:
        raise MatcalcError(f"{bad[0]!r} is not a variable name", label="bad-wrt",
                           hint="a name starts with a letter: x, W1, x_i, β")
    if not names or any(not n for n in names):
        raise MatcalcError("name the variable(s) to differentiate by, e.g. wrt='x' or "
                           "wrt=['x', 'y']", label="no-wrt")
    if len(set(names)) != len(names):
        raise MatcalcError(f"a variable is named twice in wrt={names}", label="bad-wrt")
    return names


def substitute(e: Expr, old: Expr, new: Expr) -> Expr:
    memo: dict[Expr, Expr] = {}
    for n in e.walk():
        if n == old:
            memo[n] = new
        else:
            args = tuple(memo[a] for a in n.args)
            memo[n] = n if args == n.args else n.rebuild(*args)
    return memo[e]


def identify(engine: Engine, y: Expr, L: Expr | None) -> tuple[Expr, str]:
    """The derivative of y read off its differential L; and how ('scalar'|'forward'|'reverse')."""
    xs = engine.x.shape
    if xs == SCALAR:
        if L is None:
            return zeros(y.shape), "scalar"
        return substitute(L, engine.dx, num(1)), "scalar"
    y_vector = y.shape == SCALAR or y.shape[0] == 1 or y.shape[1] == 1
    if y_vector and y.shape != SCALAR and engine.x.is_matrix:
        # a vector by a matrix: the Jacobian by vec(X) (row-major), count(y) × count(X)
        return engine.jacobian(L, y.shape), "forward"
    if engine.x.is_vector and y_vector:
        try:
            return engine.jacobian(L, y.shape), "forward"
        except UnsupportedError:
            if y.shape != SCALAR:
                raise
    if y.shape == SCALAR:
        g = engine.gradient(L, num(1))
        return (mk("T", g) if engine.x.is_column else g), "reverse"
    raise UnsupportedError(
        f"the derivative of a {format_shape(y.shape)} expression by the "
        f"{format_shape(xs)} variable {engine.x.value} is a tensor of order "
        f"{_order(y.shape) + _order(xs)}; matcalc derives scalars by anything, and vectors by "
        f"scalars and vectors", label="tensor-derivative",
        hint="differentiate a scalar function of it (e.g. sum(…) or a norm), or one entry")


def _order(shape) -> int:
    return sum(1 for d in shape if d != 1)


class Derivation:
    """The result of `derive`: closed form, shape, steps, check and conversions."""

    def __init__(self, text, expr, wrt, var_shapes, order, layout, result, raw, record,
                 engines, methods, first=None):
        self.input = text
        self.expr = expr
        self.wrt = wrt
        self.var_shapes = var_shapes
        self.order = order
        self.layout = layout
        self.result = result
        self.raw = raw
        self._record = record
        self._engines = engines
        self._methods = methods
        self._first = first            # for order 2: the first derivative (the gradient)

    # -- reading -------------------------------------------------------------------------------
    def __str__(self) -> str:
        return str(self.result)

    def __repr__(self) -> str:
        return (f"<Derivation ∂/∂{','.join(self.wrt)} {self.input!r} = {self.result} "
                f"({self.shape_text}, {self.layout} layout)>")

    def display(self, threshold: int = 160):
        """(main text, [(name, definition)]): the result with shared subexpressions named
        once (h₁ = tanh(W1 x), …) when that is shorter — printed size linear in the DAG."""
        plain = str(self.result)
        if len(plain) <= threshold:
            return plain, []
        from .printing.cse import cse_text_size, to_text_cse
        main, defs = to_text_cse(self.result)
        if not defs or cse_text_size(main, defs) > 0.8 * len(plain):
            return plain, []
        return main, defs

    @property
    def shape(self) -> tuple:
        return tuple(str(d) for d in self.result.shape)

    @property
    def shape_text(self) -> str:
        return format_shape(self.result.shape)

    @property
    def latex(self) -> str:
        from .printing.latex import to_latex
        return to_latex(self.result)

    def _repr_latex_(self) -> str:
        from .printing.latex import to_latex
        lhs = to_latex(self.expr)
        var = ", ".join(to_latex(Expr("var", (), self.var_shapes[w], w)) for w in self.wrt)
        d = "\\partial" if self.order == 1 else "\\partial^2"
        den = f"\\partial {var}" if self.order == 1 else f"\\partial {var}^2"
        return f"$\\frac{{{d}}}{{{den}}} {lhs} = {self.latex}$"

    @functools.cached_property
    def steps(self) -> list:
        from .steps import explain
        return explain(self)

    def steps_text(self) -> str:
        from .steps import steps_text
        return steps_text(self.steps)

    def steps_latex(self) -> str:
        from .steps import steps_latex
        return steps_latex(self.steps)

    # -- proof and conversions ----------------------------------------------------------------------
    def check(self, sizes=None, methods=("exact", "numeric"), seed: int = 0):
        from .check import check_derivative
        return check_derivative(self.expr, self.result, self.wrt, self.var_shapes,
                                order=self.order, layout=self.layout, methods=methods,
                                sizes=sizes, seed=seed)

    def lambdify(self, backend: str = "numpy"):
        if backend != "numpy":
            raise UnsupportedError(f"lambdify backend {backend!r}: only 'numpy' (use "
                                   f"--format pytorch/jax for code)", label="backend")
        from .evaluate import lambdify
        return lambdify(self.result, self.wrt, self.var_shapes, layout=self.layout,
                        order=self.order)

    def to_sympy(self, sizes=None):
        from .sympy_bridge import to_sympy
        return to_sympy(self.result, sizes)

    def _result_dict(self) -> dict:
        return _result_dict_of(self)

    def to_dict(self, check=None) -> dict:
        out = {
            "input": self.input,
            "wrt": list(self.wrt),
            "order": self.order,
            "shapes": {k: format_shape(v) for k, v in self.var_shapes.items()},
            "result": self._result_dict(),
            "shape": list(self.shape),
            "layout": self.layout,
            "steps": [s.to_dict() for s in self.steps],
        }
        if check is not None:
            out["check"] = check.to_dict()
        return out


def _result_dict_of(d) -> dict:
    out = {"text": str(d.result), "latex": _safe_latex(d.result)}
    main, where = d.display()
    if where:
        out["shared"] = {"text": main, "where": [{"name": n, "text": t} for n, t in where]}
    return out


def _safe_latex(e):
    try:
        from .printing.latex import to_latex
        return to_latex(e)
    except Exception:       # the LaTeX printer is optional for the text/JSON paths
        return None


def derive(text: str, wrt, shapes=None, order: int = 1, layout: str = "numerator",
           rulebook=None) -> Derivation:
    """Differentiate `text` by `wrt`; see DESIGN §3, §4.

    >>> str(derive("max(0, w.x + b)", "w", {"w": "n", "x": "n", "b": "scalar"}))
    'step(w·x + b) xᵀ'
    """
    if layout not in ("numerator", "denominator"):
        raise MatcalcError(f"layout must be 'numerator' or 'denominator', not {layout!r}",
                           label="bad-layout")
    if order not in (1, 2):
        raise UnsupportedError(f"order {order}: matcalc derives first and second derivatives",
                               label="bad-order")
    names = _wrt_list(wrt)
    expr, var_shapes = parse_with_shapes(text, shapes)
    for n in names:
        if n not in var_shapes:
            declared = (shapes or {}).get(n)
            var_shapes[n] = parse_decl(declared, n) if declared is not None else SCALAR
    rb = rulebook if rulebook is not None else load()
    record: list = []
    engines, methods, parts = [], [], []
    first = None
    if order == 2:
        if len(names) != 1 or expr.shape != SCALAR:
            raise UnsupportedError("a Hessian needs a scalar expression and one variable",
                                   label="bad-hessian")
        x = names[0]
        if var_shapes[x] != SCALAR and var_shapes[x][0] != 1 and var_shapes[x][1] != 1:
            raise UnsupportedError(f"the Hessian by the {format_shape(var_shapes[x])} variable "
                                   f"{x} is a tensor of order 4; matcalc takes Hessians by "
                                   f"scalars and vectors", label="tensor-derivative")
        eng = Engine(rb, x, var_shapes[x])
        J, how = identify(eng, expr, eng.differential(expr))
        grad = simplify(mk("T", J) if var_shapes[x][1] == 1 and var_shapes[x] != SCALAR
                        else J)                                       # shaped like x
        first = (grad, how)
        eng2 = Engine(rb, x, var_shapes[x])
        H, how2 = identify(eng2, grad, eng2.differential(grad))
        engines, methods, parts = [eng, eng2], [how, how2], [H]
    else:
        for x in names:
            eng = Engine(rb, x, var_shapes[x])
            J, how = identify(eng, expr, eng.differential(expr))
            engines.append(eng)
            methods.append(how)
            parts.append(J)
    if len(parts) == 1:
        raw = parts[0]
    else:
        if any(var_shapes[n][1] != 1 for n in names) or expr.shape[1] != 1:
            raise UnsupportedError("several variables at once: each must be a scalar or a "
                                   "column vector, and the expression a scalar or a column",
                                   label="multi-wrt")
        raw = mk("hcat", *parts)
    result = simplify(raw, record)
    if layout == "denominator" and _is_vector_case(expr.shape, [var_shapes[n] for n in names]):
        result = simplify(mk("T", result), record)
    result = present(result)
    _assert_shape(result, expr.shape, [var_shapes[n] for n in names], order, layout)
    return Derivation(text, expr, names, var_shapes, order, layout, result, raw, record,
                      engines, methods, first)


def _is_vector_case(yshape, xshapes) -> bool:
    def vec(s):
        return s == SCALAR or s[0] == 1 or s[1] == 1
    return vec(yshape) and all(vec(s) for s in xshapes)


def _size_text(c) -> str:
    if isinstance(c, tuple):
        return "*".join(str(d) for d in c) if c else "1"
    return str(c)


def _assert_shape(result, yshape, xshapes, order, layout):
    """DESIGN §3: numerator layout; a scalar by a matrix has the matrix's shape; otherwise
    count(y) × count(x) (the tensor cases by row-major vec)."""
    if len(xshapes) > 1:
        return                                   # blocks side by side: checked per block
    x = xshapes[0]
    if order == 2:
        want = (count(x), count(x))
    elif x == SCALAR:
        want = yshape
    elif yshape == SCALAR and x[0] != 1 and x[1] != 1:
        want = x
    else:
        want = (count(yshape), count(x))
        if layout == "denominator" and _is_vector_case(yshape, xshapes):
            want = want[::-1]
    got = tuple(_size_text(d) for d in result.shape)
    if got != tuple(_size_text(d) for d in want):
        raise InternalError(f"the derivative has shape {format_shape(result.shape)}, expected "
                            f"{want}", label="internal")
