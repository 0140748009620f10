"""Patterns: matching rule left-hand sides (commutative operators in either order), the
fixed vocabulary of side conditions, and instantiating right-hand sides into typed trees.

Owns: `variants(pattern)` (a pattern with the operands of every commutative operator in
each order — what the rulebook compiles a rule into), `matches(patterns, e)` (each pattern
matched by a function built for it once),
`CONDITIONS` (with the rule kinds each may appear in), `Condition`, `Instantiator`,
`count_expr`.
Size: 23 lines over 300 — the pattern matchers built once per pattern (`_matcher`, one
closure per arity: matching is the rule search's inner loop) sit beside the patterns they
match rather than in a module of their own.
Invariant: instantiation builds every node through `shaperules.mk`; a template that would
build an ill-shaped node raises `RuleShapeError`, so a rule never produces a tree whose
shapes do not agree.

>>> from matcalc.parser import parse_raw
>>> [str(v) for v in variants(parse_raw("?x + ?z", pattern=True))]
['?x + ?z', '?z + ?x']
"""
from __future__ import annotations

import itertools

from .errors import InternalError, UnsupportedError
from .ops import REGISTRY
from .predicates import positive, symmetric
from .rewrite import replace
from .shaperules import mk
from .sizes import SCALAR, _monomials, count
from .tree import Expr, eye, num, ones, size, zeros


class RuleShapeError(InternalError):
    """A rule's template did not fit the shapes it was applied to (a bug in rules/)."""


# -- matching ------------------------------------------------------------------------------

def variants(p: Expr) -> list:
    """`p` and its mirror images: the operands of each commutative operator in both orders,
    without duplicates, the written order first."""
    if not p.args:
        return [p]
    kids = [variants(a) for a in p.args]
    out = []
    for combo in itertools.product(*kids):
        out.append(p.rebuild(*combo))
        if len(combo) == 2 and _commutes(p.op) and combo[0] != combo[1]:
            out.append(p.rebuild(combo[1], combo[0]))
    seen, unique = set(), []
    for v in out:
        if v not in seen:
            seen.add(v)
            unique.append(v)
    return unique


def _commutes(op: str) -> bool:
    rec = REGISTRY.get(op)
    return rec is not None and rec.commutative


def compile_patterns(patterns) -> list:
    """Each pattern with the ops its operands must have (None: any), so that `matches` can
    pass over a pattern that cannot match without walking it, and its matcher (`_matcher`,
    built the first time the pattern is tried: a cold start builds the rules of every head
    it meets and tries few of them)."""
    return [(p, tuple(None if a.op == "pvar" else a.op for a in p.args), None)
            for p in patterns]


def matches(compiled, e: Expr, binds: dict | None = None):
    """The bindings of each compiled pattern (`compile_patterns`) that matches `e`, in order."""
    args, op, n = e.args, e.op, len(e.args)
    for i, (p, sig, m) in enumerate(compiled):
        if p.op != op or len(sig) != n:
            continue
        fits = True
        for want, a in zip(sig, args):
            if want is not None and want != a.op:
                fits = False
                break
        if fits:
            if m is None:
                m = _matcher(p)
                compiled[i] = (p, sig, m)
            got = m(e, binds or {})
            if got is not None:
                yield got


def _matcher(pattern: Expr):
    """The matcher of one pattern: a function (e, binds) -> the bindings {name: Expr} under
    which the pattern equals e, extending `binds`, or None.  Closures over the pattern's
    nodes: a pattern variable binds (or must equal what it is bound to), a number or a name
    must be that one, any other node must have the same op and arity and its operands
    match in turn."""
    op = pattern.op
    if op == "pvar":
        name = pattern.value

        def bind(e, binds):
            got = binds.get(name)
            if got is None:
                out = dict(binds)
                out[name] = e
                return out
            return binds if got == e else None
        return bind
    if op in ("num", "var"):
        value = pattern.value

        def leaf(e, binds):
            return binds if e.op == op and e.value == value else None
        return leaf
    subs = tuple(_matcher(a) for a in pattern.args)
    n = len(subs)
    if n == 1:
        only = subs[0]

        def unary(e, binds):
            if e.op != op or len(e.args) != 1:
                return None
            return only(e.args[0], binds)
        return unary
    if n == 2:
        left, right = subs

        def binary(e, binds):
            if e.op != op:
                return None
            args = e.args
            if len(args) != 2:
                return None
            binds = left(args[0], binds)
            return None if binds is None else right(args[1], binds)
        return binary

    def node(e, binds):
        if e.op != op or len(e.args) != n:
            return None
        for m, a in zip(subs, e.args):
            binds = m(a, binds)
            if binds is None:
                return None
        return binds
    return node


