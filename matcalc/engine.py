"""The rule engine: differentials by the rules of rules/, and identification of the Jacobian
(forward sweep, `jac` rules) or the gradient (reverse sweep, `grad` rules).

Owns: `Engine`.  It holds the mechanism only — matching, memoisation over the expression
DAG, the linear-term bookkeeping of the total derivative, accumulation of adjoints — and no
calculus of any operator: every identity it applies comes from the rulebook.
Invariants: `differential(e)` is None (zero) or a tree linear in the differential leaf
d(x) with the shape of `e`; every node is differentiated once (memo), so the cost is linear
in the size of the DAG; `jac(L)` has shape (count(L), count(x)); `gradient(L)` has the
shape of x.
"""
from __future__ import annotations

from .errors import InternalError, UnsupportedError
from .patterns import Instantiator, match, mk
from .rulebook import Rulebook, split_terms
from .tree import SCALAR, Expr, count, zeros
from .printing.text import to_text


class _Ctx:
    """What `const(?u)` means while a rule is tried."""

    def __init__(self, is_const):
        self.is_const = is_const


class Engine:
    def __init__(self, rulebook: Rulebook, wrt: str, wrt_shape):
        self.rb = rulebook
        self.x = Expr("var", (), wrt_shape, wrt)
        self.dx = Expr("d", (self.x,), wrt_shape)
        self._dep: dict[Expr, bool] = {}
        self._lin: dict[Expr, bool] = {}
        self._diff: dict[Expr, Expr | None] = {}
        self._jac: dict[Expr, Expr] = {}
        self.used: dict[Expr, object] = {}      # node -> rule that differentiated it
        self.trace: list = []                   # (rule, node) for identification rules
        self.diff_ctx = _Ctx(lambda e: not self.depends(e))
        self.lin_ctx = _Ctx(lambda e: not self.linear(e))

    # -- dependence ---------------------------------------------------------------------------
    def depends(self, e: Expr) -> bool:
        """Does `e` depend on the variable?  (memoised over the DAG, iterative)"""
        x = self.x.value
        return _memo_any(e, self._dep, lambda n: n.op == "var" and n.value == x)

    def linear(self, e: Expr) -> bool:
        """Does `e` hold the differential d(x)?"""
        return _memo_any(e, self._lin, lambda n: n.op == "d")

    # -- rules -----------------------------------------------------------------------------------
    def _first(self, kind: str, pattern_of, e: Expr, ctx, extra=None):
        for rule in self.rb.candidates(kind, e.op):
            binds = match(pattern_of(rule), e, dict(extra or {}))
            if binds is not None and all(c.holds(ctx, binds) for c in rule.where):
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
            return self.dx
        if e.op in ("vcat", "hcat"):                          # d acts block by block
            parts = [self._diff[a] if self._diff[a] is not None else zeros(a.shape)
                     for a in e.args]
            self.used[e] = None
            return mk(e.op, *parts)
        rule, binds = self._first("differential", lambda r: r.lhs, e, self.diff_ctx)
        if rule is None:
            raise UnsupportedError(f"no rule in rules/ differentiates {to_text(e)!r} "
                                   f"({e.op} of {', '.join(str(a.shape) for a in e.args)})",
                                   label="no-rule")
        self.used[e] = rule
        if rule.rhs.op == "num":                               # d(step(u)) = 0 etc.
            return None
        inst = Instantiator({"d": lambda c: self._diff[c]})
        out = None
        for sign, term in split_terms(rule.rhs):
            child = binds[next(n for n in term.walk() if n.op == "d").args[0].value]
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
            raise InternalError(f"rule {rule.id} gives d({to_text(e)}) the shape "
                                f"{_fmt(out.shape)}, not {_fmt(e.shape)}", label="internal")
        return out

    # -- forward identification: dy = J dx --------------------------------------------------------
    def jacobian(self, L: Expr | None, out_shape) -> Expr:
        n = count(self.x.shape)
        rows = count(out_shape)
        if L is None:
            return zeros((_dim(rows), _dim(n)))
        return self.jac(L)

    def jac(self, L: Expr) -> Expr:
        if L in self._jac:
            return self._jac[L]
        if not self.linear(L):
            out = zeros((_dim(count(L.shape)), _dim(count(self.x.shape))))
        elif (L.op == "vcat" and all(a.shape[1] == 1 for a in L.args)) or \
                (L.op == "hcat" and all(a.shape == SCALAR for a in L.args)):
            out = mk("vcat", *(self.jac(a) for a in L.args))   # R-J4: rows stack
        else:
            rule, binds = self._first("forward", lambda r: r.lhs, L, self.lin_ctx)
            if rule is None:
                vectors = all(s[0] == 1 or s[1] == 1 for s in (L.shape, self.x.shape))
                raise UnsupportedError(
                    f"cannot read a Jacobian off {to_text(L)!r}: " + (
                        "no jac rule in rules/ passes through it" if vectors else
                        f"the derivative of a {_fmt(L.shape)} array by a "
                        f"{_fmt(self.x.shape)} one has order "
                        f"{sum(d != 1 for d in L.shape + self.x.shape)}"),
                    label="no-rule" if vectors else "tensor-derivative")
            self.trace.append((rule, L))
            out = Instantiator({"jac": self.jac})(rule.rhs, binds)
        self._jac[L] = out
        return out

    # -- reverse identification: df = tr(Gᵀ dX) ----------------------------------------------------
    def gradient(self, L: Expr | None, seed: Expr) -> Expr:
        """The G with tr(seedᵀ L) = tr(Gᵀ dx): the gradient, shaped like x."""
        if L is None:
            return zeros(self.x.shape)
        order = [n for n in L.walk() if self.linear(n)]       # children before parents
        adj: dict[Expr, Expr] = {L: seed}
        result = None
        for node in reversed(order):                            # parents before children
            a = adj.pop(node, None)
            if a is None:
                continue
            if node == self.dx:
                result = a if result is None else mk("add", result, a)
                continue
            self._pass_adjoint(node, a, adj)
        return result if result is not None else zeros(self.x.shape)

    def _pass_adjoint(self, node: Expr, a: Expr, adj: dict) -> None:
        for rule in self.rb.candidates("reverse", node.op):
            pat, gname = rule.lhs.args[0], rule.lhs.args[1].value
            binds = match(pat, node, {gname: a})
            if binds is None or not all(c.holds(self.lin_ctx, binds) for c in rule.where):
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
        raise UnsupportedError(f"cannot pass a gradient through {to_text(node)!r} "
                               f"(no grad rule in rules/ matches)", label="no-rule")


def _memo_any(e: Expr, memo: dict, leaf) -> bool:
    """Whether `leaf` holds anywhere in `e`, visiting only nodes not yet in `memo`."""
    if e in memo:
        return memo[e]
    stack = [(e, False)]
    while stack:
        n, expanded = stack.pop()
        if n in memo:
            continue
        if expanded:
            memo[n] = leaf(n) or any(memo[a] for a in n.args)
            continue
        stack.append((n, True))
        stack.extend((a, False) for a in n.args if a not in memo)
    return memo[e]


def _dim(c):
    if isinstance(c, int):
        return c
    return "*".join(str(d) for d in c) if len(c) > 1 else c[0]


def _fmt(shape) -> str:
    return "scalar" if shape == SCALAR else f"{shape[0]}×{shape[1]}"
