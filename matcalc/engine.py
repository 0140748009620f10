"""The rule engine: differentials by the rules of rules/, and identification of the Jacobian
(forward sweep, `jac` rules) or the gradient (reverse sweep, `grad` rules).

Owns: `Engine`, `identify` (which sweep reads the derivative off a differential).  It holds the mechanism only — matching, memoisation over the expression
DAG, the linear-term bookkeeping of the total derivative, accumulation of adjoints — and no
calculus of any operator: every identity it applies comes from the rulebook.
Invariants: `differential(e)` is None (zero) or a tree linear in the differential leaf
d(x) with the shape of `e`; every node is differentiated once (memo), so the cost is linear
in the size of the DAG; `jac(L)` has shape (count(L), count(x)); `gradient(L)` has the
shape of x.
"""
from __future__ import annotations

import functools

from .conventions import rank
from .errors import InternalError, UnsupportedError
from .patterns import Instantiator, matches
from .rewrite import replace
from .rulebook import Rulebook, split_terms
from .shaperules import mk
from .sizes import SCALAR, count, format_shape
from .tree import Expr, num, zeros


class Engine:
    def __init__(self, rulebook: Rulebook, wrt: str, wrt_shape, direction: int = 1):
        self.rb = rulebook
        self.x = Expr("var", (), wrt_shape, wrt)
        # the differential of this round; earlier rounds' differentials (d(x) with another
        # `direction`) are constants here: d²f is d of df with df's dx held fixed
        self.dx = Expr("d", (self.x,), wrt_shape, direction)
        self._dxs = {wrt: self.dx}              # variable -> its differential leaf
        self._dep: dict[Expr, bool] = {}
        self._lin: dict[Expr, bool] = {}
        self._diff: dict[Expr, Expr | None] = {}
        self._jac: dict[Expr, Expr] = {}
        self.used: dict[Expr, object] = {}      # node -> rule that differentiated it
        self.trace: list = []                   # (rule, node) for identification rules

    @classmethod
    def joint(cls, rulebook: Rulebook, variables: list) -> "Engine":
        """One engine for several variables [(name, shape)] at once, each with its own leaf
        d(x): the differential of y holds every path to every variable, and one reverse sweep
        (`gradients`) reads all their gradients off it — linear in the size of the DAG
        however many variables, where one engine per variable costs a sweep each."""
        eng = cls(rulebook, *variables[0])
        eng._dxs = {v: Expr("d", (Expr("var", (), shape, v),), shape, 1)
                    for v, shape in variables}
        leaves = frozenset(eng._dxs.values())
        eng._is_leaf = leaves.__contains__
        return eng

    def copy(self) -> "Engine":
        """A new engine for the same variable and direction that starts from this one's
        differentials (a second sweep over the same d(y) does not take it again)."""
        new = Engine(self.rb, self.x.value, self.x.shape, self.dx.value)
        new._dep, new._lin = dict(self._dep), dict(self._lin)
        new._diff, new.used = dict(self._diff), dict(self.used)
        return new

    # -- dependence ---------------------------------------------------------------------------
    def depends(self, e: Expr) -> bool:
        """Does `e` depend on the variable?  (memoised over the DAG, iterative; a
        differential of an earlier round is a constant)"""
        got = self._dep.get(e)
        if got is not None:
            return got
        xs = self._dxs
        return memo_any(e, self._dep, lambda n: n.op == "var" and n.value in xs)

    def linear(self, e: Expr) -> bool:
        """Does `e` hold this round's differential d(x)?"""
        got = self._lin.get(e)
        if got is not None:
            return got
        if len(self._dxs) == 1:
            dx = self.dx
            return memo_any(e, self._lin, lambda n: n == dx)
        return memo_any(e, self._lin, self._is_leaf)

    # -- rules -----------------------------------------------------------------------------------
    def _first(self, kind: str, e: Expr):
        """The first rule of `kind` whose pattern (in either order of a commutative
        operator's operands) matches `e` and whose conditions hold; the engine answers the
        conditions (`independent`, `linear`, `coefficient`)."""
        for rule in self.rb.fitting(kind, e):
            for binds in matches(rule.compiled, e):
                if all(c.holds(self, binds) for c in rule.where):
                    return rule, binds
        return None, None

    # -- differentials ------------------------------------------------------------------------
    def differential(self, e: Expr) -> Expr | None:
        """d(e) as a tree linear in d(x), or None when e does not depend on x."""
        # children first, iteratively, so deep trees do not exhaust the stack
        for n in e.walk():
            if n not in self._diff:
                self._diff[n] = self._differential(n)
        return self._diff[e]

    def _differential(self, e: Expr) -> Expr | None:
        if not self.depends(e):
            return None                                       # scalar.constant
        if e.op == "var":
            return self._dxs[e.value]
        if e.op in ("vcat", "hcat"):                          # d acts block by block
            parts = [self._diff[a] if self._diff[a] is not None else zeros(a.shape)
                     for a in e.args]
            self.used[e] = None
            return mk(e.op, *parts)
        rule, binds = self._first("differential", e)
        if rule is None:
            raise UnsupportedError(f"no rule in rules/ differentiates {str(e)!r} "
                                   f"({e.op} of {', '.join(str(a.shape) for a in e.args)})",
                                   label="no-rule")
        self.used[e] = rule
        if rule.rhs.op == "num":                               # d(step(u)) = 0 etc.
            return None
        inst = Instantiator({"d": lambda c: self._diff[c]})
        out = None
        for sign, term, operand in _differential_terms(rule.rhs):
            child = binds[operand]
            if self._diff.get(child) is None:
                continue                                       # a constant operand: no path
            value = inst(term, binds)
            if out is None:
                out = value if sign > 0 else mk("neg", value)
            else:
                out = mk("add" if sign > 0 else "sub", out, value)
        if out is not None and out.shape != e.shape:
            # scalar expansion is written out in rules/ (ones(?x) * d(?z)); a rule that
            # returns another shape is a bug, not something to paper over
            raise InternalError(f"rule {rule.id} gives d({e}) the shape "
                                f"{format_shape(out.shape)}, not {format_shape(e.shape)}",
                                label="internal")
        return out

    # -- forward identification: dy = J dx --------------------------------------------------------
    def jacobian(self, L: Expr | None, out_shape, vectors_only: bool = False) -> Expr:
        """J with dy = J dx (∂vec(y)/∂vec(x)ᵀ); `vectors_only` refuses a matrix-valued
        intermediate (a scalar then reads better off the reverse sweep)."""
        if L is None:
            return zeros((count(out_shape), count(self.x.shape)))
        self._vectors_only = vectors_only
        return self.jac(L)

    _vectors_only = False

    def jac(self, L: Expr) -> Expr:
        if L in self._jac:
            return self._jac[L]
        if self._vectors_only and L.is_matrix and self.linear(L):
            raise UnsupportedError("a matrix-valued intermediate", label="matrix-intermediate")
        if not self.linear(L):
            out = zeros((count(L.shape), count(self.x.shape)))
        elif (L.op == "vcat" and all(a.shape[1] == 1 for a in L.args)) or \
                (L.op == "hcat" and all(a.shape == SCALAR for a in L.args)):
            out = mk("vcat", *(self.jac(a) for a in L.args))   # R-J4: rows stack
        else:
            rule, binds = self._first("forward", L)
            if rule is None:
                vectors = rank(L.shape) <= 1 and rank(self.x.shape) <= 1
                raise UnsupportedError(
                    f"cannot read a Jacobian off {str(L)!r}: " + (
                        "no jac rule in rules/ passes through it" if vectors else
                        f"the derivative of a {format_shape(L.shape)} array by a "
                        f"{format_shape(self.x.shape)} one has order "
                        f"{rank(L.shape) + rank(self.x.shape)}"),
                    label="no-rule" if vectors else "tensor-derivative")
            self.trace.append((rule, L))
            out = Instantiator({"jac": self.jac})(rule.rhs, binds)
        self._jac[L] = out
        return out

    # -- reverse identification: df = tr(Gᵀ dX) ----------------------------------------------------
    def gradient(self, L: Expr | None, seed: Expr) -> Expr:
        """The G with tr(seedᵀ L) = tr(Gᵀ dx): the gradient, shaped like x."""
        return self.gradients(L, seed)[self.x.value]

    def gradients(self, L: Expr | None, seed: Expr) -> dict:
        """The gradient by each variable of the engine (`joint`), from one reverse sweep."""
        out = {v: None for v in self._dxs}
        if L is not None:
            leaves = {dx: v for v, dx in self._dxs.items()}
            order = [n for n in L.walk() if self.linear(n)]   # children before parents
            adj: dict[Expr, Expr] = {L: seed}
            for node in reversed(order):                        # parents before children
                a = adj.pop(node, None)
                if a is None:
                    continue
                v = leaves.get(node)
                if v is not None:
                    out[v] = a if out[v] is None else mk("add", out[v], a)
                    continue
                self._pass_adjoint(node, a, adj)
        return {v: g if g is not None else zeros(self._dxs[v].shape) for v, g in out.items()}

    def _pass_adjoint(self, node: Expr, a: Expr, adj: dict) -> None:
        for rule in self.rb.candidates("reverse", node.op):
            gname = rule.lhs.args[1].value
            binds = next((b for b in matches(rule.compiled, node, {gname: a})
                          if all(c.holds(self, b) for c in rule.where)), None)
            if binds is None:
                continue
            self.trace.append((rule, node))
            inst = Instantiator({})
            for sign, term in split_terms(rule.rhs):
                child = binds[term.args[0].value]
                if not self.linear(child):
                    continue
                g = inst(term.args[1], binds)
                if sign < 0:
                    g = mk("neg", g)
                prev = adj.get(child)
                adj[child] = g if prev is None else mk("add", prev, g)
            return
        raise UnsupportedError(f"cannot pass a gradient through {str(node)!r} "
                               f"(no grad rule in rules/ matches)", label="no-rule")


