"""Folding: zeros carried through every operator, functions of numbers evaluated exactly,
matrix literals with zero blocks written out — one node at a time, part of the normal form.

Owns: `fold(e)` (the folded node, or None when nothing folds), `is_zero`, `is_ones`,
`zero_like`, `exact_value(op, q)`.
`𝟎` is the zero of every shape (a row of zeros is spelled `𝟎ᵀ`): a product, a linear map
(transpose, diag, sum, tr, vec, kron, …) or an element-wise function that is 0 at 0 of it
is 𝟎; a function of a number is folded when its value is an exact rational
(`exp(0) = 1`, `sigmoid(0) = 1/2`, `sqrt(9/4) = 3/2`, `step(−2) = 0`).
Invariant: values and shapes are unchanged; the node's children are already folded; a zero
divisor is left standing (its value is undefined, not 0).

>>> from matcalc import parse
>>> str(fold(parse("𝟎ᵀ @ A", {"A": "n,m"})))
'𝟎ᵀ'
>>> from matcalc.simplify import simplify          # bottom-up: tanh(0 x)ᵀ A → tanh(𝟎)ᵀ A → …
>>> str(simplify(parse("tanh(0 x)ᵀ @ A", {"x": "n", "A": "n,m"})))
'𝟎ᵀ'
"""
from __future__ import annotations

from fractions import Fraction

from .ops import kind
from .patterns import size_expr
from .tree import SCALAR, Expr, num

_LINEAR_IN_EACH = {"matmul", "kron", "dot", "mul"}      # 0 if any operand is 0
_LINEAR = {"neg", "T", "diag", "sum", "mean", "tr", "vec", "unvec"}


def is_zero(e: Expr) -> bool:
    """𝟎 of any shape, the number 0, or 𝟎ᵀ."""
    return e.op == "zeros" or (e.op == "num" and e.value == 0) or \
        (e.op == "T" and is_zero(e.args[0]))


def is_ones(e: Expr) -> bool:
    """𝟏 of any shape, or 𝟏ᵀ (not the number 1)."""
    return e.op == "ones" or (e.op == "T" and e.args[0].op == "ones")


def zero_like(shape) -> Expr:
    """𝟎 of `shape`, spelled as the normal form spells it (0, 𝟎, 𝟎ᵀ)."""
    if shape == SCALAR:
        return num(0)
    if shape[0] == 1:
        return Expr("T", (Expr("zeros", (), (shape[1], 1)),), shape)
    return Expr("zeros", (), shape)


def _ones_like(shape) -> Expr:
    if shape == SCALAR:
        return num(1)
    if shape[0] == 1:
        return Expr("T", (Expr("ones", (), (shape[1], 1)),), shape)
    return Expr("ones", (), shape)


def _sqrt(q: Fraction):
    if q < 0:
        return None
    a, b = _isqrt(q.numerator), _isqrt(q.denominator)
    return Fraction(a, b) if a is not None and b is not None else None


def _isqrt(n: int):
    import math
    r = math.isqrt(n)
    return r if r * r == n else None


def exact_value(op: str, q: Fraction):
    """The value of the element-wise function `op` at the rational q when it is rational and
    known exactly, else None."""
    if q == 0 and op in ("sin", "tan", "tanh", "erf", "gelu", "sqrt", "abs", "step", "sign"):
        return Fraction(0)
    if q == 0 and op in ("exp", "cos"):
        return Fraction(1)
    if q == 0 and op == "sigmoid":
        return Fraction(1, 2)
    if q == 1 and op == "log":
        return Fraction(0)
    if op == "abs":
        return abs(q)
    if op == "step":
        return Fraction(1 if q > 0 else 0)
    if op == "sign":
        return Fraction((q > 0) - (q < 0))
    if op == "sqrt":
        return _sqrt(q)
    return None


def _constant(op: str, args: tuple):
    """max/min of numbers, or None."""
    if op in ("max", "min") and all(a.op == "num" for a in args):
        return (max if op == "max" else min)(a.value for a in args)
    return None


