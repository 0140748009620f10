"""From a multilinear differential to its index form.

Owns: `index_form(L, yshape, rounds)`.  `L` is dᵏY: a tree linear in each round's
differential d(x_r) (the engine's, one direction per round).  Read in index notation, each
linear operator says how the indices of its operands meet — the einsum of its meaning, not
calculus: `A @ B` is A_ij B_jk, `Lᵀ` swaps, `u ⊙ L` shares both indices, `sum` and `tr`
contract, `diag(v)` is v_i δ_ij, `kron` pairs indices into one axis, a literal embeds its
blocks; and d(x_r) of shape (p, q) is δ_ik δ_jl, k and l the axes of round r.  So
∂ᵏY/∂x₁…∂x_k[s…, t₁…, …, t_k…] is read off term by term.
Invariant: each use of a shared subtree gets fresh indices (only the rounds' indices are
global), so a tree used twice is never identified with itself by accident.
"""
from __future__ import annotations

from ..errors import InternalError, UnsupportedError
from ..ops.matfun import FRECHET
from ..patterns import count_expr
from ..rewrite import bottom_up
from ..shaperules import mk
from ..sizes import SCALAR
from ..tree import Expr, ones
from .ir import IndexForm, Indices, Term, one_over, simplify_terms

MAX_TERMS = 4000


class _T:
    """The index form of one subtree: its terms and the groups of its two axes."""
    __slots__ = ("terms", "axes")

    def __init__(self, terms, axes):
        self.terms, self.axes = terms, axes


def index_form(L: Expr | None, yshape, rounds: list) -> IndexForm:
    """`rounds`: [(variable name, shape)] in the order of differentiation."""
    ix = Indices()
    dirs = {r: ix.axes(shape) for r, (_, shape) in enumerate(rounds, 1)}
    glob = {i for axes in dirs.values() for g in axes if g for i in g}
    out_names = []
    if L is None:
        axes = ix.axes(yshape)
        terms = []
    else:
        root = bottom_up(L, lambda n: () if n.op == "d" else n.args,
                         lambda n, kids: _build(n, kids, ix, dirs, glob))
        if root is None:
            raise InternalError(f"the differential {L} holds no differential",
                                label="internal")
        axes, terms = root.axes, root.terms
    out = [g for g in axes if g]
    out_names += ["y"] * len(out)
    roles = [0] * len(out)
    for r, (name, _) in enumerate(rounds, 1):
        for g in dirs[r]:
            if g:
                out.append(g)
                out_names.append(name)
                roles.append(r)
    return simplify_terms(IndexForm(terms, out, ix.sizes, out_names, roles,
                                    [name for name, _ in rounds]), ix)


def _fresh(t: _T, ix: Indices, glob: set) -> _T:
    """A copy of a subtree's form with new names for every index but the rounds'."""
    m = {}
    for term in t.terms:
        for i in term.indices():
            if i not in glob and i not in m:
                m[i] = ix.new(ix.sizes[i])
    for g in t.axes:
        for i in g or ():
            if i not in glob and i not in m:
                m[i] = ix.new(ix.sizes[i])
    return _T([term.renamed(m) for term in t.terms],
              tuple(None if g is None else tuple(m.get(i, i) for i in g) for g in t.axes))


def _use(e: Expr, kid, ix, glob) -> _T:
    """A child as an index form: a constant is one factor over new indices."""
    if kid is not None:
        return _fresh(kid, ix, glob)
    axes = ix.axes(e.shape)
    idx = tuple(g[0] for g in axes if g)
    return _T([Term(1, ((e, idx),))], axes)


def _unify(a_groups, b_groups) -> dict:
    """The renaming that makes groups b equal to groups a (one axis each)."""
    m = {}
    for ga, gb in zip(a_groups, b_groups):
        if (ga is None) != (gb is None):
            raise InternalError("index form: an axis of size 1 meets one that is not",
                                label="internal")
        if ga is None:
            continue
        if len(ga) != len(gb):
            raise UnsupportedError("the index form cannot match a Kronecker axis with a plain "
                                   "one here; the vec/Kronecker and differential forms still "
                                   "hold", label="index-form")
        m.update(zip(gb, ga))
    return m


def _product(a: _T, b: _T, axes, m=None) -> _T:
    terms = [s.times(t.renamed(m or {})) for s in a.terms for t in b.terms]
    if len(terms) > MAX_TERMS:
        raise UnsupportedError(f"the index form has more than {MAX_TERMS} terms",
                               label="index-form-size")
    return _T(terms, axes)


