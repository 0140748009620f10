"""Sums and products read as terms: a number times bases with exponents, where a base is a
scalar or an array multiplied element-wise (`2 x^2 (a ⊙ b^-1)` is 2 · {x: 2, a: 1, b: −1}).

Owns: `Term`, `product(e)` (one product as a term), `terms(e)` (a sum as its signed terms),
`build(t)` (a term written back readably: `(2 / N) xᵀ`, `6 x^2 cos(x^3) / sin(x^3)`,
`(1 - y) ⊙ s / (1 - s)`), `assemble(terms)` (a sum: positive terms first) and `size(e)` (the
printed size in tokens, roughly: what the normal form minimises).
Invariant: `build(product(e))` has the value of e wherever e is defined (a base times its
reciprocal is 1: the input's domain excludes its zeros; `(x^2)^(1/2)` is |x| and is never
read as x); only element-wise products are split — a matrix product is one base.

>>> from matcalc import parse
>>> str(build(product(parse("2 a ⊙ (b ⊘ a)", {"a": "n", "b": "n"}))))
'2 b'
"""
from __future__ import annotations

from fractions import Fraction

from .shaperules import mk
from .tree import SCALAR, Expr, num

MAX_EXPONENT = 64
_ONE = Fraction(1)


class Term:
    """coef (a Fraction) · Π base^exponent; an exponent is an int, or a Fraction when it is
    not whole."""
    __slots__ = ("coef", "factors")

    def __init__(self, coef=_ONE, factors=None):
        self.coef = coef if type(coef) is Fraction else Fraction(coef)
        self.factors = factors if factors is not None else {}   # base Expr -> exponent

    def times(self, other: "Term") -> "Term | None":
        a, b = self.array_shape(), other.array_shape()
        if a is not None and b is not None and a != b:
            return None
        f = dict(self.factors)
        for base, k in other.factors.items():
            prev = f.get(base)
            if prev is None:
                f[base] = k
            elif prev + k == 0:
                del f[base]
            else:
                f[base] = prev + k
        return Term(self.coef * other.coef, f)

    def power(self, k: Fraction) -> "Term | None":
        if k.denominator == 1:
            k = int(k)                  # whole exponents as ints: exact, and cheap to add
        if (self.coef != 1 and k.denominator != 1) or (self.coef == 0 and k < 0):
            return None
        if k.denominator != 1 and any(e != 1 for e in self.factors.values()):
            return None                 # (x^2)^(1/2) is |x|, not x: keep it as written
        if abs(k) > MAX_EXPONENT:
            return None
        coef = self.coef ** int(k) if k.denominator == 1 else self.coef
        return Term(coef, {b: e * k for b, e in self.factors.items() if e * k != 0})

    def array_shape(self):
        for b in self.factors:
            if b.shape != SCALAR:
                return b.shape
        return None

    def key(self):
        """The factors with their exponents, as a whole (two terms are like terms when their
        keys are equal)."""
        return frozenset((b, k.numerator, k.denominator) for b, k in self.factors.items())

    def negated(self) -> "Term":
        return Term(-self.coef, self.factors)


def _ones(e: Expr) -> bool:
    return e.op == "ones" or (e.op == "T" and e.args[0].op == "ones")


def product(e: Expr) -> Term:
    """`e` as one term (a base of exponent 1 when it is no product)."""
    op, a = e.op, e.args
    if op == "num":
        return Term(e.value)
    if op == "neg":
        return product(a[0]).negated()
    if _ones(e):
        return Term(1)                  # 𝟏 is the identity of ⊙ (the shape is the sum's)
    if op == "zeros" or (op == "T" and a[0].op == "zeros"):
        return Term(0)
    if op == "mul":
        t = product(a[0]).times(product(a[1]))
        if t is not None:
            return t
    if op == "div":
        inv = product(a[1]).power(Fraction(-1))
        if inv is not None:
            t = product(a[0]).times(inv)
            if t is not None:
                return t
    if op == "pow" and a[1].op == "num":
        t = product(a[0]).power(a[1].value)
        if t is not None:
            return t
    return Term(_ONE, {e: 1})


def terms(e: Expr, sign: int = 1) -> list:
    """The signed terms of a sum (a product is one term)."""
    out, stack = [], [(e, sign)]
    while stack:
        n, s = stack.pop()
        if n.op == "add":
            stack += [(n.args[1], s), (n.args[0], s)]
        elif n.op == "sub":
            stack += [(n.args[1], -s), (n.args[0], s)]
        elif n.op == "neg":
            stack.append((n.args[0], -s))
        else:
            t = product(n)
            out.append(t if s > 0 else t.negated())
    return out


