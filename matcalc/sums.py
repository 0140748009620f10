"""Sums written the shortest way: like terms added, diagonal matrices merged, and of the sum
as collected, with its common factors taken out, multiplied out, or as the transpose of its
terms' transposes — the shortest (`terms.size`); of equals, the one with a common factor
taken out, else the first.

Owns: `collect`, `merge_diagonals`, `shortest`, `positive_term`, `untransposed`.  The normal
form of a single node is `normal_form.canon`, passed in as `norm` (inner sums are normalised
with it).
Invariant: every form offered has the value of the sum; nothing is rewritten for a tie.
"""
from __future__ import annotations

from fractions import Fraction

from .predicates import symmetric
from .shaperules import mk
from .terms import Term, assemble, build, product, size, terms
from .tree import SCALAR, Expr, num

MAX_EXPANDED_TERMS = 24


def collect(ts: list) -> list:
    """Like terms added (in order of first appearance); zero terms dropped."""
    if len(ts) == 1:
        return [Term(ts[0].coef, dict(ts[0].factors))] if ts[0].coef != 0 else []
    acc: dict = {}
    for t in ts:
        k = t.key()
        if k in acc:
            acc[k].coef += t.coef
        else:
            acc[k] = Term(t.coef, dict(t.factors))
    return [t for t in acc.values() if t.coef != 0]


def merge_diagonals(kept: list, norm) -> list:
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
            v = norm(assemble([Term(c / c0, {a: 1}) for c, _, a in inner]))
            head = Term(c0, dict(scalar[0]))
        else:
            v = norm(assemble([Term(c, {**s, a: 1}) for c, s, a in inner]))
            head = Term(1)
        if v.op == "num" and v.value == 0 or v.op == "zeros":
            continue
        head.factors[mk("diag", v)] = 1
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
    if any(not t.factors for t in rest) and any(b.op == "eye" for t in rest for b in t.factors):
        return None     # inv(S) ⊙ (2 - I) would read as matrix algebra (2 - I = I): not taken
    inner = assemble(rest)
    head = Term(c, dict(common))
    head.factors[inner] = head.factors.get(inner, 0) + 1
    return build(head)


def _chain_of(t: Term):
    """(scalar factors, the matrix-product factors of t's one array base) or None."""
    arr = [(b, k) for b, k in t.factors.items() if b.shape != SCALAR]
    if len(arr) != 1 or arr[0][1] != 1:
        return None
    return {b: k for b, k in t.factors.items() if b.shape == SCALAR}, _factors(arr[0][0])


def _product_chain(fs: list, like_rows, like_cols):
    if not fs:
        return Expr("eye", (), (like_rows, like_rows)) if like_rows == like_cols else None
    out = fs[0]
    for f in fs[1:]:
        out = mk("matmul", out, f)
    return out


def _factor_chains(kept: list) -> Expr | None:
    """A B + c A C D = A (B + c C D): the matrix factors on the left (and right) common to
    every term taken out, with the number and scalar factors they share."""
    chains = [_chain_of(t) for t in kept]
    if any(c is None for c in chains):
        return None
    fs = [c[1] for c in chains]
    short = min(len(f) for f in fs)
    pre = 0
    while pre < short and all(f[pre] == fs[0][pre] for f in fs):
        pre += 1
    suf = 0
    while suf < short - pre and all(f[-1 - suf] == fs[0][-1 - suf] for f in fs):
        suf += 1
    if pre == 0 and suf == 0:
        return None
    left, right = fs[0][:pre], fs[0][len(fs[0]) - suf:]
    rows = left[-1].shape[1] if left else fs[0][0].shape[0]
    cols = right[0].shape[0] if right else fs[0][-1].shape[1]
    c = abs(kept[0].coef) if all(abs(t.coef) == abs(kept[0].coef) for t in kept) else Fraction(1)
    if all(t.coef < 0 for t in kept):
        c = -c
    common = {b: k for b, k in chains[0][0].items()
              if all(ch[0].get(b) == k for ch in chains)}
    inner = []
    for t, (scal, f) in zip(kept, chains):
        mid = _product_chain(f[pre:len(f) - suf], rows, cols)
        if mid is None:
            return None
        rest = {b: k for b, k in scal.items() if b not in common}
        rest[mid] = rest.get(mid, 0) + 1
        inner.append(Term(t.coef / c, rest))
    out = _product_chain(left + [assemble(inner)] + right, rows, cols)
    return build(Term(c, {**common, out: 1}))


