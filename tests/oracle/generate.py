"""The oracle's generator: random well-typed problems (hypothesis strategies).

Owns: `problems(max_depth)` — an expression built top-down by the shape asked for (scalar,
column, row, matrix, literal 2 / 2×2, Kronecker sizes), every operator and function of the
oracle tree, deliberate ties (`max(e, e)`, `min(e, abs(e))`, `max(abs(e), e)`,
`max(e', e.T)`), positive arguments where log/sqrt/real powers need them and well-conditioned
ones for inv/det/logdet; then the variables (one, or several scalars/vectors), the order (1, 2,
3 by scalars and vectors) or a mixed partial by two variables, the form asked for (auto,
differential, index, kron), the layout (denominator only where it means something) and the
size mode (integer, symbolic or mixed).
"""
from __future__ import annotations

from hypothesis import strategies as st

from .problem import Problem
from .tree import (FUNCS, REDUCE, SCALAR, Lit, Num, Ones, Op, Var, is_column, is_square,
                   variables, var_shapes)

N, M = "n", "m"
POOL = {SCALAR: "abc", (N, 1): "xyz", (M, 1): "uv", (N, N): "AB", (M, M): "C",
        (M, N): "WK", (N, M): "V"}
NUMBERS = (2.0, 3.0, 0.5, 1.5, -1.0)
EXPONENTS = (2.0, 3.0, -1.0, 0.5, 1.5, -2.0)
ANY_SHAPES = [SCALAR, (N, 1), (M, 1), (1, N), (N, N), (M, N), (N, M), (M, M), (2, 1), (2, 2),
              ((N, M), 1), ((N, N), (N, N)), ((N, M), (M, N))]
TOP_SHAPES = [SCALAR] * 8 + [(N, 1)] * 3 + [(M, 1)] * 2 + [(1, N)] + [(M, N)] * 2 + \
    [(N, N)] * 2 + [(2, 1), (2, 2)]


def _plain(d) -> bool:
    return d in (1, N, M)


def leaf(draw, shape):
    """A variable, number or literal of `shape` (a transpose or Kronecker product of leaves)."""
    if shape == SCALAR:
        if draw(st.integers(0, 3)) == 0:
            return Num(draw(st.sampled_from(NUMBERS)))
        return Var(draw(st.sampled_from(POOL[SCALAR])), SCALAR)
    if shape in POOL:
        return Var(draw(st.sampled_from(POOL[shape])), shape)
    r, c = shape
    if r == 1:
        return Op("T", (leaf(draw, (c, 1)),), draw(st.sampled_from(["'", ".T", "ᵀ"])))
    if isinstance(r, tuple) or isinstance(c, tuple):
        (r1, r2), (c1, c2) = (r if isinstance(r, tuple) else (1, 1)), \
            (c if isinstance(c, tuple) else (1, 1))
        return Op("kron", (leaf(draw, (r1, c1)), leaf(draw, (r2, c2))))
    cells = [[leaf(draw, SCALAR) for _ in range(c)] for _ in range(r)]
    if c == 1:
        return Lit((tuple(row[0] for row in cells),))
    return Lit(tuple(tuple(row) for row in cells))


def positive(draw, shape, depth):
    """An expression positive at most points (a log/sqrt/real-power argument)."""
    e = gen(draw, shape, depth - 1)
    how = draw(st.sampled_from(["exp", "softplus", "sigmoid", "square", "plain"]))
    if how == "square":
        return Op("add", (Op("pow", (e,), 2.0), Num(0.5)))
    return e if how == "plain" else Op("fn", (e,), how)


def well_conditioned(draw, d, depth):
    """A square matrix that is (usually) far from singular at a diagonally dominant point."""
    how = draw(st.sampled_from(["leaf", "leaf", "add", "matmul", "T", "inv", "scale", "any"]))
    if depth <= 0 or how == "leaf":
        return leaf(draw, (d, d))
    if how == "any":
        return gen(draw, (d, d), depth - 1)
    sub = well_conditioned(draw, d, depth - 1)
    if how in ("add", "matmul"):
        return Op(how, (sub, well_conditioned(draw, d, depth - 1)))
    if how == "scale":
        return Op("mul", (positive(draw, SCALAR, depth), sub))
    return Op(how, (sub,))