def _power(base: Expr, k: Fraction) -> Expr:
    return base if k == 1 else mk("pow", base, num(k))


def _product_of(factors: list) -> Expr | None:
    out = None
    for f in factors:
        out = f if out is None else mk("mul", out, f)
    return out


def _simple(b: Expr) -> bool:
    return b.op in ("var", "size", "num")


def build(t: Term) -> Expr:
    """coef · Π scalar factors · ⊙ array factors, readable: `(2 / N) sum(u)`,
    `6 x^2 cos(x^3) / sin(x^3)`, `-x`, `(1 - y) ⊙ s / (1 - s)`."""
    if not t.factors:
        return num(t.coef)                       # a number stays one number: -1/2
    position = {b: i for i, b in enumerate(t.factors)}
    scal = sorted(((b, k) for b, k in t.factors.items() if b.shape == SCALAR),
                  key=lambda bk: (0, bk[0].value, 0) if bk[0].op in ("var", "size")
                  else (1, "", position[bk[0]]))
    arr = [(b, k) for b, k in t.factors.items() if b.shape != SCALAR]
    up = [_power(b, k) for b, k in scal if k > 0] + [_power(b, k) for b, k in arr if k > 0]
    sdown = [_power(b, -k) for b, k in scal if k < 0]
    adown = [_power(b, -k) for b, k in arr if k < 0]
    p, q = t.coef.numerator, t.coef.denominator
    rest = _product_of(up)
    if rest is not None and sdown and all(_simple(b) for b, k in scal if k < 0):
        if abs(p) == 1:                          # x / n, -(𝟏ᵀ / N)
            out = mk("div", rest, _product_of(([num(q)] if q != 1 else []) + sdown + adown))
            return mk("neg", out) if p < 0 else out
        # a coefficient block in front: (2 / N) rest, (2 / N) (a / b)
        if adown:
            rest = mk("div", rest, _product_of(adown))
        return mk("mul", mk("div", num(p), _product_of(([num(q)] if q != 1 else []) + sdown)),
                  rest)
    down = sdown + adown
    lead: Fraction = Fraction(p)
    if q != 1:
        if _decimal(q) or not down or rest is None:
            lead = t.coef                        # 0.5 x / norm(x), (1/3) x
        else:
            down = [num(q)] + down               # x / (3 norm(x))
    negate = lead == -1 and rest is not None     # -x, -(xᵀ A); but -2 x, -1 / x^2
    if negate:
        lead = Fraction(1)
    if lead != 1 or rest is None:
        rest = _product_of([num(lead)] + up)
    if down:
        rest = mk("div", rest, _product_of(down))
    return mk("neg", rest) if negate else rest


def _decimal(q: int) -> bool:
    for f in (2, 5):
        while q % f == 0:
            q //= f
    return q == 1


def assemble(kept: list) -> Expr:
    """A sum of terms: positive terms first, each group in the order given (x^2 - 3 x,
    X w + b - y) but a term's transpose after it (A + Aᵀ); no terms is 0."""
    if not kept:
        return num(0)
    plain = {b for t in kept for b in t.factors if b.op != "T"}
    # positive terms first; of a term and its transpose, the term first (A + Aᵀ)
    kept = sorted(kept, key=lambda t: (t.coef < 0, any(b.op == "T" and b.args[0] in plain
                                                      for b in t.factors)))
    out = build(kept[0])
    for t in kept[1:]:
        if t.coef < 0:
            out = mk("sub", out, build(t.negated()))
        else:
            out = mk("add", out, build(t))
    return out


# -- the printed size ------------------------------------------------------------------------

_SUMS = ("add", "sub")
_GROUPING = ("mul", "div", "matmul", "pow", "T", "neg", "dot")
_SIZE: dict = {}


def size(e: Expr) -> int:
    """Tokens of the printed form, roughly: one per node, two for the parentheses around a
    sum inside a product, power, transpose or negation.  Memoised."""
    got = _SIZE.get(e)
    if got is not None:
        return got
    if len(_SIZE) > 200_000:
        _SIZE.clear()
    stack = [e]                         # children first, stopping at sizes already known
    while stack:
        n = stack[-1]
        if n in _SIZE:
            stack.pop()
            continue
        pending = [a for a in n.args if a not in _SIZE]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        s = 1 + sum(_SIZE[a] for a in n.args)
        if n.op in _GROUPING:
            s += 2 * sum(1 for a in n.args if a.op in _SUMS)
        if n.op not in ("var", "num", "size", "ones", "zeros", "eye", "pvar") and n.op not in \
                _GROUPING and n.op not in _SUMS:
            s += 2                      # a call's parentheses
        _SIZE[n] = s
    return _SIZE[e]
