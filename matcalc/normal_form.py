"""The algebraic normal form of one node: generic algebra, no calculus.

Owns: `canon(e)`.  Numbers are folded, a product is read as coefficient × scalar factors
with exponents × one array core, and like terms of a sum are added: `2x·x + x²` becomes
`3 x^2`, `(2x)/x²` becomes `2 / x`, `-(a - b) c` becomes `(b - a) c`.  A row of ones is
written 𝟏ᵀ and literals of scalars are kept as literals.
Invariant: `canon` assumes its node's children are already normal, never changes a shape,
and returns an equal tree when nothing applies (the simplifier's fixpoint relies on it).

>>> from matcalc import parse
>>> str(canon(parse("2*x*x + x^2")))
'3 x^2'
"""
from __future__ import annotations

from fractions import Fraction

from .patterns import unvec
from .shaperules import mk
from .tree import SCALAR, Expr, num, ones

# -- algebraic normal form -------------------------------------------------------------------

class _Term:
    __slots__ = ("coef", "factors", "core")

    def __init__(self, coef=Fraction(1), factors=None, core=None):
        self.coef = coef
        self.factors = factors if factors is not None else {}   # base Expr -> exponent
        self.core = core                                         # array Expr or None

    def times(self, other: "_Term") -> "_Term | None":
        if self.core is not None and other.core is not None:
            return None
        f = dict(self.factors)
        for b, k in other.factors.items():
            f[b] = f.get(b, 0) + k
            if f[b] == 0:
                del f[b]
        return _Term(self.coef * other.coef, f, self.core if self.core is not None else other.core)

    def power(self, k: Fraction) -> "_Term | None":
        if self.core is not None or (self.coef != 1 and k.denominator != 1) or \
                (self.coef == 0 and k < 0):
            return None
        if k.denominator != 1 and any(e != 1 for e in self.factors.values()):
            return None                 # (x^2)^(1/2) is |x|, not x: keep it as written
        if abs(k) > 64:
            return None
        return _Term(self.coef ** int(k) if k.denominator == 1 else self.coef,
                     {b: e * k for b, e in self.factors.items()}, None)

    def key(self):
        return (tuple(sorted(self.factors.items(), key=lambda be: hash(be))), self.core)


def _product(e: Expr) -> _Term:
    if e.op == "num":
        return _Term(e.value)
    if e.op == "neg":
        t = _product(e.args[0])
        return _Term(-t.coef, t.factors, t.core)
    if e.op == "mul" and (e.args[0].shape == SCALAR or e.args[1].shape == SCALAR):
        t = _product(e.args[0]).times(_product(e.args[1]))
        if t is not None:
            return t
    if e.op == "div" and e.args[1].shape == SCALAR:
        inv = _product(e.args[1]).power(Fraction(-1))
        if inv is not None:
            t = _product(e.args[0]).times(inv)
            if t is not None:
                return t
    if e.op == "pow" and e.shape == SCALAR and e.args[1].op == "num":
        t = _product(e.args[0]).power(e.args[1].value)
        if t is not None:
            return t
    if e.shape == SCALAR:
        return _Term(Fraction(1), {e: Fraction(1)})
    return _Term(Fraction(1), {}, e)


def _terms(e: Expr, sign: int = 1) -> list:
    if e.op == "add":
        return _terms(e.args[0], sign) + _terms(e.args[1], sign)
    if e.op == "sub":
        return _terms(e.args[0], sign) + _terms(e.args[1], -sign)
    if e.op == "neg":
        return _terms(e.args[0], -sign)
    t = _product(e)
    if sign < 0:
        t = _Term(-t.coef, t.factors, t.core)
    return [t]


def _factor_order(item, position):
    base, _ = item
    simple = base.op in ("var", "size")
    return (0, base.value, 0) if simple else (1, "", position[base])


def _power(base: Expr, k: Fraction) -> Expr:
    if k == 1:
        return base
    return mk("pow", base, num(k))


def _product_of(factors: list) -> Expr | None:
    out = None
    for f in factors:
        out = f if out is None else mk("mul", out, f)
    return out


def _build(t: _Term) -> Expr:
    """coef · Π factors^k · core, readable: `(2 / N) sum(u)`, `6 x^2 cos(x^3) / sin(x^3)`."""
    if not t.factors and t.core is None:
        return num(t.coef)                       # a number stays one number: -1/2
    position = {b: i for i, b in enumerate(t.factors)}
    items = sorted(t.factors.items(), key=lambda it: _factor_order(it, position))
    up = [_power(b, k) for b, k in items if k > 0]
    down = [_power(b, -k) for b, k in items if k < 0]
    simple_down = all(b.op in ("var", "size", "num") for b, k in items if k < 0)
    p, q = t.coef.numerator, t.coef.denominator
    if q != 1:
        down = [num(q)] + down
    rest = _product_of(up + ([t.core] if t.core is not None else []))
    if down and simple_down and rest is not None:
        # a coefficient block in front: (2 / N) rest
        k = mk("div", num(p), _product_of(down))
        return mk("mul", k, rest)
    negate = p == -1 and rest is not None          # -x, -(xᵀ A); but -2 x, -1 / x^2
    lead = -p if negate else p
    if lead != 1 or rest is None:
        rest = _product_of([num(lead)] + up + ([t.core] if t.core is not None else []))
    if down:
        rest = mk("div", rest, _product_of(down))
    return mk("neg", rest) if negate else rest