# -- side conditions: a small fixed vocabulary -----------------------------------------------
# Each takes the context and bound expressions.  The engine is the context of differential
# rules (`independent`: free of the variable) and of identification rules (`linear`: holds
# the differential d(x), `coefficient`: does not); shape conditions hold anywhere.

CONDITIONS = {
    "scalar": lambda ctx, a: a.shape == SCALAR,
    "array": lambda ctx, a: a.shape != SCALAR,
    "vector": lambda ctx, a: a.is_vector,
    "column": lambda ctx, a: a.is_column,
    "row": lambda ctx, a: a.is_row,
    "matrix": lambda ctx, a: a.is_matrix,
    "square": lambda ctx, a: a.shape[0] == a.shape[1] and a.shape != SCALAR,
    "same_shape": lambda ctx, a, b: a.shape == b.shape,
    "transposed_shape": lambda ctx, a, b: tuple(a.shape) == tuple(b.shape)[::-1],
    "colvec_or_scalar": lambda ctx, a: a.shape[1] == 1,
    "rowvec_or_scalar": lambda ctx, a: a.shape[0] == 1,
    # kron(A, B) maps the rows of Y / the columns of Z factor by factor (vec convention swaps)
    "kron_rows": lambda ctx, a, b, y: a.shape[0] == y.shape[0] and b.shape[0] == y.shape[1],
    "kron_cols": lambda ctx, a, b, z: a.shape[1] == z.shape[1] and b.shape[1] == z.shape[0],
    "zero": lambda ctx, a: a.op == "zeros" or (a.op == "num" and a.value == 0),
    "number": lambda ctx, a: a.op == "num",
    "integer": lambda ctx, a: a.op == "num" and a.value.denominator == 1,
    "is_ones": lambda ctx, a: a.op == "ones",
    "is_eye": lambda ctx, a: a.op == "eye",
    "independent": lambda ctx, a: not ctx.depends(a),
    "linear": lambda ctx, a: ctx.linear(a),
    "coefficient": lambda ctx, a: not ctx.linear(a),
    "symmetric": lambda ctx, a: symmetric(a),
    "positive": lambda ctx, a: positive(a),
}
CONDITION_ARITY = {"same_shape": 2, "transposed_shape": 2, "kron_rows": 3, "kron_cols": 3}
# which rule kinds a condition makes sense in (absent: every kind)
CONDITION_KINDS = {"independent": {"differential"}, "linear": {"forward", "reverse"},
                   "coefficient": {"forward", "reverse"}}


class _SimplifyCtx:
    """Simplification has no variable: no condition of the engine applies there."""


SIMPLIFY_CTX = _SimplifyCtx()


class Condition:
    """`name(?a, ?b)` or `not name(?a)`, parsed from a rule's `where` list."""

    def __init__(self, name: str, args: list[str], negated: bool):
        self.name, self.args, self.negated = name, args, negated
        self.fn = fn = CONDITIONS[name]
        if len(args) == 1:             # most conditions: one argument, no tuple per call
            a = args[0]
            self.holds = (lambda ctx, binds: not fn(ctx, binds[a])) if negated else \
                (lambda ctx, binds: fn(ctx, binds[a]))

    def holds(self, ctx, binds) -> bool:
        ok = self.fn(ctx, *[binds[a] for a in self.args])
        return not ok if self.negated else ok

    def __str__(self):
        return ("not " if self.negated else "") + \
            f"{self.name}({', '.join('?' + a for a in self.args)})"


