"""From index notation back to matrix notation, where the derivative has at most two axes.

Owns: `matrix_of(form) -> Expr | None`.  Term by term, the index structure is read as the
matrix operations that make it (Laue, Mitterreiter & Giesen's translation back):
  Σ_p A_ip B_pj → A B        A_ij B_ij → A ⊙ B      A_ji → Aᵀ       A_pp → tr(A)
  x_i y_j → x yᵀ             x_i δ_ij → diag(x)     Σ_p x_p → sum(x)
None where a term has no matrix reading (more than two free axes, an index in three
factors); the caller then keeps the form it has.
Invariant: the matrix returned has the derivative's 2-D shape (free axes in output order:
rows, then columns) and is the same array, term for term.
"""
from __future__ import annotations

from fractions import Fraction

from ..errors import MatcalcError
from ..shaperules import mk
from ..tree import Expr, num, ones


class _NoMatrix(Exception):
    pass


def matrix_of(form, shape) -> Expr | None:
    """The derivative as one matrix expression of 2-D `shape`, or None."""
    free = [g for g in form.out]
    if len(free) > 2 or any(len(g) != 1 for g in free):
        return None
    out_idx = [g[0] for g in free]
    total = None
    try:
        for t in form.terms:
            e = _term(t, out_idx, form.sizes, shape)
            total = e if total is None else mk("add", total, e)
    except (_NoMatrix, MatcalcError):
        return None
    if total is None:
        return Expr("zeros", (), tuple(shape))
    return total if total.shape == tuple(shape) else None


# a factor while a term is read: (expr, indices) with the expr's rows/cols in index order

def _orient(e: Expr, idx: tuple, want: tuple) -> Expr:
    """e indexed by idx, as a matrix indexed by `want` (a permutation of idx)."""
    if idx == want:
        return e
    if len(idx) == 2 and idx == want[::-1]:
        return mk("T", e)
    raise _NoMatrix()


def _as_col(e: Expr) -> Expr:
    return mk("T", e) if e.shape[0] == 1 and e.shape[1] != 1 else e


def _term(t, out_idx, sizes, shape) -> Expr:
    factors = [(e, tuple(idx)) for e, idx in t.factors]
    scalars = [e for e, idx in factors if not idx]
    factors = [(e if len(idx) != 1 else _as_col(e), idx) for e, idx in factors if idx]
    factors = [(mk("diag", e), idx[:1]) if len(idx) == 2 and idx[0] == idx[1] else (e, idx)
               for e, idx in factors]                 # A_ii: the diagonal of A
    deltas = list(t.deltas)
    free = set(out_idx)
    # contract every summed index
    while True:
        counts: dict = {}
        for _, idx in factors:
            for i in idx:
                counts[i] = counts.get(i, 0) + 1
        summed = [i for i in counts if i not in free]
        if not summed:
            break
        p = summed[0]
        holders = [k for k, (_, idx) in enumerate(factors) if p in idx]
        if len(holders) == 1:
            factors[holders[0]] = _reduce_alone(*factors[holders[0]], p)
        elif len(holders) == 2:
            a, b = (factors[k] for k in holders)
            for k in sorted(holders, reverse=True):
                del factors[k]
            factors.append(_contract(a, b, p))
        else:
            factors = _hadamard_all(factors, p)
    # combine what is left over the free indices (a contraction may have left scalars)
    scalars += [e for e, idx in factors if not idx]
    factors = [f for f in factors if f[1]]
    coef = Fraction(t.coef)
    body = _combine(factors, deltas, out_idx, sizes, shape)
    for s in scalars:
        body = mk("mul", s, body)
    if coef != 1:
        body = mk("mul", num(coef), body)
    return body


def _reduce_alone(e, idx, p):
    """An index summed in one factor only: tr(A) (A_pp), A 𝟏 / 𝟏ᵀ A, sum(x)."""
    if idx == (p, p):
        return mk("tr", e), ()
    if idx == (p,):
        return mk("sum", e), ()
    if len(idx) == 2:
        q = idx[1] if idx[0] == p else idx[0]
        m = _orient(e, idx, (q, p))                 # rows q, summed columns p
        return mk("matmul", m, ones((m.shape[1], 1))), (q,)
    raise _NoMatrix()


def _contract(a, b, p):
    """Σ_p of two factors that share p: a matrix product (one side transposed as needed)."""
    (ea, ia), (eb, ib) = a, b
    ra = tuple(i for i in ia if i != p)
    rb = tuple(i for i in ib if i != p)
    if len(ia) != len(set(ia)) or len(ib) != len(set(ib)):
        raise _NoMatrix()
    left = _orient(ea, ia, ra + (p,)) if ra else mk("T", ea)      # rows ra, columns p
    right = _orient(eb, ib, (p,) + rb) if rb else eb              # rows p, columns rb
    prod = mk("matmul", left, right)
    if not ra and rb:                                             # a row: back to a column
        prod = mk("T", prod)
    return prod, ra + rb


def _hadamard_all(factors, p):
    """An index in three or more factors: multiply element-wise the ones with the same
    indices first (x_p y_p z_p → (x ⊙ y) z)."""
    holders = [(k, f) for k, f in enumerate(factors) if p in f[1]]
    for (k1, (e1, i1)), (k2, (e2, i2)) in ((x, y) for x in holders for y in holders
                                           if x[0] < y[0]):
        if set(i1) == set(i2):
            merged = (mk("mul", e1, _orient(e2, i2, i1)), i1)
            rest = [f for k, f in enumerate(factors) if k not in (k1, k2)]
            return rest + [merged]
    raise _NoMatrix()


def _combine(factors, deltas, out_idx, sizes, shape) -> Expr:
    """The factors left (over free indices only) as one matrix of the output's shape."""
    rows = out_idx[0] if out_idx else None
    cols = out_idx[1] if len(out_idx) > 1 else None
    mats = [_orient(e, idx, (rows, cols)) for e, idx in factors if len(idx) == 2]
    us = [e for e, idx in factors if idx == (rows,) and rows is not None]
    vs = [e for e, idx in factors if idx == (cols,) and cols is not None]
    if len(out_idx) == 2 and deltas:
        if len(deltas) != 1 or set(deltas[0]) != {rows, cols}:
            raise _NoMatrix()
        vec = None
        for v in us + vs + [mk("diag", m) for m in mats]:
            vec = v if vec is None else mk("mul", vec, v)
        return mk("diag", vec) if vec is not None else Expr("eye", (), tuple(shape))
    if deltas:
        raise _NoMatrix()
    out = None
    for m in mats:
        out = m if out is None else mk("mul", out, m)
    u = _product(us)
    v = _product(vs)
    if len(out_idx) <= 1:
        vec = u if u is not None else v
        if len(out_idx) == 0:
            return num(1) if vec is None and out is None else (out if out is not None else vec)
        base = vec if vec is not None else Expr("ones", (), (shape[0] * 0 + shape[0], 1)) \
            if shape[1] == 1 else None
        if base is None:
            raise _NoMatrix()
        return base if shape[1] == 1 else mk("T", base)
    if out is not None:
        if u is not None:
            out = mk("matmul", mk("diag", u), out)
        if v is not None:
            out = mk("matmul", out, mk("diag", v))
        return out
    left = u if u is not None else ones((shape[0], 1))
    right = v if v is not None else ones((shape[1], 1))
    return mk("matmul", left, mk("T", right))


def _product(vs):
    out = None
    for v in vs:
        out = v if out is None else mk("mul", out, v)
    return out


__all__ = ["matrix_of"]