def _build(n: Expr, kids: list, ix: Indices, dirs: dict, glob: set):
    op = n.op
    if op == "d":
        own = ix.axes(n.shape)
        deltas = tuple((g[0], d[0]) for g, d in zip(own, dirs[n.value]) if g)
        return _T([Term(1, (), deltas)], own)
    if all(k is None for k in kids):
        return None                                   # a constant subtree
    args = n.args
    if op == "neg":
        t = _fresh(kids[0], ix, glob)
        return _T([x.scaled(-1) for x in t.terms], t.axes)
    if op in ("add", "sub"):
        return _sum(n, kids, ix, glob)
    if op in ("mul", "div"):
        if op == "div" and kids[1] is not None:
            raise InternalError(f"a differential in a denominator: {n}", label="internal")
        a = _use(args[0], kids[0], ix, glob)
        b = _use(args[1], kids[1], ix, glob) if op == "mul" else \
            _use(one_over(args[1]), None, ix, glob)
        if args[0].shape == args[1].shape:
            return _product(a, b, a.axes, _unify(a.axes, b.axes))
        return _product(a, b, a.axes if args[1].shape == SCALAR else b.axes)
    a = _use(args[0], kids[0], ix, glob) if args else None
    if op == "T":
        return _T(a.terms, a.axes[::-1])
    if op in ("sum", "mean"):
        t = _T(a.terms, (None, None))
        if op == "mean":
            t = _product(t, _T([Term(1, ((one_over(count_expr(args[0].shape)), ()),))],
                               (None, None)), (None, None))
        return t
    if op == "tr":
        m = _unify([a.axes[0]], [a.axes[1]])
        return _T([x.renamed(m) for x in a.terms], (None, None))
    if op == "matmul":
        b = _use(args[1], kids[1], ix, glob)
        return _product(a, b, (a.axes[0], b.axes[1]), _unify([a.axes[1]], [b.axes[0]]))
    if op == "dot":
        b = _use(args[1], kids[1], ix, glob)
        ga = [g for g in a.axes if g]
        gb = [g for g in b.axes if g]
        return _product(a, b, (None, None), _unify(ga, gb))
    if op == "diag":
        return _diag(n, a, ix)
    if op == "kron":
        b = _use(args[1], kids[1], ix, glob)
        axes = tuple((ga or ()) + (gb or ()) or None for ga, gb in zip(a.axes, b.axes))
        return _product(a, b, axes)
    if op in ("vcat", "hcat"):
        return _concat(n, kids, ix, glob)
    if op in FRECHET:
        return _frechet(n, kids, ix, glob)
    raise InternalError(f"'{op}' holds a differential but is not linear: {n}",
                        label="internal")


def _frechet(n: Expr, kids, ix, glob) -> _T:
    """L_f(X, E)_ij = K_f(X)_(ij),(kl) E_kl: the Kronecker form is one factor over four indices
    (its two axes of n·n, row-major), applied to E (matcalc.ops.matfun)."""
    if kids[0] is not None:
        raise UnsupportedError(f"{n.op}: the derivative of a Fréchet derivative by its point "
                               f"(a second derivative of a matrix function) is not given",
                               label="index-form")
    K = mk(FRECHET[n.op][1], n.args[0], *n.args[2:])
    e = _fresh(kids[1], ix, glob)
    axes = ix.axes(n.shape)
    idx = tuple(g[0] for g in axes + e.axes if g)
    return _product(e, _T([Term(1, ((K, idx),))], axes), axes)


def _sum(n: Expr, kids, ix, glob) -> _T:
    sign = -1 if n.op == "sub" else 1
    parts = []
    for k, (e, kid) in enumerate(zip(n.args, kids)):
        if kid is None:
            continue        # dᵏY is homogeneous in each d(x_r): a constant term is 0 (u·𝟎)
        parts.append((sign if k else 1, _fresh(kid, ix, glob), e.shape))
    axes = ix.axes(n.shape)
    terms = []
    for s, t, shape in parts:
        if shape == n.shape:
            m = _unify(axes, t.axes)
            terms += [x.renamed(m).scaled(s) for x in t.terms]
        else:                                         # a scalar spread over the array
            idx = tuple(g[0] for g in axes if g)
            spread = Term(s, ((ones(n.shape), idx),))
            terms += [x.times(spread) for x in t.terms]
    return _T(terms, axes)


def _diag(n: Expr, a: _T, ix: Indices) -> _T:
    shape = n.args[0].shape
    if shape == SCALAR:
        return a
    if shape[0] == 1 or shape[1] == 1:                # a vector: v_i δ_ij
        g = a.axes[0] or a.axes[1]
        h = (ix.new(ix.sizes[g[0]]),)
        return _T([x.times(Term(1, (), ((g[0], h[0]),))) for x in a.terms], (g, h))
    m = _unify([a.axes[0]], [a.axes[1]])              # a square matrix: A_ii
    return _T([x.renamed(m) for x in a.terms], (a.axes[0], None))


def _concat(n: Expr, kids, ix, glob) -> _T:
    vertical = n.op == "vcat"
    along = 0 if vertical else 1
    axes = ix.axes(n.shape)
    terms, offset = [], 0
    for e, kid in zip(n.args, kids):
        size = e.shape[along]
        if kid is None:
            if not _is_zero(e):
                raise InternalError(f"a constant block in a differential: {n}",
                                    label="internal")
        else:
            t = _fresh(kid, ix, glob)
            m = _unify([axes[1 - along]], [t.axes[1 - along]])
            total = n.shape[along]
            embed = Expr("embed", (), (total, size), offset)
            idx = tuple(g[0] for g in (axes[along], t.axes[along]) if g)
            terms += [x.renamed(m).times(Term(1, ((embed, idx),))) for x in t.terms]
        offset = offset + size if isinstance(offset, int) and isinstance(size, int) else \
            _symbolic_offset(offset, size)
    return _T(terms, axes)


def _is_zero(e: Expr) -> bool:
    """A constant that is 0 however it is written (𝟎, 0, 𝟎ᵀ, -𝟎, a literal of zeros)."""
    if e.op == "zeros" or (e.op == "num" and e.value == 0):
        return True
    if e.op in ("T", "neg", "vcat", "hcat"):
        return all(_is_zero(a) for a in e.args)
    return False


def _symbolic_offset(offset, size):
    from ..sizes import add_sizes
    return add_sizes(offset, size)
