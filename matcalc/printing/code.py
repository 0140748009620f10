"""Expr → NumPy / PyTorch / JAX source: straight-line statements over one shared DAG.

Owns: `CodePrinter` (one emission
context: the statements so far, the temporaries, the sizes and helpers used).
Invariants: values follow the conventions (matcalc.conventions: a scalar is 0-d, a row or
column vector 1-D, a matrix 2-D), so the code returns the very array `Derivation.lambdify()` returns; a subtree used
twice is computed once, into a temporary; diag(v) is carried as its vector v — products
become broadcasts (`v[:, None] * A`, `A * v[None, :]`, `u * v`) and the n×n matrix is built
only when a dense one is really needed; a negation lands on the smallest factor of a
product (`-(X.T @ v)`, never `-X.T @ v`); `inv(A) @ B` is a solve; matrix products are
evaluated in the order that keeps intermediates small — a vector first, and a sum of matrices
meeting a vector distributed over it (`order_products`).  A node without a rule raises
PrintError.  Nothing here imports the backends: this module only writes text.  The nodes
themselves are printed by `NodePrinter` (printing/nodes.py); values are `Val`s
(printing/values.py).
Size: over 300 lines because the backends' spellings and the statement builder share one
table of node kinds; the backends' tables are the next piece to move out.
"""
from __future__ import annotations

from ..errors import PrintError
from ..ops import REGISTRY
from ..sizes import _monomials
from .backends import BACKENDS
from .nodes import NodePrinter
from .reorder import PRODUCTS, order_products, rank
from .values import ADD, ATOM, MUL, POW, UNARY, Val, as_vector, binop, p, trivial

__all__ = ["ADD", "ATOM", "MUL", "POW", "UNARY", "CodePrinter", "Val", "binop", "p"]


def _ones(x) -> bool:  # 𝟏 or 𝟏ᵀ
    return x.op == "ones" or (x.op == "T" and x.args[0].op == "ones")