def fold(e: Expr) -> Expr | None:
    """`e` folded (see the module's docstring), or None when nothing folds."""
    op, args = e.op, e.args
    if op in ("add", "sub", "mul") and e.shape != SCALAR:
        return _literal_arithmetic(e)
    if not args or op in ("add", "sub", "pvar"):
        return None
    if op in ("vcat", "hcat"):
        return _literal(e)
    if op == "tr" and args[0].op == "vcat":
        return _trace_of_literal(args[0])
    if op == "matmul" and args[1].op == "vcat" and all(a.shape[0] == 1 for a in args[1].args):
        left = args[0].args[1] if args[0].op == "matmul" else args[0]
        if left.op == "T" and left.args[0].op == "ones":    # 𝟏ᵀ [r₁; r₂] = r₁ + r₂
            rows = _sum_rows(args[1].args)
            return rows if left is args[0] else Expr("matmul", (args[0].args[0], rows), e.shape)
    zeros = [is_zero(a) for a in args]
    if op in ("max", "min") and any(zeros) and not all(zeros) and e.shape != SCALAR:
        return e.rebuild(*(num(0) if z else a for a, z in zip(args, zeros)))
    if op == "softmax" and zeros[0]:
        return Expr("div", (_ones_like(e.shape), size_expr(e.shape[0])), e.shape)
    if any(zeros):
        if op in _LINEAR or op in _LINEAR_IN_EACH:
            return zero_like(e.shape)
        if op == "div" and zeros[0] and not zeros[1]:
            return zero_like(e.shape)
        if op == "pow" and zeros[1]:
            return _ones_like(e.shape)
        if op == "pow" and zeros[0] and args[1].op == "num" and args[1].value > 0:
            return zero_like(e.shape)
        if op in ("norm", "det") and e.shape == SCALAR:
            return num(0)
        if len(args) == 1 and kind(op) == "ewise":
            v = exact_value(op, Fraction(0))
            if v is not None:
                return _filled(v, e.shape)
        if op in ("max", "min") and all(zeros):
            return zero_like(e.shape)
    if len(args) == 1 and args[0].op == "num" and kind(op) == "ewise":
        v = exact_value(op, args[0].value)
        return num(v) if v is not None else None
    v = _constant(op, args)
    return num(v) if v is not None else None


def _filled(v: Fraction, shape) -> Expr:
    if v == 0:
        return zero_like(shape)
    if v == 1 or shape == SCALAR:
        return _ones_like(shape) if v == 1 else num(v)
    return Expr("mul", (num(v), _ones_like(shape)), shape)


def _row_entries(r: Expr):
    """The scalar entries of a literal row ([a, b]ᵀ, 𝟎ᵀ or 𝟏ᵀ of a known length), or None."""
    if r.op == "T" and r.args[0].op == "vcat" and all(a.shape == SCALAR for a in r.args[0].args):
        return list(r.args[0].args)
    if r.shape[0] == 1 and isinstance(r.shape[1], int) and (is_zero(r) or is_ones(r)):
        return [num(0 if is_zero(r) else 1)] * r.shape[1]
    return None


def _literal(e: Expr) -> Expr | None:
    """A matrix literal whose rows are literal rows and zero (or one) blocks, written out:
    [𝟎ᵀ, [1, 0]ᵀ] is [0, 0; 1, 0]; a literal all of zeros is 𝟎."""
    if all(is_zero(a) for a in e.args):
        return zero_like(e.shape)
    if e.op != "vcat" or len(e.args) < 2 or not all(a.shape[0] == 1 for a in e.args):
        return None
    rows = [_row_entries(a) for a in e.args]
    if any(r is None for r in rows) or all(a.op == "T" and a.args[0].op == "vcat"
                                           for a in e.args):
        return None
    out = tuple(Expr("T", (Expr("vcat", tuple(r), (len(r), 1)),), (1, len(r))) for r in rows)
    return Expr("vcat", out, e.shape)


def _entries(e: Expr):
    """(entries, transposed) of a literal column [a, b] or row [a, b]ᵀ of scalars, or None."""
    t = e.op == "T"
    v = e.args[0] if t else e
    if v.op == "vcat" and all(a.shape == SCALAR for a in v.args):
        return list(v.args), t
    return None


def _literal_arithmetic(e: Expr) -> Expr | None:
    """c [a, b] = [c a, c b] and [a, b] ± [c, d] = [a ± c, b ± d], entry by entry."""
    a, b = e.args
    la, lb = _entries(a), _entries(b)
    if e.op == "mul" and (la is None) != (lb is None):
        (vals, t), s = (la, b) if la is not None else (lb, a)
        if s.shape != SCALAR:
            return None
        out = [Expr("mul", (s, x), SCALAR) for x in vals]
    elif e.op in ("add", "sub") and la is not None and lb is not None and la[1] == lb[1] \
            and len(la[0]) == len(lb[0]):
        t = la[1]
        out = [Expr(e.op, (x, y), SCALAR) for x, y in zip(la[0], lb[0])]
    else:
        return None
    col = Expr("vcat", tuple(out), (len(out), 1))
    return Expr("T", (col,), (1, len(out))) if t else col


def _sum_rows(rows) -> Expr:
    out = rows[0]
    for r in rows[1:]:
        out = Expr("add", (out, r), out.shape)
    return out


def _trace_of_literal(m: Expr) -> Expr | None:
    """tr of a square matrix literal: the sum of its diagonal entries."""
    rows = [_row_entries(a) for a in m.args]
    if any(r is None for r in rows) or any(len(r) != len(rows) for r in rows):
        return None
    out = rows[0][0]
    for i in range(1, len(rows)):
        out = Expr("add", (out, rows[i][i]), SCALAR)
    return out
