"""The node-by-node part of the code printer: leaves, arithmetic, element-wise functions
(with the stable forms of logarithms), reductions, structure — each `_<op>(e)` returns the
`Val` of one node from its operands' (see `printing/code.py` for the printer itself).

Owns: `NodePrinter`, the mixin `CodePrinter` is built on.  Only text.
"""
from __future__ import annotations

from fractions import Fraction

from .reorder import rank, removable_zero_division
from .values import ADD, ATOM, MUL, POW, UNARY, Val, as_vector, binop, p

# torch functions whose `math` namesake gives the same float64 for a Python number
_MATH = frozenset({"sqrt", "exp", "log", "log1p", "expm1", "erf", "erfc", "tanh", "sin", "cos",
                   "tan", "sinh", "cosh", "atan", "asin", "acos", "log2", "log10"})


_SQUARE = {"jax": "jnp.square", "pytorch": "torch.square"}


def _array_valued(e) -> bool:
    """Whether `e` is printed as an array (not a Python number: sizes and constants only)."""
    todo = [e]
    while todo:                  # depth-first, stops at the first array leaf
        x = todo.pop()
        if not x.args and x.op not in ("num", "size"):
            return True
        todo.extend(x.args)
    return False


class NodePrinter:
    # leaves
    def _var(self, e):
        return Val(self.var_code.get(e.value, e.value))

    def _num(self, e):
        """A float literal (`2.0`, never `2`): library functions refuse ints (torch.sigmoid,
        jax.nn.sigmoid, torch.clamp) and NumPy refuses an integer to a negative power."""
        v: Fraction = e.value
        if v.denominator == 1:
            s = f"{v.numerator}.0"
        elif (v * 2 ** 60).denominator == 1 or len(repr(float(v))) < 12:
            s = repr(float(v))
        else:
            return Val(f"{v.numerator} / {v.denominator}", MUL, const=True)
        return Val(s, UNARY if s.startswith("-") else ATOM, const=True)

    def _size(self, e):
        return Val(self.dim(e.value))

    def _ones(self, e):
        return Val("1", const=True) if rank(e.shape) == 0 else self.call("ones", self.dims(e.shape))

    def _zeros(self, e):
        return Val("0", const=True) if rank(e.shape) == 0 else self.call("zeros", self.dims(e.shape))

    def _eye(self, e):
        return self.call("eye", self.dim(e.shape[0]))

    def _embed(self, e):
        """E[i, j] = 1 where i = j + offset: a block's place in a literal (index forms)."""
        rows, cols = e.shape
        code = self.fn["embed"].format(self.dim(rows), self.dim(cols), self.dim(e.value))
        k = rank(e.shape)
        return Val(code) if k == 2 else self.call("reshape", code, "()" if k == 0 else "(-1,)")

    # arithmetic
    def _binary(self, e, sym, prec):
        a, b = e.args
        spread = self.spread(e, a, b)
        if spread is not None:                   # M + 𝟏 vᵀ is M + v: v broadcast, no N×k matrix
            m, vec = spread
            if sym == "+" and "addmm" in self.fn and m.op == "matmul" and \
                    self.uses.get(m, 0) <= 1 and m not in self.memo:
                fused = self._addmm(m, vec)      # X @ W + b in one call (PyTorch)
                if fused is not None:
                    return fused
            vm = self.dense(self.emit(m), m.shape)
            return binop(vm, sym, vec, prec) if m is a else binop(vec, sym, vm, prec)
        va, vb = self.emit(e.args[0]), self.emit(e.args[1])
        if sym in "+-" and va.kind == vb.kind == "diag":
            return Val(binop(as_vector(va), sym, as_vector(vb), prec).code, prec, "diag")
        if sym == "/" and va.kind == "diag" and rank(e.args[1].shape) == 0:
            return Val(binop(as_vector(va), "/", vb, MUL).code, MUL, "diag")
        return binop(self.dense(va, e.args[0].shape), sym, self.dense(vb, e.args[1].shape), prec)

    def _addmm(self, m, vec):
        """`torch.addmm(b, X, W)` for X W + 𝟏 bᵀ when X W is a plain product of two arrays;
        else None."""
        a, b = m.args
        if rank(a.shape) != 2 or rank(b.shape) != 2 or a.op in ("neg", "eye") or \
                b.op in ("neg", "eye"):
            return None
        va, vb = self.emit(a), self.emit(b)
        if va.kind != "dense" or vb.kind != "dense" or \
                self.combine(m, va, vb).code != f"{p(va, MUL)} @ {p(vb, MUL + 1)}":
            return None
        return self.call("addmm", vec.code, va.code, vb.code)

    def _add(self, e):
        return self._binary(e, "+", ADD)

    def _sub(self, e):
        return self._binary(e, "-", ADD)

    def _div(self, e):
        if removable_zero_division(e):       # 0/0 there is its limit, 0 (reorder.py)
            self.helpers.add("_div0")
            va, vb = (self.dense(self.emit(a), a.shape) for a in e.args)
            return Val(f"_div0({va.code}, {vb.code})")
        return self._binary(e, "/", MUL)

    def _pow(self, e):
        va, vb = self.emit(e.args[0]), self.emit(e.args[1])
        x = e.args[1]
        if x.op == "num" and x.value.denominator == 1:     # x ** 2, x ** -1: an int exponent
            if x.value == 2 and self.backend in _SQUARE and _array_valued(e.args[0]):
                # eager JAX dispatches `x ** 2` through jnp.power's checks: twice the time of
                # jnp.square (NumPy's `** 2` is already a square)
                return Val(f"{_SQUARE[self.backend]}({self.dense(va, e.args[0].shape).code})")
            vb = Val(str(x.value.numerator), UNARY if x.value < 0 else ATOM, const=True)
        return Val(f"{p(self.dense(va, e.args[0].shape), ATOM)} ** {p(vb, UNARY)}", POW,
                   const=va.const and vb.const)

    def _max(self, e):
        return self._extremum(e, "max")

    def _min(self, e):
        return self._extremum(e, "min")

    def _extremum(self, e, key):
        va, vb = (self.dense(self.emit(a), a.shape) for a in e.args)
        if va.const and vb.const:                         # two Python numbers
            return Val(f"{key}({va.code}, {vb.code})", const=True)
        if self.backend == "pytorch" and (va.const or vb.const):
            c, x = (va, vb) if va.const else (vb, va)
            bound = {"max": "min", "min": "max"}[key]     # max(x, c) = clamp(x, min=c)
            return Val(f"torch.clamp({x.code}, {bound}={c.code})")
        return self.call(key, va.code, vb.code)

    def _T(self, e):
        v = self.emit(e.args[0])
        if rank(e.shape) < 2 or v.kind == "diag":
            return v
        return Val(p(v, ATOM) + ".T")

    def _diag(self, e):
        x = e.args[0]
        v = self.emit(x)
        if rank(x.shape) == 0:
            return v
        if rank(x.shape) == 1:
            return Val(v.code, v.prec, "diag")
        return Val(v.code, v.prec) if v.kind == "diag" else self.call("diagonal", v.code)

    def _inv(self, e):
        v = self.emit(e.args[0])
        if v.kind == "diag":
            return Val(binop(Val("1", const=True), "/", Val(v.code, v.prec), MUL).code, MUL, "diag")
        return self.call("inv", v.code)

    def _reduce(self, e):
        v = self.emit(e.args[0])
        if v.kind == "diag" and e.op in ("sum", "tr"):
            return self.total(Val(v.code, v.prec), e.args[0])
        if e.op == "sum":
            return self.total(self.dense(v, e.args[0].shape), e.args[0])
        return self.call(e.op, self.arg(self.dense(v, e.args[0].shape)))

    def total(self, v: Val, node) -> Val:
        """The sum of every entry: NumPy's `x.sum()` (np.sum(x) costs ~2 µs more a call)."""
        if self.backend == "numpy" and not v.const and _array_valued(node):
            return Val(f"{p(v, ATOM)}.sum()", ATOM)
        return self.call("sum", self.arg(v))

    def _ewise(self, e):
        if e.op == "log":
            stable = self._stable_log(e.args[0])
            if stable is not None:
                return stable
        # a record's call: its operands in order (mpow(X, k): the power as written, an int)
        first = self.dense(self.emit(e.args[0]), e.args[0].shape)
        rest = [str(a.value.numerator) if a.op == "num" and a.value.denominator == 1
                else self.dense(self.emit(a), a.shape).code for a in e.args[1:]]
        if first.const and not rest and self.backend == "pytorch":
            name = self.fn[e.op].removeprefix("torch.")
            if name in _MATH:              # of a Python number: math.sqrt(2.0), no tensor
                return Val(f"math.{name}({first.code})", const=True)
        return self.call(e.op, self.arg(first), *rest)

    def _value(self, e) -> str:
        return self.arg(self.dense(self.emit(e), e.shape))

    def _stable_log(self, x):
        """log(1 + exp(u)) = softplus(u), log(sigmoid(u)) = -softplus(-u),
        log(1 - sigmoid(u)) = -softplus(u), log(1 + u) = log1p(u), log(softmax(z)) = the
        log-softmax: no overflow to inf at a margin of 1000, no log(0)."""
        def one(t):
            return t.op == "ones" or (t.op == "num" and t.value == 1)
        if x.op == "sigmoid":
            u = x.args[0]
            minus_u = self.neg(self.dense(self.emit(u), u.shape))     # keeps precedence
            return self.neg(self.call("softplus", self.arg(minus_u)))
        if x.op == "sub" and one(x.args[0]) and x.args[1].op == "sigmoid":
            return self.neg(self.call("softplus", self._value(x.args[1].args[0])))
        if x.op == "softmax":
            z = self._value(x.args[0])
            if self.backend == "jax":
                return Val(f"jax.nn.log_softmax({z})")
            return binop(Val(z), "-", self.call("logsumexp", z), ADD)
        if x.op == "add" and (one(x.args[0]) or one(x.args[1])):
            u = x.args[1] if one(x.args[0]) else x.args[0]
            if u.op == "exp":
                return self.call("softplus", self._value(u.args[0]))
            if u.shape == x.shape:
                return self.call("log1p", self._value(u))
        return None

    def _unvec(self, e):
        v = self.dense(self.emit(e.args[0]), e.args[0].shape)
        return self.call("reshape", v.code, self.dims(e.shape))

    def _const(self, e):
        return Val(self.fn[e.op], const=True)

    def _vcat(self, e):
        return self.via_2d("concat", e, [(self.emit(a), a.shape) for a in e.args], axis=0)

    def _hcat(self, e):
        return self.via_2d("concat", e, [(self.emit(a), a.shape) for a in e.args], axis=1)
