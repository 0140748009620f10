"""The shape rules of the operators for nodes built from typed operands (the engine's, the
simplifier's, the rules' templates), and `mk`, the one way to build such a node.

Owns: `SHAPE_RULES` (rule name -> (operand shapes, value) -> shape), `shape_of`, `mk`.
Each operator's record names its rule (`matcalc.ops`); shape *inference* from untyped text
states the same rules as unifications (`matcalc.shapes`).
Invariant: a node whose operands do not fit raises `InternalError` — the engine never
builds an ill-shaped tree, and a rule template that would is a bug in rules/.

>>> from matcalc.tree import var
>>> mk("matmul", var("A", ("m", "n")), var("x", ("n", 1))).shape
('m', 1)
"""
from __future__ import annotations

from .errors import InternalError
from .ops import REGISTRY
from .sizes import SCALAR, add_sizes, format_shape, mul_sizes
from .tree import Expr


def _bad(op, shapes) -> InternalError:
    return InternalError(f"'{op}' of {' and '.join(format_shape(s) for s in shapes)}",
                         label="internal-shape")


def _broadcast(op, shapes, value):
    a, b = shapes
    if a == SCALAR:
        return b
    if b == SCALAR or a == b:
        return a
    raise _bad(op, shapes)


def _matmul(op, shapes, value):
    (ar, ac), (br, bc) = shapes
    if ac != br:
        raise _bad(op, shapes)
    return (ar, bc)


def _diag(op, shapes, value):
    r, c = shapes[0]
    if c == 1:
        return (r, r)
    if r == 1:
        return (c, c)
    return (r, 1)


def _frechet(op, shapes, value):
    (r, c), e = shapes[0], shapes[1]
    if r != c or e != (r, c):
        raise _bad(op, shapes)
    return (r, c)


def _concat(axis):
    def rule(op, shapes, value):
        total = shapes[0][axis]
        for s in shapes[1:]:
            total = add_sizes(total, s[axis])
        return (total, shapes[0][1]) if axis == 0 else (shapes[0][0], total)
    return rule


SHAPE_RULES = {
    "same": lambda op, shapes, value: shapes[0],
    "vector": lambda op, shapes, value: shapes[0],
    "square": lambda op, shapes, value: shapes[0],
    "broadcast": _broadcast,
    "transpose": lambda op, shapes, value: (shapes[0][1], shapes[0][0]),
    "matmul": _matmul,
    "dot": lambda op, shapes, value: SCALAR,
    "scalar": lambda op, shapes, value: SCALAR,
    "square_scalar": lambda op, shapes, value: SCALAR,
    "diag": _diag,
    "kron": lambda op, shapes, value: (mul_sizes(shapes[0][0], shapes[1][0]),
                                       mul_sizes(shapes[0][1], shapes[1][1])),
    "vec": lambda op, shapes, value: (mul_sizes(*shapes[0]), 1),
    "unvec": lambda op, shapes, value: tuple(value),
    "commutation": lambda op, shapes, value: (mul_sizes(*shapes[0]), mul_sizes(*shapes[0])),
    "frechet": _frechet,
    "kron_form": lambda op, shapes, value: (mul_sizes(*shapes[0]), mul_sizes(*shapes[0])),
    "vcat": _concat(0),
    "hcat": _concat(1),
    "matrix_same": lambda op, shapes, value: shapes[0],          # softmax_rows(Z)
    "row_reduce": lambda op, shapes, value: (shapes[0][0], 1),   # logsumexp_rows(Z)
}


def shape_of(op: str, args, value=None):
    """Shape of `op(args)` for typed operands (no inference here)."""
    rec = REGISTRY.get(op)
    if rec is None or rec.shape not in SHAPE_RULES:
        raise InternalError(f"no shape rule for '{op}'", label="internal-shape")
    return SHAPE_RULES[rec.shape](op, [a.shape for a in args], value)


def mk(op: str, *args: Expr, value=None) -> Expr:
    """Build a typed node; its shape follows from the operands'."""
    return Expr(op, args, shape_of(op, args, value), value)
