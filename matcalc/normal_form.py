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

from fractions import Fraction

from .folding import fold, zero_like
from .patterns import unvec
from .predicates import symmetric
from .shaperules import mk
from .terms import Term, assemble, build, product, size, terms
from .tree import SCALAR, Expr, num, ones

MAX_EXPANDED_TERMS = 24
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
    if op not in _ALGEBRA:
        return e                        # a bare number (1/2 too) stays a number
    if op == "pow" and e.args[1].op != "num":
        return e
    kept = _merge_diagonals(_collect(terms(e)))
    if len(kept) <= 1:
        out = build(_positive(kept[0])) if kept else num(0)
    else:
        out = _shortest(kept)
    return _fit(out, e)


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


def _collect(ts: list) -> list:
    """Like terms added (in order of first appearance); zero terms dropped."""
    acc: dict = {}
    for t in ts:
        k = t.key()
        if k in acc:
            acc[k].coef += t.coef
        else:
            acc[k] = Term(t.coef, dict(t.factors))
    return [t for t in acc.values() if t.coef != 0]


def _merge_diagonals(kept: list) -> list:
    """Terms c·f·diag(v) with the same shape of v become one: diag(Σ c f v), or
    c f diag(Σ ±v) when they share c and f (diag is linear)."""
    groups: dict = {}
    for i, t in enumerate(kept):
        arr = [(b, k) for b, k in t.factors.items() if b.shape != SCALAR]
        if len(arr) == 1 and arr[0][1] == 1 and arr[0][0].op == "diag":
            groups.setdefault(arr[0][0].args[0].shape, []).append(i)
    merged, drop = [], set()
    for idx in groups.values():
        if len(idx) < 2:
            continue
        drop.update(idx)
        parts = [kept[i] for i in idx]
        scalar = [{b: k for b, k in t.factors.items() if b.shape == SCALAR} for t in parts]
        inner = []
        for t, s in zip(parts, scalar):
            (d,) = [b for b in t.factors if b.shape != SCALAR]
            inner.append((t.coef, s, d.args[0]))
        same = all(s == scalar[0] and abs(c) == abs(inner[0][0]) for c, s, _ in inner)
        if same:
            c0 = abs(inner[0][0])
            v = canon(assemble([Term(c / c0, {a: Fraction(1)}) for c, _, a in inner]))
            head = Term(c0, dict(scalar[0]))
        else:
            v = canon(assemble([Term(c, {**s, a: Fraction(1)}) for c, s, a in inner]))
            head = Term(1)
        if v.op == "num" and v.value == 0 or v.op == "zeros":
            continue
        head.factors[mk("diag", v)] = Fraction(1)
        merged.append(head)
    if not drop:
        return kept
    return [t for i, t in enumerate(kept) if i not in drop] + merged


def _expandable(b: Expr, k: Fraction) -> bool:
    return b.op in ("add", "sub") and k.denominator == 1 and 0 < k <= 3


def _expand(kept: list) -> list | None:
    """Every product of sums multiplied out, or None when it would be too many terms."""
    out = []
    for t in kept:
        acc = [Term(t.coef, {b: k for b, k in t.factors.items() if not _expandable(b, k)})]
        for b, k in t.factors.items():
            if not _expandable(b, k):
                continue
            parts = terms(b)
            for _ in range(int(k)):
                acc = [x.times(p) for x in acc for p in parts]
                if any(x is None for x in acc) or len(out) + len(acc) > MAX_EXPANDED_TERMS:
                    return None
        out += acc
    return out


def _factor(kept: list) -> Expr | None:
    """The sum with the factors common to all its terms taken out, or None: only a number
    in common is not taken out (2 x + 2 stays)."""
    first = kept[0].factors
    common = {}
    for b, k in first.items():
        ks = [t.factors.get(b, 0) for t in kept]
        if all(x > 0 for x in ks) or all(x < 0 for x in ks):
            common[b] = min(ks, key=abs)
    if not common:
        return None
    c = abs(kept[0].coef) if all(abs(t.coef) == abs(kept[0].coef) for t in kept) else Fraction(1)
    if all(t.coef < 0 for t in kept):
        c = -c
    rest = [Term(t.coef / c, {b: k - common.get(b, 0) for b, k in t.factors.items()
                              if k != common.get(b, 0)}) for t in kept]
    inner = assemble(rest)
    head = Term(c, dict(common))
    head.factors[inner] = head.factors.get(inner, 0) + 1
    return build(head)


def _untransposed(b: Expr):
    """bᵀ when it is plain to write (xᵀ → x, wᵀ Xᵀ → X w, diag(v) and I are their own), or
    None; and whether b was a transpose."""
    if b.shape == SCALAR or symmetric(b):
        return b, False
    if b.op == "T":
        return b.args[0], True
    if b.op == "matmul":
        fs = _factors(b)
        un = [_untransposed(f) for f in fs]
        if all(u is not None for u in un):
            out = un[-1][0]
            for u, _ in reversed(un[:-1]):
                out = mk("matmul", out, u)
            return out, any(t for _, t in un)
    return None


def _factors(e: Expr) -> list:
    return _factors(e.args[0]) + _factors(e.args[1]) if e.op == "matmul" else [e]


def _transposed_sum(kept: list) -> Expr | None:
    """(Σ tᵢ)ᵀ written from the terms' transposes, when every array factor is a transpose
    (or symmetric): `(y ⊙ (1 - s))ᵀ + ((y - 1) ⊙ s)ᵀ` is `(y - s)ᵀ`; None otherwise."""
    out, any_t = [], False
    for t in kept:
        acc = Term(t.coef)
        for b, k in t.factors.items():
            u = _untransposed(b)
            if u is None:
                return None
            any_t = any_t or u[1]
            p = product(u[0]).power(k)
            acc = acc.times(p) if p is not None else None
            if acc is None:
                return None
        out.append(acc)
    if not any_t:
        return None
    kept = _merge_diagonals(_collect(out))
    inner = _shortest(kept, transpose=False) if len(kept) > 1 else \
        (build(_positive(kept[0])) if kept else None)
    return mk("T", inner) if inner is not None and inner.shape != SCALAR else None


def _shortest(kept: list, transpose: bool = True) -> Expr:
    """The shortest of the sum as collected, factored, multiplied out, or both — or of the
    transpose of its terms' transposes."""
    cands = [assemble(kept)]
    f = _factor(kept)
    if f is not None:
        cands.append(f)
    if any(_expandable(b, k) for t in kept for b, k in t.factors.items()):
        ex = _expand(kept)
        if ex is not None:
            ex = _merge_diagonals(_collect(ex))
            if len(ex) <= 1:
                cands.append(build(_positive(ex[0])) if ex else num(0))
            else:
                cands.append(assemble(ex))
                f = _factor(ex)
                if f is not None:
                    cands.append(f)
    if transpose and cands[0].shape != SCALAR:
        t = _transposed_sum(kept)
        if t is not None:
            cands.append(t)
    best = cands[0]
    for c in cands[1:]:
        if size(c) < size(best):
            best = c
    return best


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


def _positive(t: Term) -> Term:
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
            return Term(-t.coef, f)
    for b, k in t.factors.items():
        if k == 1 and b.shape != SCALAR:
            flipped = _flip(b)
            if flipped is not None:
                f = {(flipped if x == b else x): e for x, e in t.factors.items()}
                return Term(-t.coef, f)
    return t


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
