"""Records of the matrixcalculus.org dialect's own functions: `norm1`, `norm2`, `vector(c)`,
`matrix(c)` and `eye(c)` — macros (`expand`) visible only in that dialect (`Op.dialect`),
rewritten at parse time into the common language, so nothing after the parser knows them.
"""
from __future__ import annotations

from ..tree import Expr
from . import Op, register

MATRIXCALCULUS = "matrixcalculus"


def _node(op: str, *args: Expr, at: Expr) -> Expr:
    return Expr(op, args, None, None, at.span)


def _matrix_of_ones(at: Expr) -> Expr:
    ones = _node("ones", at=at)
    return _node("matmul", ones, _node("T", _node("ones", at=at), at=at), at=at)


register(
    Op("norm1", "macro", 1, names=("norm1",), dialect=MATRIXCALCULUS,
       expand=lambda v: ("sum", (_node("abs", v, at=v),)),
       doc="norm1(v) = sum(abs(v)): the 1-norm (entry-wise for a matrix)"),
    Op("norm2", "macro", 1, names=("norm2",), dialect=MATRIXCALCULUS,
       expand=lambda v: ("norm", (v,)),
       doc="norm2(v) = norm(v): the Euclidean norm (Frobenius for a matrix)"),
    Op("vector", "macro", 1, names=("vector",), dialect=MATRIXCALCULUS,
       expand=lambda c: ("mul", (c, _node("ones", at=c))),
       doc="vector(c) = c 𝟏: the vector whose entries are all c (size from context)"),
    Op("matrix", "macro", 1, names=("matrix",), dialect=MATRIXCALCULUS,
       expand=lambda c: ("mul", (c, _matrix_of_ones(c))),
       doc="matrix(c) = c 𝟏 𝟏ᵀ: the matrix whose entries are all c (size from context)"),
    Op("mc_eye", "macro", 1, names=("eye",), dialect=MATRIXCALCULUS,
       expand=lambda c: ("mul", (c, _node("eye", at=c))),
       doc="eye(c) = c I: c times the identity (size from context)"),
)