def tie(draw, shape, depth):
    """max/min whose arguments are equal (somewhere or everywhere)."""
    op = draw(st.sampled_from(["max", "min"]))
    e = gen(draw, shape, depth - 1)
    how = draw(st.sampled_from(["same", "abs-right", "abs-left", "transpose"]))
    if how == "transpose" and shape[0] == 1 and shape != SCALAR:
        inner = gen(draw, (shape[1], 1), depth - 1)
        return Op(op, (Op("T", (inner,), "'"), Op("T", (inner,), ".T")))
    if how == "abs-right":
        return Op(op, (e, Op("fn", (e,), "abs")))
    if how == "abs-left":
        return Op(op, (Op("fn", (e,), "abs"), e))
    return Op(op, (e, e))


def gen(draw, shape, depth):
    if depth <= 0:
        return leaf(draw, shape)
    r, c = shape
    choices = ["leaf", "ewise", "ewise", "neg", "fn", "fn", "pow", "maxmin", "tie"]
    if shape != SCALAR:
        choices += ["T", "ones", "scalar-ewise", "scalar-kron"]
    if _plain(r) and _plain(c):
        choices += ["matmul", "matmul"]
    if shape == SCALAR:
        choices += ["reduce", "reduce", "reduce", "dot", "tr", "det"]
    if is_column(shape) and _plain(r):
        choices += ["softmax", "diag"]
    if is_square(shape) and _plain(r):
        choices += ["inv", "diag"]
    if r == 2 and c in (1, 2):
        choices += ["lit"]
    how = draw(st.sampled_from(choices))
    sub = depth - 1
    if how == "leaf":
        return leaf(draw, shape)
    if how in ("ewise", "scalar-ewise", "maxmin"):
        op = draw(st.sampled_from(["add", "sub", "mul", "div"])) if how != "maxmin" else \
            draw(st.sampled_from(["max", "min"]))
        left = gen(draw, shape, sub)
        right = gen(draw, SCALAR if how == "scalar-ewise" else shape, sub)
        if how == "maxmin" and draw(st.booleans()):
            right = Num(0.0) if draw(st.booleans()) else right
        if draw(st.booleans()):
            left, right = right, left
        style = {"mul": draw(st.sampled_from(["*", "⊙"])),
                 "div": draw(st.sampled_from(["/", "⊘"]))}.get(op)
        if op == "div":
            right = positive(draw, right.shape, depth)
        return Op(op, (left, right), style)
    if how == "neg":
        return Op("neg", (gen(draw, shape, sub),))
    if how == "fn":
        f = draw(st.sampled_from(FUNCS))
        arg = positive(draw, shape, depth) if f in ("log", "sqrt") else gen(draw, shape, sub)
        return Op("fn", (arg,), f)
    if how == "pow":
        p = draw(st.sampled_from(EXPONENTS))
        base = positive(draw, shape, depth) if not p.is_integer() else gen(draw, shape, sub)
        return Op("pow", (base,), p)
    if how == "tie":
        return tie(draw, shape, depth)
    if how == "T":
        return Op("T", (gen(draw, (c, r), sub),), draw(st.sampled_from(["'", ".T", "ᵀ"])))
    if how == "ones":
        return Op(draw(st.sampled_from(["add", "mul"])), (gen(draw, shape, sub), Ones(shape)))
    if how == "scalar-kron":
        return Op("kron", (gen(draw, SCALAR, sub), gen(draw, shape, sub)))
    if how == "matmul":
        inner = [N, M] + ([1] if r != 1 and c != 1 else [])
        k = draw(st.sampled_from(inner))
        return Op("matmul", (gen(draw, (r, k), sub), gen(draw, (k, c), sub)))
    if how == "reduce":
        arg_shape = draw(st.sampled_from(ANY_SHAPES))
        return Op(draw(st.sampled_from(REDUCE)), (gen(draw, arg_shape, sub),))
    if how == "dot":
        d = draw(st.sampled_from([N, M]))
        return Op("dot", (gen(draw, (d, 1), sub), gen(draw, (d, 1), sub)))
    if how == "tr":
        return Op("tr", (gen(draw, draw(st.sampled_from([(N, N), (M, M)])), sub),))
    if how == "det":
        d = draw(st.sampled_from([N, M]))
        return Op(draw(st.sampled_from(["det", "logdet"])), (well_conditioned(draw, d, sub),))
    if how == "softmax":
        return Op("softmax", (gen(draw, shape, sub),))
    if how == "diag":
        return Op("diag", (gen(draw, (r, r) if c == 1 else (r, 1), sub),))
    if how == "inv":
        return Op("inv", (well_conditioned(draw, r, sub),))
    return leaf(draw, shape)                                  # "lit"