# -- instantiation -----------------------------------------------------------------------------

def size_expr(d) -> Expr:
    """A size as a scalar expression: 4*N is 4 N, n+1 is n + 1."""
    if isinstance(d, int):
        return num(d)
    out = None
    for coef, names in _monomials(d):
        term = num(coef) if coef != 1 or not names else None
        for n in names:
            term = size(n) if term is None else mk("mul", term, size(n))
        out = term if out is None else mk("add", out, term)
    return out


def count_expr(shape) -> Expr:
    """The number of entries of `shape` as a scalar expression (N, n m, 4 N)."""
    return size_expr(count(shape))


def unvec(g: Expr, shape) -> Expr:
    """The column (or row) g with its entries in `shape` (row-major): vec's inverse, taken
    through the linear operators that built g, so that unvec(2 vec(X)) is 2 X."""
    if g.shape == shape:
        return g
    op, a = g.op, g.args
    if op == "vec" and a[0].shape == shape:
        return a[0]
    if op == "T" and (a[0].is_row or a[0].is_column):
        return unvec(a[0], shape)                 # a vector's entries, either way up
    if op == "neg":
        return mk("neg", unvec(a[0], shape))
    if op in ("add", "sub") and a[0].shape == a[1].shape:
        return mk(op, unvec(a[0], shape), unvec(a[1], shape))
    if op in ("mul", "div", "matmul") and a[1].shape == SCALAR:
        return mk("mul" if op == "matmul" else op, unvec(a[0], shape), a[1])
    if op in ("mul", "matmul") and a[0].shape == SCALAR:
        return mk("mul", a[0], unvec(a[1], shape))
    return Expr("unvec", (g,), tuple(shape), tuple(shape))


# the template nodes Instantiator builds itself (the rest are operators over their operands)
_TEMPLATE_OPS = frozenset({"num", "eye_like", "undiff", "reshape_like", "ones_like",
                           "zeros_like", "count", "ones", "zeros", "eye", "var", "juxt"})
_CONSTANTS: dict = {}


def _is_constant(op: str) -> bool:
    """A registered constant (π, e): a leaf of a template."""
    got = _CONSTANTS.get(op)
    if got is None:
        rec = REGISTRY.get(op)
        got = _CONSTANTS[op] = rec is not None and rec.kind == "const"
    return got


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
        if op not in _TEMPLATE_OPS and op not in self.calls and not _is_constant(op):
            args = [self(a, binds) for a in t.args]      # an operator over its operands
            try:
                return mk(op, *args, value=t.value)
            except InternalError as e:
                raise RuleShapeError(f"a rule template builds an ill-shaped '{op}': "
                                     f"{e.message}", label="rule-shape") from None
        if op == "num":
            return num(t.value)
        if op in self.calls:
            return self.calls[op](*(binds[a.value] if a.op == "pvar" and op == "d" else
                                    self(a, binds) for a in t.args))
        if op == "eye_like" and t.args[0].op == "count":
            # eye(count(?x)): the identity on vec(x), of size |x| (row-major vec)
            n = count(self(t.args[0].args[0], binds).shape)
            return eye(n) if n != 1 else num(1)
        if op == "undiff":           # undiff(?L): a stand-in of L's shape free of d(x):
            a = self(t.args[0], binds)   # the variable itself where it has that shape
            ds = [n for n in a.walk() if n.op == "d"]
            if ds and ds[0].args[0].shape == a.shape:
                return ds[0].args[0]
            return replace(a, {n: n.args[0] for n in ds})
        if op == "reshape_like":     # reshape_like(?G, ?L): G's entries in L's shape
            g, like = self(t.args[0], binds), self(t.args[1], binds)
            return unvec(g, like.shape)
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
        if _is_constant(op):
            return Expr(op, (), SCALAR)
        raise UnsupportedError(f"template node '{op}' has no shape (use ones(?u) etc.)")
