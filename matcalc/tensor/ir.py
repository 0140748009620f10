"""The index form of a derivative: a sum of terms, each a coefficient times a product of
factors with index subscripts and Kronecker deltas — Einstein notation, every index that is
not an output index summed.

Owns: `Term`, `IndexForm`, `Indices` (fresh indices and their sizes) and `simplify_terms`
(constant factors normalised — a transpose is an index swap, `diag(v)` is `v_i δ_ij`, `I` is
δ — deltas contracted away wherever one of their indices is summed, like terms added).
Invariant: a factor is a constant matcalc expression (no differential) with one index per
axis of size other than 1; an index appears in the output at most once; after
`simplify_terms` no delta touches a summed index.
Size: over 300 lines because the term algebra (contraction, like terms) and the index
bookkeeping it needs are one invariant; splitting `simplify_terms` out is the next step.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

from ..shaperules import mk
from ..sizes import SCALAR
from ..tree import Expr, num


class Indices:
    """Fresh index numbers and the size each one runs over."""

    def __init__(self):
        self.sizes: dict = {}

    def new(self, size) -> int:
        i = len(self.sizes)
        self.sizes[i] = size
        return i

    def axes(self, shape) -> tuple:
        """(row group, column group) for a 2-D shape: None for an axis of size 1."""
        return tuple(None if d == 1 else (self.new(d),) for d in shape)


@dataclass(frozen=True)
class Term:
    coef: Fraction
    factors: tuple = ()          # ((Expr, (i, j)), …): one index per axis of size ≠ 1
    deltas: tuple = ()           # ((i, j), …)

    def times(self, other: "Term") -> "Term":
        return Term(self.coef * other.coef, self.factors + other.factors,
                    self.deltas + other.deltas)

    def scaled(self, c) -> "Term":
        return Term(self.coef * c, self.factors, self.deltas)

    def renamed(self, m: dict) -> "Term":
        if not m:
            return self
        return Term(self.coef,
                    tuple((e, tuple(m.get(i, i) for i in idx)) for e, idx in self.factors),
                    tuple((m.get(a, a), m.get(b, b)) for a, b in self.deltas))

    def indices(self) -> set:
        out = {i for _, idx in self.factors for i in idx}
        return out | {i for d in self.deltas for i in d}


@dataclass
class IndexForm:
    """∂ᵏY/∂X…: `terms` over `out`, the output axes in order — Y's axes (of size ≠ 1), then
    each round's variable's axes; a group of several indices is one axis, row-major (what a
    Kronecker product makes).  `sizes` gives every index its size."""
    terms: list
    out: list                    # [(i,), (k, l), …]
    sizes: dict
    names: list = field(default_factory=list)   # the variable (or "y") of each output group
    roles: list = field(default_factory=list)   # 0 for y's groups, r for round r's
    rounds: list = field(default_factory=list)  # the variable of each round (scalars too)

    @property
    def free(self) -> set:
        return {i for g in self.out for i in g}


# -- simplification ----------------------------------------------------------------------------

def _factor(e: Expr, idx: tuple, sizes, ix: Indices):
    """A constant factor as (coef, factors, deltas): transposes, negations, numbers, identities
    and diagonal matrices become index structure."""
    if e.op == "num":
        return e.value, [], []
    if e.op == "neg":
        c, f, d = _factor(e.args[0], idx, sizes, ix)
        return -c, f, d
    if e.op == "T":
        inner = e.args[0]
        return _factor(inner, tuple(reversed(idx)) if len(idx) == 2 else idx, sizes, ix)
    if e.op == "eye" and len(idx) == 2:
        return Fraction(1), [], [idx]
    if e.op == "diag" and len(idx) == 2 and (e.args[0].is_column or e.args[0].is_row):
        c, f, d = _factor(e.args[0], idx[:1], sizes, ix)
        return c, f, d + [idx]
    if e.op == "mul" and SCALAR in (e.args[0].shape, e.args[1].shape):
        s, a = e.args if e.args[0].shape == SCALAR else e.args[::-1]
        c1, f1, d1 = _factor(s, (), sizes, ix)
        c2, f2, d2 = _factor(a, idx, sizes, ix)
        return c1 * c2, f1 + f2, d1 + d2
    if e.op == "mul" and e.args[0].shape == e.args[1].shape:        # A ⊙ B: A_ij B_ij
        c1, f1, d1 = _factor(e.args[0], idx, sizes, ix)
        c2, f2, d2 = _factor(e.args[1], idx, sizes, ix)
        return c1 * c2, f1 + f2, d1 + d2
    if e.op == "matmul" and _splits(e):                             # A B: Σ_p A_ip B_pj
        a, b = e.args
        p = ix.new(a.shape[1]) if a.shape[1] != 1 else None
        ia = tuple(i for i in ((idx[0] if a.shape[0] != 1 else None), p) if i is not None)
        ib = tuple(i for i in (p, (idx[-1] if b.shape[1] != 1 else None)) if i is not None)
        c1, f1, d1 = _factor(a, ia, sizes, ix)
        c2, f2, d2 = _factor(b, ib, sizes, ix)
        return c1 * c2, f1 + f2, d1 + d2
    return Fraction(1), [(e, idx)], []


def _splits(e: Expr) -> bool:
    """A constant product worth reading index by index: one side a diagonal, an identity, a
    transpose or a vector (so that diag(x) A is x_i A_ij, not [diag(x) A]_ij)."""
    return any(a.op in ("diag", "eye", "T") or a.is_vector for a in e.args)


def normalise(t: Term, ix: Indices) -> Term | None:
    """A term with its constant factors taken apart (see `_factor`); None if it is zero."""
    coef, factors, deltas = t.coef, [], list(t.deltas)
    for e, idx in t.factors:
        if e.op == "zeros":
            return None
        c, f, d = _factor(e, idx, ix.sizes, ix)
        coef *= c
        factors += f
        deltas += d
    if coef == 0:
        return None
    return Term(coef, tuple(factors), tuple(deltas))


def contract(t: Term, free: set, sizes: dict) -> Term:
    """Every delta with a summed index folded into the rest of the term; δ_ii summed is 1
    where another factor carries i, else the size of i; a vector of ones whose index another factor carries is dropped."""
    factors, deltas, coef = list(t.factors), list(t.deltas), t.coef
    changed = True
    while changed:
        changed = False
        for k, (a, b) in enumerate(deltas):
            if a == b and a not in free:           # δ_ii summed: 1 for each i …
                del deltas[k]
                if not any(a in idx for _, idx in factors) and \
                        not any(a in d for d in deltas):
                    d = sizes[a]                   # … so the size of i where nothing else
                    if isinstance(d, int):         # carries i (Σ_i v_i δ_ii is Σ_i v_i)
                        coef *= d
                    else:
                        factors.append((size_expr_of(d), ()))
                changed = True
                break
            keep, drop = (a, b) if b not in free else (b, a) if a not in free else (None, None)
            if keep is None:
                continue
            del deltas[k]
            m = {drop: keep}
            factors = [(e, tuple(m.get(i, i) for i in idx)) for e, idx in factors]
            deltas = [(m.get(x, x), m.get(y, y)) for x, y in deltas]
            changed = True
            break
    # two blocks of one literal meeting over their rows: Σ_p E_pk E'_pl is δ_kl for the same
    # block and 0 for two different ones
    factors = _embeds(factors, deltas, free)
    if factors is None:
        return Term(Fraction(0))
    # δ between output indices: each class of indices the deltas tie is written from its
    # first index (in output order): x_j δ_jk δ_ik is x_i δ_ij δ_ik
    rank = free if isinstance(free, dict) else {i: i for i in free}
    parent: dict = {}

    def root(i):
        while parent.get(i, i) != i:
            i = parent[i]
        return i
    for a, b in deltas:
        ra, rb = root(a), root(b)
        if ra != rb:
            first, other = (ra, rb) if rank.get(ra, ra) <= rank.get(rb, rb) else (rb, ra)
            parent[other] = first
    if parent:
        rep = {i: root(i) for i in parent}
        factors = [(e, tuple(rep.get(i, i) for i in idx)) for e, idx in factors]
        deltas = sorted({(root(i), i) for i in parent}, key=lambda d: rank.get(d[1], d[1]))
    # 𝟏_i next to another factor indexed by i is 1
    counts: dict = {}
    for _, idx in factors:
        for i in idx:
            counts[i] = counts.get(i, 0) + 1
    for d in deltas:
        for i in d:
            counts[i] = counts.get(i, 0) + 1
    kept = []
    for e, idx in factors:
        if e.op == "ones" and len(idx) == 1 and counts[idx[0]] > 1:
            counts[idx[0]] -= 1
            continue
        kept.append((e, idx))
    return Term(coef, tuple(kept), tuple(deltas))


def _embeds(factors, deltas, free):
    """Contract pairs of embeddings that share their summed first index (see `contract`);
    None when two different blocks meet (the term is 0).  `deltas` gains δ_kl."""
    changed = True
    while changed:
        changed = False
        for a in range(len(factors)):
            ea, ia = factors[a]
            if ea.op != "embed" or not ia or ia[0] in free:
                continue
            for b in range(a + 1, len(factors)):
                eb, ib = factors[b]
                if eb.op != "embed" or not ib or ib[0] != ia[0]:
                    continue
                others = sum(ia[0] in idx for k, (_, idx) in enumerate(factors)
                             if k not in (a, b)) + sum(ia[0] in d for d in deltas)
                if others:
                    continue
                if ea.value != eb.value or ea.shape != eb.shape:
                    if isinstance(ea.value, int) and isinstance(eb.value, int):
                        return None               # two different blocks: orthogonal
                    continue
                if len(ia) == 2 and len(ib) == 2:
                    deltas.append((ia[1], ib[1]))
                factors = [f for k, f in enumerate(factors) if k not in (a, b)]
                changed = True
                break
            if changed:
                break
    return factors


def simplify_terms(form: IndexForm, ix: Indices) -> IndexForm:
    free = {i: k for k, i in enumerate(i for g in form.out for i in g)}   # output order
    out, keys = [], {}
    for t in form.terms:
        t = normalise(t, ix)
        if t is None:
            continue
        t = _scalars_together(_elementwise_together(contract(t, free, ix.sizes)))
        if t.coef == 0:
            continue
        k = _canonical_key(t, free)
        if k in keys:
            prev = out[keys[k]]
            out[keys[k]] = Term(prev.coef + t.coef, prev.factors, prev.deltas)
        else:
            keys[k] = len(out)
            out.append(t)
    out = _merge_alike([t for t in out if t.coef != 0], free)
    return replace(form, terms=out, sizes=ix.sizes)


def _elementwise_together(t: Term) -> Term:
    """Factors under the same indices and of one shape as one element-wise product:
    σ_i (1 - σ)_i is [σ ⊙ (1 - σ)]_i."""
    from ..simplify import simplify
    groups: dict = {}
    for e, idx in t.factors:
        if idx and e.op != "embed":
            groups.setdefault((idx, e.shape), []).append(e)
    if all(len(g) == 1 for g in groups.values()):
        return t
    factors = [f for f in t.factors if not f[1] or f[0].op == "embed"]
    for (idx, _), es in groups.items():
        prod = es[0]
        for e in es[1:]:
            prod = mk("mul", prod, e)
        factors.append((simplify(prod) if len(es) > 1 else prod, idx))
    return Term(t.coef, tuple(factors), t.deltas)


def _merge_alike(terms: list, free) -> list:
    """Terms alike but for one factor under the same indices as one term:
    a_i δ_ij + b_i δ_ij is [a + b]_i δ_ij, Σ_p W_pi a_p + Σ_q W_qi b_q is Σ_p W_pi [a + b]_p."""
    from ..simplify import simplify
    out: list = []
    seen: dict = {}

    def remember(at):
        for p in range(len(out[at].factors)):
            seen.setdefault(_canonical_key(out[at], free, p), (at, p))
    for t in terms:
        ks = [_canonical_key(t, free, p) for p in range(len(t.factors))]
        hit = next((k for k in ks if k in seen), None)
        if hit is None:
            out.append(t)
            remember(len(out) - 1)
            continue
        at, p = seen[hit]
        prev = out[at]
        total = simplify(mk("add", _times(prev.coef, prev.factors[p][0]),
                            _times(t.coef, t.factors[ks.index(hit)][0])))
        out[at] = Term(Fraction(1), prev.factors[:p] + ((total, prev.factors[p][1]),)
                       + prev.factors[p + 1:], prev.deltas)
        for k in [k for k, v in seen.items() if v[0] == at]:
            del seen[k]
        remember(at)
    return out


def _times(c: Fraction, e: Expr) -> Expr:
    return e if c == 1 else mk("mul", num(c), e)


def _scalars_together(t: Term) -> Term:
    """The scalar factors of a term as one simplified factor (norm(x) (1 / norm(x)) is 1),
    a number folded into the coefficient."""
    scalars = [e for e, idx in t.factors if not idx]
    if len(scalars) < 1:
        return t
    from ..simplify import simplify
    prod = scalars[0]
    for e in scalars[1:]:
        prod = mk("mul", prod, e)
    prod = simplify(prod)
    rest = tuple(f for f in t.factors if f[1])
    if prod.op == "num":
        return Term(t.coef * prod.value, rest, t.deltas)
    if prod.op == "neg" and prod.args[0].op != "num":
        return Term(-t.coef, rest + ((prod.args[0], ()),), t.deltas)
    return Term(t.coef, rest + ((prod, ()),), t.deltas)


def _canonical_key(t: Term, free, skip: int | None = None):
    """Terms equal up to the names of their summed indices (and the order of their factors)
    have one key: the least relabelling over the summed indices' orders (few per term). With
    `skip`, that factor counts by its shape and indices only."""
    import itertools
    summed = sorted(({i for _, idx in t.factors for i in idx} |
                     {i for d in t.deltas for i in d}) - set(free))
    best = None
    orders = itertools.permutations(summed) if len(summed) <= 5 else [tuple(summed)]
    for order in orders:
        name = {i: ("s", k) for k, i in enumerate(order)}

        def n(i):
            return ("f", i) if i in free else name[i]
        fs = tuple(sorted((("*", e.shape) if q == skip else ("", hash(e)),
                           tuple(n(i) for i in idx)) for q, (e, idx) in enumerate(t.factors)))
        ds = tuple(sorted(tuple(sorted((n(a), n(b)))) for a, b in t.deltas))
        key = (fs, ds)
        if best is None or key < best:
            best = key
    return best


def size_expr_of(d) -> Expr:
    from ..patterns import size_expr
    return size_expr(d)


def one_over(e: Expr) -> Expr:
    return mk("div", num(1), e)