def _rank(shape) -> int:
    return sum(1 for d in shape if d != 1)


def _layouts(expr, wrt, order, mixed, shapes) -> list:
    """Where the denominator layout means something (docs/design.md §6): the vector case
    (output and every variable scalars or vectors), or a scalar's gradient by one variable."""
    vector_case = _rank(expr.shape) <= 1 and all(_rank(shapes[w]) <= 1 for w in wrt)
    gradient = order == 1 and not mixed and expr.shape == SCALAR and len(wrt) == 1
    return ["numerator", "denominator"] if vector_case or gradient else ["numerator"]


@st.composite
def problems(draw, max_depth: int = 4):
    shape = draw(st.sampled_from(TOP_SHAPES))
    expr = gen(draw, shape, draw(st.integers(1, max_depth)))
    names = variables(expr)
    if not names:                                   # a constant: give it a variable
        expr = Op("mul", (Var("a", SCALAR), expr))
        names = ["a"]
    shapes = var_shapes(expr)
    small = [n for n in names if 1 in shapes[n]]
    # order: Hessians of anything, order 3 by scalars and vectors (their arrays stay small);
    # mixed partials ∂²f/∂w₁∂w₂ by two variables of any shapes
    how = draw(st.sampled_from(["first"] * 10 + ["second"] * 4 + ["third", "mixed", "mixed"]))
    order, mixed = 1, False
    if how == "mixed" and len(names) >= 2:
        wrt, order, mixed = tuple(draw(st.permutations(names))[:2]), 2, True
    elif how == "third" and small and max(_rank(shapes[n]) for n in small) <= 1:
        wrt, order = (draw(st.sampled_from(small)),), 3
    elif how == "second" or (how == "third" and shape == SCALAR):
        order = 2
        wrt = (draw(st.sampled_from(small if small and draw(st.integers(0, 2)) else names)),)
    elif shape[1] == 1 and len(small) >= 2 and draw(st.integers(0, 3)) == 0:
        wrt = tuple(draw(st.permutations(small))[:draw(st.integers(2, len(small)))])
    else:
        wrt = (draw(st.sampled_from(names)),)
    form = draw(st.sampled_from(["auto"] * 7 + ["differential", "index", "kron"]))
    layout = draw(st.sampled_from(_layouts(expr, wrt, order, mixed, shapes)))
    n, m = draw(st.permutations([2, 3, 4]))[:2]
    mode = draw(st.sampled_from(["integer", "symbolic", "mixed"]))
    numeric = {"integer": (True, True), "symbolic": (False, False),
               "mixed": draw(st.sampled_from([(True, False), (False, True)]))}[mode]
    tokens = tuple((k, str(v) if num else k) for (k, v), num in zip(((N, n), (M, m)), numeric))
    return Problem(expr, wrt, order, layout, ((N, n), (M, m)), tokens, form, mixed)
