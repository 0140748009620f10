"""How the evaluator computes the nodes that need more than their record's NumPy meaning: a
lazy diagonal matrix (`diag(u) @ A` is `u[:, None] * A`, never the n×n matrix), kinks watched
for the sampler, and a removable 0/0 taken as its limit.

Owns: `SPECIAL` (op -> handler(evaluator, node)), `generic`, `dense`, `Diag`.
Invariant: a handler returns a 2-D float array, or a `Diag` that `dense` materialises.
"""
from __future__ import annotations

from .ops import REGISTRY
from .printing.reorder import removable_zero_division


class Diag:
    """diag(vec) kept lazy: only products and a few structural ops are taken through it."""
    __slots__ = ("vec",)

    def __init__(self, vec):
        self.vec = vec          # 1-D


def dense(v):
    import numpy as np
    return np.diag(v.vec) if isinstance(v, Diag) else v


def generic(ev, node):
    """Any operator by its record: dense operands in, a 2-D array out; kinks watched."""
    np, rec = ev.np, REGISTRY[node.op]
    vals = [dense(ev.value(a)) for a in node.args]
    if rec.kink == "arg":
        ev.watch(vals[0])
    elif rec.kink == "diff":
        ev.watch(vals[0] - vals[1])
    elif rec.kink == "divisor":
        ev.watch(vals[1])
    if rec.domain == "invertible" and not ev.well_conditioned(vals[0]):
        return np.full((1, 1) if rec.kind == "reduce" else vals[0].shape, np.nan)
    out = np.asarray(rec.numpy(np, *vals), dtype=float)
    return out.reshape(1, 1) if out.ndim == 0 else out


def _mul(ev, node):
    a, b = (ev.value(x) for x in node.args)
    if isinstance(a, Diag) and isinstance(b, Diag):
        return Diag(a.vec * b.vec)            # diag(u) ⊙ diag(v) = diag(u ⊙ v)
    if isinstance(a, Diag) and b.shape == (1, 1):
        return Diag(a.vec * b[0, 0])
    if isinstance(b, Diag) and a.shape == (1, 1):
        return Diag(b.vec * a[0, 0])
    return generic(ev, node)


def _matmul(ev, node):
    a, b = (ev.value(x) for x in node.args)
    if isinstance(a, Diag) and isinstance(b, Diag):
        return Diag(a.vec * b.vec)
    if isinstance(a, Diag):          # diag(u) @ B scales the rows of B
        return a.vec[:, None] * b
    if isinstance(b, Diag):          # A @ diag(u) scales the columns of A
        return a * b.vec[None, :]
    return a @ b


def _div(ev, node):
    """a / b; a removable 0/0 (a step(·) factor over something that vanishes with it) is its
    limit, 0 — as in the exported code (printing/reorder.removable_zero_division)."""
    out = generic(ev, node)
    if removable_zero_division(node):
        a, b = (dense(ev.value(x)) for x in node.args)
        out = ev.np.where((a == 0) & (b == 0), 0.0, out)
    return out


def _diag(ev, node):
    a = ev.value(node.args[0])
    r, c = node.args[0].shape
    if c == 1 or r == 1:              # a vector (or scalar) becomes a diagonal matrix
        return Diag(dense(a).reshape(-1))
    if isinstance(a, Diag):
        return a.vec[:, None]
    return ev.np.diagonal(a).copy()[:, None]


def _through_diag(ev, node):
    """neg, transpose, inverse, sum and trace of a lazy diagonal stay cheap."""
    a = ev.value(node.args[0])
    if isinstance(a, Diag):
        op = node.op
        if op == "neg":
            return Diag(-a.vec)
        if op == "T":
            return a
        if op == "inv":
            return Diag(1.0 / a.vec)
        return ev.np.full((1, 1), a.vec.sum())          # sum, tr
    return generic(ev, node)


SPECIAL = {"mul": _mul, "div": _div, "matmul": _matmul, "diag": _diag, "neg": _through_diag,
            "T": _through_diag, "inv": _through_diag, "sum": _through_diag,
            "tr": _through_diag}