def untransposed(b: Expr):
    """bᵀ when it is plain to write (xᵀ → x, wᵀ Xᵀ → X w, diag(v) and I are their own), or
    None; and whether b was a transpose."""
    if b.shape == SCALAR or symmetric(b):
        return b, False
    if b.op == "T":
        return b.args[0], True
    if b.op == "matmul":
        fs = _factors(b)
        un = [untransposed(f) for f in fs]
        if all(u is not None for u in un):
            out = un[-1][0]
            for u, _ in reversed(un[:-1]):
                out = mk("matmul", out, u)
            return out, any(t for _, t in un)
    return None


def _factors(e: Expr) -> list:
    return _factors(e.args[0]) + _factors(e.args[1]) if e.op == "matmul" else [e]


def _transposed_sum(kept: list, norm) -> Expr | None:
    """(Σ tᵢ)ᵀ written from the terms' transposes, when every array factor is a transpose
    (or symmetric): `(y ⊙ (1 - s))ᵀ + ((y - 1) ⊙ s)ᵀ` is `(y - s)ᵀ`; None otherwise."""
    out, any_t = [], False
    for t in kept:
        acc = Term(t.coef)
        for b, k in t.factors.items():
            u = untransposed(b)
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
    kept = merge_diagonals(collect(out), norm)
    inner = shortest(kept, norm, transpose=False) if len(kept) > 1 else \
        (build(positive_term(kept[0], norm)) if kept else None)
    return mk("T", inner) if inner is not None and inner.shape != SCALAR else None


def shortest(kept: list, norm, transpose: bool = True) -> Expr:
    """The shortest of the sum as collected, factored, multiplied out, or both — or of the
    transpose of its terms' transposes."""
    cands = [assemble(kept)]
    factored = []                         # a common factor taken out wins a tie
    for f in (_factor(kept), _factor_chains(kept)):
        if f is not None:
            cands.append(f)
            factored.append(f)
    if any(_expandable(b, k) for t in kept for b, k in t.factors.items()):
        ex = _expand(kept)
        if ex is not None:
            ex = merge_diagonals(collect(ex), norm)
            if len(ex) <= 1:
                cands.append(build(positive_term(ex[0], norm)) if ex else num(0))
            else:
                cands.append(assemble(ex))
                f = _factor(ex)
                if f is not None:
                    cands.append(f)
                    factored.append(f)
    if transpose and cands[0].shape != SCALAR:
        t = _transposed_sum(kept, norm)
        if t is not None:
            cands.append(t)
    best = cands[0]
    for c in cands[1:]:
        if size(c) < size(best) or (size(c) == size(best) and best is cands[0] and
                                    any(c is f for f in factored)):
            best = c
    return best


def _flip(e: Expr, norm) -> Expr | None:
    """`e` with one subtraction along its product spine reversed (−(a − b) c = (b − a) c)."""
    if e.op == "sub":
        return norm(mk("neg", e))
    if e.op in ("mul", "div", "T") or (e.op == "matmul"):
        for i in ((0, 1) if e.op == "mul" else (0,)):
            f = _flip(e.args[i], norm)
            if f is not None:
                args = list(e.args)
                args[i] = f
                return mk(e.op, *args)
    return None


def positive_term(t: Term, norm) -> Term:
    """Carry a negative coefficient into a difference where there is one."""
    if t.coef >= 0:
        return t
    for b, k in t.factors.items():
        if k == 1 and b.op == "sub":
            f = dict(t.factors)
            del f[b]
            flipped = norm(mk("neg", b))
            f[flipped] = f.get(flipped, 0) + 1          # (b − c) may be a factor already
            if f[flipped] == 0:
                del f[flipped]
            return Term(-t.coef, f)
    for b, k in t.factors.items():
        if k == 1 and b.shape != SCALAR:
            flipped = _flip(b, norm)
            if flipped is not None:
                f = {(flipped if x == b else x): e for x, e in t.factors.items()}
                return Term(-t.coef, f)
    return t