def _flip(e: Expr) -> Expr | None:
    """`e` with one subtraction along its product spine reversed (−(a − b) c = (b − a) c)."""
    if e.op == "sub":
        return canon(mk("neg", e))
    if e.op in ("mul", "div", "T") or (e.op == "matmul"):
        for i in ((0, 1) if e.op == "mul" else (0,)):
            f = _flip(e.args[i])
            if f is not None:
                args = list(e.args)
                args[i] = f
                return mk(e.op, *args)
    return None


def _positive(t: _Term) -> _Term:
    """Carry a negative coefficient into a difference where there is one."""
    if t.coef >= 0:
        return t
    for b, k in t.factors.items():
        if k == 1 and b.op == "sub":
            f = dict(t.factors)
            del f[b]
            flipped = canon(mk("neg", b))
            f[flipped] = f.get(flipped, 0) + 1          # (b − c) may be a factor already
            if f[flipped] == 0:
                del f[flipped]
            return _Term(-t.coef, f, t.core)
    if t.core is not None:
        flipped = _flip(t.core)
        if flipped is not None:
            return _Term(-t.coef, t.factors, flipped)
    return t


def canon(e: Expr) -> Expr:
    """The algebraic normal form of one node whose children are already normal."""
    op = e.op
    if op == "unvec":                       # vec's inverse meets a vec, a transpose, a scale
        out = unvec(e.args[0], e.shape)
        return out if out.op != "unvec" or out != e else e
    if op == "matmul":                      # a literal's block picked out by its embedding
        block = _picked_block(e)
        if block is not None:
            return block
    if op in ("zeros", "ones") and e.shape == SCALAR:
        return num(0 if op == "zeros" else 1)
    if op == "eye" and e.shape == SCALAR:
        return num(1)
    if op in ("zeros", "ones") and e.shape[0] == 1:
        return mk("T", Expr(op, (), (e.shape[1], 1)))     # a row of ones prints 𝟏ᵀ
    if op == "hcat":
        return _literal(e)
    if op == "T" and _is_matrix_literal(e.args[0]):
        rows = [r.args[0].args for r in e.args[0].args]
        return mk("vcat", *(mk("T", mk("vcat", *col)) for col in zip(*rows)))
    if op not in ("add", "sub", "neg", "mul", "div", "pow"):
        return e                        # a bare number (1/2 too) stays a number
    if op == "pow" and not (e.args[1].op == "num" and e.shape == SCALAR):
        return e
    terms, order = {}, []
    for t in _terms(e):
        k = t.key()
        if k in terms:
            terms[k].coef += t.coef
        else:
            terms[k] = t
            order.append(k)
    kept = [terms[k] for k in order if terms[k].coef != 0]
    if len(kept) == 1:
        kept = [_positive(kept[0])]
    if not kept:
        out = num(0)
    else:
        # positive terms first, each group in order of appearance: x^2 - 3 x, X w + b - y
        kept.sort(key=lambda t: t.coef < 0)
        out = _build(kept[0])
        for t in kept[1:]:
            if t.coef < 0:
                out = mk("sub", out, _build(_Term(-t.coef, t.factors, t.core)))
            else:
                out = mk("add", out, _build(t))
    if out.shape != e.shape:
        if out.shape == SCALAR:
            out = mk("mul", out, ones(e.shape)) if not (out.op == "num" and out.value == 0) \
                else Expr("zeros", (), e.shape)
        else:
            return e
    return out


def _picked_block(e: Expr) -> Expr | None:
    """[a; b]ᵀ E₁ = bᵀ and E₁ᵀ [a; b] = b: the block of a column literal that an embedding
    (`embed`, the index form's) selects, where the blocks' sizes are numbers."""
    a, b = e.args
    if a.op == "T" and a.args[0].op == "vcat" and b.op == "embed":
        lit, emb, flip = a.args[0], b, True
    elif a.op == "T" and a.args[0].op == "embed" and b.op == "vcat":
        lit, emb, flip = b, a.args[0], False
    else:
        return None
    offset = 0
    for blk in lit.args:
        if not isinstance(blk.shape[0], int) or not isinstance(offset, int):
            return None
        if offset == emb.value and blk.shape[0] == emb.shape[1]:
            return mk("T", blk) if flip and blk.shape != SCALAR else blk
        offset += blk.shape[0]
    return None


def _is_matrix_literal(e: Expr) -> bool:
    return e.op == "vcat" and len(e.args) > 1 and all(
        r.op == "T" and r.args[0].op == "vcat" and all(x.shape == SCALAR for x in r.args[0].args)
        for r in e.args)


def _literal(e: Expr) -> Expr:
    """hcat of scalars -> [a, b]ᵀ; hcat of columns of scalars -> the matrix literal."""
    args = e.args
    if all(a.shape == SCALAR for a in args):
        return mk("T", mk("vcat", *args))
    if all(a.op == "vcat" and all(x.shape == SCALAR for x in a.args) for a in args) and \
            len({len(a.args) for a in args}) == 1:
        rows = [mk("T", mk("vcat", *(col.args[i] for col in args)))
                for i in range(len(args[0].args))]
        return mk("vcat", *rows)
    return e
