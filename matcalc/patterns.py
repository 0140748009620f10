"""Patterns: matching rule left-hand sides, the fixed vocabulary of side conditions, and
instantiating right-hand sides into typed trees.

Owns: `match(pattern, expr)`, `CONDITIONS`, `Instantiator`.
Invariant: instantiation builds every node through `mk`, which computes its shape with
`shapes.shape_of`; a template that would build an ill-shaped node raises, so a rule never
produces a tree whose shapes do not agree.
"""
from __future__ import annotations

from fractions import Fraction

from .errors import InternalError, ShapeError, UnsupportedError


class RuleShapeError(InternalError):
    """A rule's template did not fit the shapes it was applied to (a bug in rules/)."""
from .shapes import shape_of
from .tree import SCALAR, Expr, count, eye, num, ones, size, zeros


def mk(op: str, *args: Expr, value=None) -> Expr:
    """Build a typed node; its shape follows from the operands'."""
    return Expr(op, args, shape_of(op, args, value), value)


def match(pattern: Expr, e: Expr, binds: dict) -> dict | None:
    """Bindings {name: Expr} under which `pattern` equals `e`, extending `binds`, or None."""
    if pattern.op == "pvar":
        got = binds.get(pattern.value)
        if got is None:
            out = dict(binds)
            out[pattern.value] = e
            return out
        return binds if got == e else None
    if pattern.op != e.op:
        return None
    if pattern.op == "num":
        return binds if pattern.value == e.value else None
    if pattern.op == "var":
        return binds if pattern.value == e.value else None
    if len(pattern.args) != len(e.args):
        return None
    for p, a in zip(pattern.args, e.args):
        binds = match(p, a, binds)
        if binds is None:
            return None
    return binds


# -- side conditions: a small fixed vocabulary -----------------------------------------------
# Each takes the context (what "constant" means: free of the variable, or of the
# differential) and bound expressions.

def _same_shape(ctx, a, b):
    return a.shape == b.shape


CONDITIONS = {
    "scalar": lambda ctx, a: a.shape == SCALAR,
    "array": lambda ctx, a: a.shape != SCALAR,
    "vector": lambda ctx, a: a.is_vector,
    "column": lambda ctx, a: a.is_column,
    "row": lambda ctx, a: a.is_row,
    "matrix": lambda ctx, a: a.is_matrix,
    "square": lambda ctx, a: a.shape[0] == a.shape[1] and a.shape != SCALAR,
    "same_shape": _same_shape,
    "const": lambda ctx, a: ctx.is_const(a),
    "linear": lambda ctx, a: not ctx.is_const(a),
    "zero": lambda ctx, a: a.op == "zeros" or (a.op == "num" and a.value == 0),
    "number": lambda ctx, a: a.op == "num",
    "integer": lambda ctx, a: a.op == "num" and a.value.denominator == 1,
    "is_ones": lambda ctx, a: a.op == "ones",
    "is_eye": lambda ctx, a: a.op == "eye",
    "colvec_or_scalar": lambda ctx, a: a.shape[1] == 1,
}
CONDITION_ARITY = {"same_shape": 2}


class _SimplifyCtx:
    """In simplification, `const(?u)` means: no variable at all."""

    @staticmethod
    def is_const(e: Expr) -> bool:
        return not any(n.op in ("var", "d", "size") for n in e.walk())


SIMPLIFY_CTX = _SimplifyCtx()


class Condition:
    """`name(?a, ?b)` or `not name(?a)`, parsed from a rule's `where` list."""

    def __init__(self, name: str, args: list[str], negated: bool):
        self.name, self.args, self.negated = name, args, negated

    def holds(self, ctx, binds) -> bool:
        fn = CONDITIONS[self.name]
        ok = fn(ctx, *(binds[a] for a in self.args))
        return not ok if self.negated else ok

    def __str__(self):
        return ("not " if self.negated else "") + f"{self.name}({', '.join('?' + a for a in self.args)})"


# -- instantiation -----------------------------------------------------------------------------

def count_expr(shape) -> Expr:
    """The number of entries of `shape` as a scalar expression (N, or n m)."""
    c = count(shape)
    if isinstance(c, int):
        return num(c)
    factors = [size(d) for d in c]
    ints = [d for d in shape if isinstance(d, int) and d != 1]
    out = factors[0]
    for f in factors[1:]:
        out = mk("mul", out, f)
    for i in ints:
        out = mk("mul", num(i), out)
    return out


class Instantiator:
    """Turns a template (an untyped pattern tree) into a typed tree.

    `calls` maps the engine's functions that may appear in templates (d, jac, grad) to
    callables; the shape-taking constants ones(?u), zeros(?u), eye(?u), count(?u) are built
    here from the shape of their argument.
    """

    def __init__(self, calls: dict):
        self.calls = calls

    def __call__(self, t: Expr, binds: dict) -> Expr:
        op = t.op
        if op == "pvar":
            return binds[t.value]
        if op == "num":
            return num(t.value)
        if op in self.calls:
            return self.calls[op](*(self(a, binds) if a.op != "pvar" or op != "d" else binds[a.value]
                                    for a in t.args))
        if op == "eye_like" and t.args[0].op == "count":
            # eye(count(?x)): the identity on vec(x), of size |x| (row-major vec)
            c = count(self(t.args[0].args[0], binds).shape)
            n = c if isinstance(c, int) else "*".join(str(d) for d in c)
            return eye(n) if n != 1 else num(1)
        if op in ("ones_like", "zeros_like", "eye_like", "count"):
            a = self(t.args[0], binds)
            if op == "ones_like":
                return ones(a.shape)
            if op == "zeros_like":
                return zeros(a.shape)
            if op == "eye_like":     # the identity on the entries along ?u's length
                if a.shape == SCALAR:
                    return num(1)
                return eye(a.shape[1] if a.shape[0] == 1 else a.shape[0])
            return count_expr(a.shape)
        if op in ("ones", "zeros", "eye", "var", "juxt"):
            raise UnsupportedError(f"template node '{op}' has no shape (use ones(?u) etc.)")
        args = [self(a, binds) for a in t.args]
        try:
            return mk(op, *args)
        except ShapeError as e:
            raise RuleShapeError(f"a rule template builds an ill-shaped '{op}': {e.message}",
                                 label="rule-shape") from None


def is_fraction(v) -> bool:
    return isinstance(v, Fraction)
