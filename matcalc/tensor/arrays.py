"""The index form as an array: NumPy values (lambdify, the numeric check) and explicit SymPy
entries (the exact check) — the derivative array of shape S+T+…+T.

Owns: `form_array(form, value_of, sizes, np_like)`, `einsum_spec(term, out)`.
Invariant: each term is one `einsum` over its factors' values and identity matrices for its
deltas, in output index order; a group of indices (a Kronecker axis) is one axis, row-major.
"""
from __future__ import annotations

import math
import string

from ..errors import UnsupportedError
from ..sizes import resolve_dim

OUT_LETTERS = "ijklmnabcdefgh"
SUM_LETTERS = "pqrstuvwxyzo"


def einsum_spec(term, out_indices) -> tuple[str, list]:
    """('ik,jl->ijkl', [operand, …]) for one term: operands are ('factor', expr, idx),
    ('delta', i, j) or ('ones', i) for an output index no operand carries."""
    if len(out_indices) > len(OUT_LETTERS):
        raise UnsupportedError(f"the derivative array has {len(out_indices)} axes; einsum "
                               f"names at most {len(OUT_LETTERS)}", label="index-form-size")
    names = {i: OUT_LETTERS[k] for k, i in enumerate(out_indices)}
    spare = iter(SUM_LETTERS + string.ascii_uppercase)

    def letter(i):
        if i not in names:
            names[i] = next(spare, None)
            if names[i] is None:
                raise UnsupportedError("a term of the index form has too many indices for "
                                       "einsum", label="index-form-size")
        return names[i]

    ops, subs = [], []
    for e, idx in term.factors:
        ops.append(("factor", e, idx))
        subs.append("".join(letter(i) for i in idx))
    for a, b in term.deltas:
        ops.append(("delta", a, b))
        subs.append(letter(a) + letter(b))
    carried = {i for _, idx in term.factors for i in idx} | {i for d in term.deltas for i in d}
    for i in out_indices:
        if i not in carried:
            ops.append(("ones", i))
            subs.append(letter(i))
    return ",".join(subs) + "->" + "".join(letter(i) for i in out_indices), ops


def form_array(form, value_of, sizes: dict, np_like):
    """The derivative array: `value_of(expr)` gives a factor's 2-D value, `np_like` is
    NumPy (floats) or a shim making object arrays (SymPy entries)."""
    out_idx = [i for g in form.out for i in g]
    dims = [resolve_dim(form.sizes[i], sizes) for i in out_idx]
    total = np_like.zeros(tuple(dims))
    for t in form.terms:
        spec, ops = einsum_spec(t, out_idx)
        operands = []
        for op in ops:
            if op[0] == "factor":
                _, e, idx = op
                v = value_of(e)
                operands.append(np_like.reshape(v, tuple(resolve_dim(form.sizes[i], sizes)
                                                         for i in idx)))
            elif op[0] == "delta":
                operands.append(np_like.eye(resolve_dim(form.sizes[op[1]], sizes)))
            else:
                operands.append(np_like.ones((resolve_dim(form.sizes[op[1]], sizes),)))
        if not operands:          # a constant term of a derivative with no axes (db/db = 1)
            total = total + np_like.coef(t.coef)
            continue
        total = total + np_like.coef(t.coef) * np_like.einsum(spec, *operands)
    shape = tuple(math.prod(resolve_dim(form.sizes[i], sizes) for i in g) for g in form.out)
    return np_like.reshape(total, shape)


class NumpyLike:
    """The few array operations `form_array` needs, over floats."""

    def __init__(self):
        import numpy as np
        self.np = np

    def zeros(self, shape):
        return self.np.zeros(shape)

    def ones(self, shape):
        return self.np.ones(shape)

    def eye(self, n):
        return self.np.eye(n)

    def reshape(self, v, shape):
        return self.np.reshape(self.np.asarray(v, dtype=float), shape)

    def einsum(self, spec, *ops):
        return self.np.einsum(spec, *ops, optimize=len(ops) > 2)

    def coef(self, c):
        return float(c)


class SympyLike(NumpyLike):
    """Object arrays of SymPy expressions: exact entries for the exact check."""

    def __init__(self):
        super().__init__()
        import sympy
        self.sp = sympy

    def zeros(self, shape):
        return self.np.full(shape, self.sp.Integer(0), dtype=object)

    def ones(self, shape):
        return self.np.full(shape, self.sp.Integer(1), dtype=object)

    def eye(self, n):
        out = self.zeros((n, n))
        for i in range(n):
            out[i, i] = self.sp.Integer(1)
        return out

    def reshape(self, v, shape):
        arr = self.np.empty(len(v), dtype=object) if hasattr(v, "rows") else None
        if arr is not None:
            for k, x in enumerate(v):            # a sympy Matrix, row-major
                arr[k] = x
            return arr.reshape(shape)
        return self.np.reshape(self.np.asarray(v, dtype=object), shape)

    def einsum(self, spec, *ops):
        return self.np.einsum(spec, *ops)

    def coef(self, c):
        return self.sp.Rational(c.numerator, c.denominator)
