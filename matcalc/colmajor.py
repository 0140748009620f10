"""The column-major (Magnus & Neudecker) vec convention for Kronecker forms.

Owns: `column_major(J, q) -> Expr`, `VEC_ORDERS`.  matcalc's Kronecker forms use the
row-major vec (C order, NumPy's reshape): vec_r(X) lists X row by row.  Magnus & Neudecker
and the Matrix Cookbook stack columns: vec_c(X) = vec_r(Xᵀ) = K_X vec_r(X), with K_X =
commutation(X).  So the Jacobian in their convention is
    ∂vec_c(Y)/∂vec_c(X)ᵀ = K_Y J K_Xᵀ,
and a scalar's Hessian by a matrix K_X H K_Xᵀ.  The sandwich is distributed over J's terms
and simplified by rules/91-simplify-kron.toml (K_Y (A ⊗ B) K_Xᵀ = B ⊗ A where the factors
map rows to rows: ∂vec(AXB)/∂vec(X)ᵀ is A ⊗ Bᵀ row-major, Bᵀ ⊗ A column-major).
Invariant: the result is the same linear map read in the other order of entries; the checker
reshapes it in Fortran order within each axis group (conventions.to_array).
"""
from __future__ import annotations

from .errors import UsageError
from .shaperules import mk
from .sizes import SCALAR
from .tree import Expr

VEC_ORDERS = ("row", "column")


def supports(q) -> bool:
    """Column-major is defined for Jacobians (order 1, one variable) and for a scalar's
    Hessian by one variable: the two matrices Magnus & Neudecker identify."""
    if len(q.wrt) != 1 or q.mixed:
        return False
    return q.order == 1 or (q.order == 2 and q.expr.shape == SCALAR)


def column_major(J: Expr, q) -> Expr:
    from .simplify import simplify
    if all(1 in s for s in [q.expr.shape] + q.wrt_shapes):
        return J                           # vectors and scalars: both orders are one
    if not supports(q):
        raise UsageError("the column-major vec is defined for a Jacobian ∂vec(Y)/∂vec(X)ᵀ and "
                         "for a scalar's Hessian by one matrix", label="bad-vec",
                         hint="use the row-major form (the default), or form='index'")
    x = Expr("var", (), q.shapes[q.wrt[0]], q.wrt[0])
    left = q.expr if q.order == 1 else x
    K = mk("commutation", left)
    Kt = mk("T", mk("commutation", x))
    out = None
    for sign, term in _terms(J):
        t = mk("matmul", mk("matmul", K, term), Kt)
        t = mk("neg", t) if sign < 0 else t
        out = t if out is None else mk("add", out, t)
    return simplify(out, None, q.rulebook) if out is not None else J


def _terms(e: Expr, sign: int = 1):
    """The additive terms of e with their signs (a sum, a difference, a negation)."""
    if e.op == "add":
        yield from _terms(e.args[0], sign)
        yield from _terms(e.args[1], sign)
    elif e.op == "sub":
        yield from _terms(e.args[0], sign)
        yield from _terms(e.args[1], -sign)
    elif e.op == "neg":
        yield from _terms(e.args[0], -sign)
    else:
        yield sign, e
