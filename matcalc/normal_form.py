"""The algebraic normal form of one node: generic algebra, no calculus.

Owns: `canon(e)`.  Zeros and functions of numbers are folded (`matcalc.folding`); a product
is read as coefficient × scalar factors × element-wise array factors, with exponents
(`matcalc.terms`), so `2x·x + x²` becomes `3 x^2`, `(2x)/x²` becomes `2 / x`,
`y ⊙ (1 ⊘ s) ⊙ s` becomes `y`; like terms of a sum are added and diagonal matrices merged
(`diag(a) - diag(b)` is `diag(a - b)`).  A sum is then written in the shortest of: as
collected, with a factor common to all its terms taken out (`(a - b) / c`,
`y ⊙ (s + t)`), multiplied out (`(1 - y) ⊙ s - y ⊙ (1 - s)` is `s - y`), or multiplied out
and factored — the first of the shortest (`terms.size`), so nothing is rewritten for a tie.
`-(a - b) c` becomes `(b - a) c`.  A row of ones is written 𝟏ᵀ; literals of scalars are
kept as literals.
Invariant: `canon` assumes its node's children are already normal, never changes a shape,
and returns an equal tree when nothing applies (the simplifier's fixpoint relies on it).

>>> from matcalc import parse
>>> str(canon(parse("2*x*x + x^2")))
'3 x^2'
"""
from __future__ import annotations


from .folding import fold, zero_like
from .patterns import count_expr, unvec
from .predicates import positive
from .shaperules import mk
from .sums import collect, merge_diagonals, positive_term, shortest
from .terms import Term, assemble, build, product, size, terms
from .tree import SCALAR, Expr, num, ones

_ALGEBRA = ("add", "sub", "neg", "mul", "div", "pow")


def canon(e: Expr) -> Expr:
    """The algebraic normal form of one node whose children are already normal."""
    folded = fold(e)
    if folded is not None and folded != e:
        return canon(folded) if folded.op in _ALGEBRA else folded
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
    if op in ("step", "sign"):
        return _unscaled(e)
    if op == "sum" and e.args[0].op in ("add", "sub"):
        return _sum_of_sum(e)
    if op not in _ALGEBRA:
        return e                        # a bare number (1/2 too) stays a number
    if op == "pow" and e.args[1].op != "num":
        return e
    kept = merge_diagonals(collect([_primitive(t) for t in terms(e)]), canon)
    if len(kept) <= 1:
        out = build(positive_term(kept[0], canon)) if kept else num(0)
    else:
        out = shortest(kept, canon)
    return _fit(out, e)


def _primitive(t: Term) -> Term:
    """A sum among t's factors with one number in all its terms takes it out:
    `x (2 a - 2 b)^2` is `4 x (a - b)^2` (the content of a polynomial)."""
    coef, factors, changed = t.coef, {}, False
    for b, k in t.factors.items():
        got = _content(b) if b.op in ("add", "sub") and k.denominator == 1 else None
        if got is None:
            factors[b] = factors.get(b, 0) + k
            continue
        c, inner = got
        changed = True
        coef *= c ** int(k)
        factors[inner] = factors.get(inner, 0) + k
    return Term(coef, {b: k for b, k in factors.items() if k != 0}) if changed else t


_CONTENT: dict = {}


def _content(b: Expr):
    """(c, b / c) for a sum b whose terms all have the number ±c (c ≠ 0, 1), else None.
    Memoised: a sum that is a factor (`1 - h^2` in a long chain of products) is asked
    about by every product it is a factor of."""
    if b in _CONTENT:
        return _CONTENT[b]
    if len(_CONTENT) > 100_000:
        _CONTENT.clear()
    ts = terms(b)
    c = abs(ts[0].coef) if ts else 1
    got = None
    if c not in (0, 1) and all(abs(x.coef) == c for x in ts):
        inner = canon(assemble([Term(x.coef / c, x.factors) for x in ts]))
        if inner.shape == b.shape:
            got = (c, inner)
    _CONTENT[b] = got
    return got


def _sum_of_sum(e: Expr) -> Expr:
    """sum(a ± b) as sum(a) ± sum(b) when that is shorter (sum(xᵀ - mean(x)) is 0); a
    scalar term spread over the entries sums to count × it."""
    count = count_expr(e.args[0].shape)
    parts = []
    for t in terms(e.args[0]):
        scal = {b: k for b, k in t.factors.items() if b.shape == SCALAR}
        arr = {b: k for b, k in t.factors.items() if b.shape != SCALAR}
        if arr:
            a = build(Term(1, arr))
            a = a.args[0] if a.op == "T" else a            # sum(aᵀ) = sum(a)
            scal[mk("sum", a)] = scal.get(mk("sum", a), 0) + 1
            parts.append(Term(t.coef, scal))
        else:
            got = Term(t.coef, scal).times(product(count))
            if got is None:
                return e
            parts.append(got)
    kept = collect(parts)
    out = shortest(kept, canon) if len(kept) > 1 else (build(kept[0]) if kept else num(0))
    return out if size(out) < size(e) else e


def _unscaled(e: Expr) -> Expr:
    """step(c u) = step(u) and sign(c u) = sign(u) for a positive factor c (a positive
    number, a size, exp(·), …): c u > 0 exactly where u > 0."""
    t = product(e.args[0])
    keep = {b: k for b, k in t.factors.items() if not positive(b)}
    if t.coef <= 0 or (t.coef == 1 and len(keep) == len(t.factors)) or not keep:
        return e
    return e.rebuild(build(Term(1, keep)))


def _fit(out: Expr, e: Expr) -> Expr:
    """`out` with the shape of `e`: a scalar result of an array node is spread (c 𝟏)."""
    if out.shape == e.shape:
        return out
    if out.shape == SCALAR:
        if out.op == "num" and out.value == 0:
            return zero_like(e.shape)
        spread = canon(ones(e.shape))
        return spread if out.op == "num" and out.value == 1 else mk("mul", out, spread)
    return e


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