@functools.lru_cache(maxsize=None)
def _differential_terms(rhs: Expr) -> tuple:
    """(sign, term, the pattern variable of its d(?u)) for each term of a differential rule's
    right-hand side (read once per rule, not once per node it differentiates)."""
    return tuple((sign, term, next(n for n in term.walk() if n.op == "d").args[0].value)
                 for sign, term in split_terms(rhs))


def memo_any(e: Expr, memo: dict, leaf) -> bool:
    """Whether `leaf` holds anywhere in `e`, visiting only nodes not yet in `memo`.  A
    differential d(·) is a leaf: what it holds is not looked into."""
    got = memo.get(e)
    if got is not None:
        return got
    stack = [(e, False)]
    pop, push = stack.pop, stack.append
    while stack:
        n, expanded = pop()
        if n in memo:
            continue
        args = n.args
        if n.op == "d" or not args:                # a leaf: nothing below to wait for
            memo[n] = leaf(n)
            continue
        if expanded:
            memo[n] = leaf(n) or any(memo[a] for a in args)
            continue
        push((n, True))
        for a in args:
            if a not in memo:
                push((a, False))
    return memo[e]


# -- which sweep reads the derivative off dy ---------------------------------------------------

def identify(engine: Engine, y: Expr, L: Expr | None) -> tuple[Expr, str]:
    """The derivative of y read off its differential L; and how ('scalar'|'forward'|'reverse').

    By a scalar: the coefficient of dx (dx = 1).  A scalar by a matrix (or by a vector through
    matrix-valued intermediates): the reverse sweep, to the gradient shaped like x (a row for
    a column x: numerator layout).  A vector or a matrix by a vector or a matrix: the forward
    sweep, ∂vec(y)/∂vec(x)ᵀ with vec row-major (the Kronecker form); UnsupportedError where
    no jac rule passes through an operator."""
    xs = engine.x.shape
    if xs == SCALAR:
        if L is None:
            return zeros(y.shape), "scalar"
        return replace(L, {engine.dx: num(1)}), "scalar"
    if y.shape == SCALAR and engine.x.is_vector:
        try:
            return engine.jacobian(L, y.shape, vectors_only=True), "forward"
        except UnsupportedError:
            engine._jac.clear()                   # a matrix-valued intermediate: reverse
    if y.shape == SCALAR:
        g = engine.gradient(L, num(1))
        return (mk("T", g) if engine.x.is_column else g), "reverse"
    # a vector or a matrix by a vector or a matrix: ∂vec(y)/∂vec(x)ᵀ, row-major vec
    return engine.jacobian(L, y.shape), "forward"