class CodePrinter(NodePrinter):
    def __init__(self, backend: str, size_code: dict, var_code: dict, taken: set):
        self.backend, self.fn = backend, BACKENDS[backend]
        self.size_code = size_code           # size name -> local variable holding it
        self.var_code = var_code             # variable name -> its Python name
        self.taken = set(taken)
        self.lines: list[str] = []
        self.helpers: set[str] = set()
        self.sizes_used: set[str] = set()
        self.uses: dict = {}
        self.memo: dict = {}
        self._cost: dict = {}
        self._ordered: dict = {}
        self._n = 0

    def prepare(self, e):
        """The tree this printer evaluates for `e`: the same value, products reordered."""
        out = self._ordered.get(e)
        if out is None:
            out = self._ordered[e] = order_products(e)
        return out

    def adopt(self, trees) -> None:
        """Trees already prepared (`order_together`): evaluated as they are."""
        for t in trees:
            self._ordered[t] = t

    # -- the DAG -------------------------------------------------------------------------
    def count(self, roots) -> None:
        """Parent edges per distinct subtree over all roots together (value and
        derivative): structurally equal subtrees are one node, whatever their objects."""
        roots = [self.prepare(r) for r in roots]
        seen: set = set()
        stack = list(roots)
        for r in roots:
            self.uses[r] = self.uses.get(r, 0) + 1
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            for a in n.args:
                self.uses[a] = self.uses.get(a, 0) + 1
                stack.append(a)

    def fresh(self) -> str:
        while True:
            self._n += 1
            name = f"t{self._n}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def emit(self, e) -> Val:
        hit = self.memo.get(e)
        if hit is None:
            v = self.compute(e, 1)
            if self.uses.get(e, 0) > 1 and not trivial(v.code):
                name = self.fresh()
                self.lines.append(f"{name} = {v.code}")
                v = Val(name, ATOM, v.kind, v.const)
            hit = self.memo[e] = v
        return hit

    def assign(self, name: str, e) -> None:
        e = self.prepare(e)
        self.lines.append(f"{name} = {self.dense(self.emit(e), e.shape).code}")

    # -- helpers over values ----------------------------------------------------------------
    def call(self, key: str, *args: str) -> Val:
        spell = self.fn[key]
        if spell.startswith("_"):
            self.helpers.add(spell.split("(")[0])
        if "{0}" in spell:
            return Val(spell.format(*args), ATOM)
        return Val(f"{spell}({', '.join(args)})", ATOM)

    def arg(self, v: Val) -> str:
        """A value as a function argument: torch functions take tensors, not floats."""
        return self.fn["const"].format(v.code) if v.const and self.backend == "pytorch" else v.code

    def dim(self, d) -> str:
        if isinstance(d, int):
            return str(d)
        if d in self.size_code:
            self.sizes_used.add(d)
            return self.size_code[d]
        if "*" in d or "+" in d:                 # a product or sum of sizes (kron, literals)
            terms = []
            for coef, names in _monomials(d):
                factors = ([str(coef)] if coef != 1 or not names else []) + \
                    [self.dim(n) for n in names]
                terms.append(" * ".join(factors))
            return "(" + " + ".join(terms) + ")" if len(terms) > 1 else terms[0]
        raise PrintError(f"the size {d!r} is not read from any argument")

    def dims(self, shape) -> str:
        ds = [self.dim(d) for d in shape if d != 1]
        return ds[0] if len(ds) == 1 else "(" + ", ".join(ds) + ")"

    def dense(self, v: Val, shape) -> Val:
        if v.kind == "diag":
            if rank(shape) == 0:
                return Val(v.code, v.prec, const=v.const)
            return self.call("diag", v.code)
        return v

    def neg(self, v: Val) -> Val:
        if v.const and v.code.startswith("-"):
            return Val(v.code[1:], ATOM, const=True)
        return Val("-" + p(v, UNARY + 1), UNARY, v.kind, v.const)

    def cost(self, e) -> int:
        """The rank of the smallest array a negation of `e` could be applied to."""
        c = self._cost.get(e)
        if c is None:
            if e.op == "neg":
                c = self.cost(e.args[0])
            elif e.op in PRODUCTS:
                c = min(rank(e.shape), *(self.cost(a) for a in e.args))
            elif e.op == "diag" and rank(e.args[0].shape) < 2:
                c = rank(e.args[0].shape)
            elif e.op in ("add", "sub"):
                c = min(rank(e.shape), max(self.cost(a) for a in e.args))
            else:
                c = rank(e.shape)
            self._cost[e] = c
        return c

    # -- nodes -----------------------------------------------------------------------------
    def compute(self, e, sign: int) -> Val:
        op = e.op
        if op == "neg" or op in PRODUCTS:
            while e.op == "neg":
                sign, e = -sign, e.args[0]
            if e.op in PRODUCTS:
                return self.product(e, sign)
            v = self.emit(e)
            return v if sign > 0 else self.neg(v)
        meth = getattr(self, "_" + op, None)
        if meth is None:
            kind = REGISTRY[op].kind if op in REGISTRY else ""
            meth = {"ewise": self._ewise, "reduce": self._reduce, "func": self._ewise,
                    "linear": self._ewise, "const": self._const}.get(kind)
        if meth is None:
            raise PrintError(f"no {self.backend} code for the node '{op}'")
        return meth(e)

    def product(self, e, sign: int) -> Val:
        a, b = e.args
        sa, sb = 1, 1
        while a.op == "neg":
            sa, a = -sa, a.args[0]
        while b.op == "neg":
            sb, b = -sb, b.args[0]
        sign *= sa * sb
        total = self.ones_sum(e, a, b)
        if total is not None:                   # 𝟏ᵀ M, M 𝟏: a reduction, no ones vector
            return total if sign > 0 else self.neg(total)
        spread = self.spread(e, a, b) if e.op == "mul" else None
        if spread is not None:                  # M ⊙ (𝟏 vᵀ): M times the row v, broadcast
            m, vec = spread
            vm = self.dense(self.emit(m), m.shape)
            return binop(vm, "*", vec if sign > 0 else self.neg(vec), MUL)
        if sign > 0:
            return self.combine(e, self.emit(a), self.emit(b))
        where = min((rank(e.shape), 0), (self.cost(a), 1), (self.cost(b), 2))[1]
        if where == 0:
            return self.neg(self.combine(e, self.emit(a), self.emit(b)))
        target = a if where == 1 else b
        if target.op in PRODUCTS and self.uses.get(target, 0) <= 1:
            negated = self.product(target, -1)
        else:
            negated = self.neg(self.emit(target))
        va, vb = (negated, self.emit(b)) if where == 1 else (self.emit(a), negated)
        return self.combine(e, va, vb)

    def ones_sum(self, e, a, b):
        """`𝟏ᵀ M` / `M 𝟏` as the column / row sums of M where the backend spells them
        (PyTorch, JAX), or None."""
        if e.op != "matmul" or "colsums" not in self.fn:
            return None
        for one, m, key, ok in ((a, b, "colsums", a.shape[0] == 1),
                                (b, a, "rowsums", b.shape[1] == 1)):
            if ok and _ones(one) and rank(m.shape) == 2:
                vm = self.emit(m)
                return as_vector(vm) if vm.kind == "diag" else self.call(key, vm.code)
        return None

    def broadcast(self, x):
        """`𝟏 vᵀ` / `v 𝟏ᵀ` as the vector broadcast (`v`, `v[:, None]`), or None: for an
        element-wise partner of the full shape (`X @ W + b`: the N×k matrix is never built)."""
        if x.op == "neg" and rank(x.shape) == 2:
            inner = self.broadcast(x.args[0])
            return None if inner is None else self.neg(inner)
        if x.op in ("div", "mul") and rank(x.shape) == 2 and rank(x.args[1].shape) == 0:
            inner = self.broadcast(x.args[0])     # (v 𝟏ᵀ) / c: v[:, None] / c, no outer
            if inner is None:
                return None
            c = self.dense(self.emit(x.args[1]), x.args[1].shape)
            return binop(inner, "/" if x.op == "div" else "*", c, MUL)
        if x.op != "matmul" or rank(x.shape) != 2:
            return None
        u, v = x.args
        if not (u.is_column and v.is_row):
            return None
        if _ones(u):
            return self.vector(v, x)
        if _ones(v):
            return Val(p(self.vector(u, x), ATOM) + "[:, None]")
        return None

    def vector(self, v, outer) -> Val:
        """The vector `v` of a broadcast `outer`; a temporary if `outer` is used twice."""
        val = self.dense(self.emit(v), v.shape)
        if self.uses.get(outer, 0) > 1 and not trivial(val.code):
            name = self.fresh()
            self.lines.append(f"{name} = {val.code}")
            val = self.memo[v] = Val(name, ATOM, val.kind, val.const)
        return val

    def spread(self, e, a, b):
        """(full operand, broadcast vector) when e's operands are M and 𝟏 vᵀ (`broadcast`)."""
        if rank(e.shape) != 2 or a.shape != e.shape or b.shape != e.shape:
            return None
        for full, other in ((a, b), (b, a)):
            vec = self.broadcast(other)
            if vec is not None:
                return full, vec
        return None

    def combine(self, e, va: Val, vb: Val) -> Val:
        a, b = e.args
        while a.op == "neg":
            a = a.args[0]
        while b.op == "neg":
            b = b.args[0]
        ra, rb = rank(a.shape), rank(b.shape)
        plain_a, plain_b = va is self.memo.get(a), vb is self.memo.get(b)
        if e.op == "kron":
            return self.via_2d("kron", e, [(va, a.shape), (vb, b.shape)])
        if e.op == "dot":
            if ra == 2:
                return self.total(binop(va, "*", vb, MUL), e)
            return binop(va, "@" if ra == 1 else "*", vb, MUL)
        if e.op == "mul" or ra == 0 or rb == 0:           # element-wise, or a 1×1 factor
            if "diag" in (va.kind, vb.kind) and (ra == 0 or rb == 0 or va.kind == vb.kind):
                x, y = (as_vector(va), as_vector(vb))
                return Val(binop(x, "*", y, MUL).code, MUL, "diag")
            return binop(self.dense(va, a.shape), "*", self.dense(vb, b.shape), MUL)
        # matrix product of arrays
        if a.op == "eye" and plain_a:
            return vb
        if b.op == "eye" and plain_b:
            return va
        if va.kind == "diag" and vb.kind == "diag":
            return Val(binop(as_vector(va), "*", as_vector(vb), MUL).code, MUL, "diag")
        if va.kind == "diag":                              # diag(u) B scales the rows of B
            u = as_vector(va)
            return binop(Val(p(u, ATOM) + "[:, None]") if rb == 2 else u, "*", vb, MUL)
        if vb.kind == "diag":                              # A diag(v) scales the columns of A
            v = as_vector(vb)
            if ra == 1:
                return binop(va, "*", v, MUL)
            if a.op == "T" and rank(a.args[0].shape) == 2 and plain_a:  # Aᵀ diag(v) = (v[:, None] * A)ᵀ
                inner = binop(Val(p(v, ATOM) + "[:, None]"), "*", self.emit(a.args[0]), MUL)
                return Val(f"({inner.code}).T")
            return binop(va, "*", Val(p(v, ATOM) + "[None, :]"), MUL)
        if a.is_column and b.is_row:
            return self.call("outer", va.code, vb.code)
        if a.op == "inv" and self.uses.get(a, 0) == 1 and plain_a:     # inv(A) @ B: a solve
            return self.call("solve", self.emit(a.args[0]).code, vb.code)
        # xᵀ Mᵀ is M x, Mᵀ x is xᵀ M: the matrix in its own orientation (JAX copies M.T)
        if ra == 1 and b.op == "T" and rank(b.args[0].shape) == 2 and plain_b:
            return binop(self.emit(b.args[0]), "@", va, MUL)
        if rb == 1 and a.op == "T" and rank(a.args[0].shape) == 2 and plain_a:
            return binop(vb, "@", self.emit(a.args[0]), MUL)
        return binop(va, "@", vb, MUL)

    def via_2d(self, key, e, parts, axis=None) -> Val:
        """The general path for kron and concatenation: 2-D operands, then back to §3."""
        codes = []
        for v, shape in parts:
            v = self.dense(v, shape)
            r = "(1, 1)" if rank(shape) == 0 else "(-1, 1)" if shape[1] == 1 else \
                "(1, -1)" if shape[0] == 1 else None
            codes.append(v.code if r is None else self.call("reshape", self.arg(v), r).code)
        out = self.call(key, *codes) if axis is None else self.call(key, ", ".join(codes),
                                                                   str(axis))
        k = rank(e.shape)
        if k == 2:
            return out
        return self.call("reshape", out.code, "()" if k == 0 else "(-1,)")
