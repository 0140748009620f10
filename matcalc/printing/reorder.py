"""Tree transforms that prepare a closed form for code: negations pulled out of products
(so equal subexpressions look equal to the CSE), and matrix-chain products ordered for the
fewest flops with a vector multiplied first (`A B x` → `A (B x)`), sums distributed over a
vector.

Owns: `pull_negations`, `order_products`, `pull_transposes`, `share_sums` (the value and the
derivative as one computation: transposes out of all-transposed sums and chains, equal or
opposite sums shared), `rank`, `removable_zero_division` (shared with the
evaluator: where a quotient's 0/0 is taken as its limit 0).  Invariant: values are unchanged; only the
association of products and the place of signs move.
Size: over 300 lines because the chain ordering (its costs, the products already built, the
joint ordering of several chains) is one algorithm; the sharing passes are the next piece to
move out.
"""
from __future__ import annotations

import zlib

from ..tree import SCALAR, Expr

PRODUCTS = ("matmul", "mul", "dot", "kron")


def rank(shape) -> int:
    return sum(1 for d in shape if d != 1)


_VANISHING = ("norm", "sqrt", "max", "min", "abs", "pow")


def removable_zero_division(e) -> bool:
    """A quotient whose 0/0 is removable, with limit 0: the numerator has a step(·) factor
    (0 on a whole region) and the divisor can vanish there (a norm, square root, power, abs,
    max/min of something) — `(x ⊙ step(x))ᵀ / norm(max(0, x))` where every x < 0."""
    if e.op != "div":
        return False
    num, den = e.args
    return any(n.op == "step" for n in num.walk()) and \
        any(n.op in _VANISHING for n in den.walk())


def pull_negations(e):
    """The same value with every negation taken out of products (`(-y) ⊙ u` → `-(y ⊙ u)`,
    `--u` → `u`), so that equal subexpressions look equal to the CSE; the printer then puts
    each negation back on the smallest factor."""
    memo: dict = {}
    for n in e.walk():
        args = tuple(memo[a] for a in n.args)
        if n.op in PRODUCTS and any(a.op == "neg" for a in args):
            sign, core = 1, []
            for a in args:
                while a.op == "neg":
                    sign, a = -sign, a.args[0]
                core.append(a)
            new = n.rebuild(*core)
            new = Expr("neg", (new,), n.shape) if sign < 0 else new
        elif n.op == "neg" and args[0].op == "neg":
            new = args[0].args[0]
        else:
            new = n if args == n.args else n.rebuild(*args)
        memo[n] = new
    return memo[e]


# -- evaluation order of matrix products ----------------------------------------------------

_BIG = 1000     # a named size, for costing: much larger than 1, the same for every name


def _size(d) -> int:
    if isinstance(d, int):
        return d
    total = 0
    for term in str(d).split("+"):
        factor = 1
        for f in term.split("*"):
            factor *= int(f) if f.isdigit() else _BIG
        total += factor
    return total


def _flops(r, k, c) -> int:
    """Multiplications in an r×k by k×c product."""
    return _size(r) * _size(k) * _size(c)


def _factors(e) -> list:
    return _factors(e.args[0]) + _factors(e.args[1]) if e.op == "matmul" else [e]


def _tree_cost(e) -> int:
    if e.op != "matmul":
        return 0
    a, b = e.args
    return _tree_cost(a) + _tree_cost(b) + _flops(a.shape[0], a.shape[1], b.shape[1])


class _Sharing:
    """What the roots compute more than once, for ordering their products together: the
    nodes computed anyway — used by something else than a product, or in a product of
    matrices (a vector meeting such a sum elsewhere is not distributed over it) — and for
    every run of consecutive factors of a chain, the number of distinct chains it occurs in
    (a product shared by c chains is computed once: each pays 1/c of it).  A run and its
    transpose (`H Wv` and `Wvᵀ Hᵀ`) are one product.  Keys are the trees as `left_chains`
    gives them; `built` holds each shared run's tree once it is ordered, so that every chain
    uses that very tree (or its transpose)."""

    def __init__(self, roots):
        self.kept: set = set(roots)
        self.runs: dict = {}
        self.orig: dict = {}                   # an ordered node -> the node it came from
        self.built: dict = {}                  # canonical run -> (tree, its orientation)
        self.registering = False
        self._text: dict = {}
        tops, seen = set(roots), set()
        self.tops = tops
        for r in roots:
            for n in r.walk():
                if n in seen:
                    continue
                seen.add(n)
                if n.op != "matmul":
                    tops.update(n.args)
                    self.kept.update(a for a in n.args if not (      # (a sum's terms: one sum)
                        n.op in ("add", "sub") and a.op in ("add", "sub")))
        chains = [tuple(_factors(t)) for t in tops if t.op == "matmul"]
        for t in tops:
            if t.op == "matmul" and rank(t.shape) == 2:    # a matrix-valued chain: no
                self.kept.update(_factors(t))               # vector meets its factors
        for fs in list(chains):              # a vector meeting a sum is distributed over it:
            for k, f in enumerate(fs):       # the chains through each of its terms too
                if rank(f.shape) == 2 and f not in self.kept and _terms(f) != [f]:
                    chains += [fs[:k] + tuple(_factors(u)) + fs[k + 1:] for u in _terms(f)]
        for fs in chains:
            found = {self.canonical(fs[i:j])[0] for i in range(len(fs))
                     for j in range(i + 2, len(fs) + 1)}
            for run in found:
                self.runs[run] = self.runs.get(run, 0) + 1

    def canonical(self, run) -> tuple:
        """(the run or its transposed twin, whichever has the smaller fingerprints; True if
        the run itself) — not by `hash`, which differs between runs of Python: the same
        module every time."""
        twin = tuple(_tr(f) for f in reversed(run))
        a, b = ([self.print_of(f) for f in r] for r in (run, twin))
        return (run, True) if a <= b else (twin, False)

    def print_of(self, e) -> int:
        """A fingerprint of the tree (CRC-32 over its nodes, memoised: linear in the DAG)."""
        done = self._text
        stack = [e]
        while stack:                           # children first, known subtrees skipped
            n = stack[-1]
            if n in done:
                stack.pop()
                continue
            todo = [a for a in n.args if a not in done]
            if todo:
                stack += todo
                continue
            stack.pop()
            done[n] = zlib.crc32(repr((n.op, str(n.value), n.shape,
                                       [done[a] for a in n.args])).encode())
        return done[e]

    def key(self, fs) -> tuple:
        return self.canonical(tuple(self.orig.get(f, f) for f in fs))

    def shared(self, fs) -> int:
        return self.runs.get(self.key(fs)[0], 1)

    def done(self, fs) -> bool:
        """Whether the run is a product a chain ordered before has built: it costs nothing."""
        return bool(self.built) and self.key(fs)[0] in self.built

    def finish(self, top) -> None:
        """`top`'s chain is ordered: the runs it did not build are shared by one chain less."""
        if top not in self.tops or not self.runs:
            return
        fs = tuple(_factors(top))
        for run in {self.canonical(fs[i:j])[0] for i in range(len(fs))
                    for j in range(i + 2, len(fs) + 1)}:
            if run not in self.built and self.runs.get(run, 1) > 1:
                self.runs[run] -= 1

    def computed(self, n) -> bool:
        return self.orig.get(n, n) in self.kept


def _tr(f):
    """fᵀ, without a double transpose."""
    return f.args[0] if f.op == "T" else Expr("T", (f,), (f.shape[1], f.shape[0]))


def _terms(s) -> list:
    """The terms of a sum of same-shaped arrays, signs dropped (for counting only)."""
    if s.op in ("add", "sub") and all(a.shape == s.shape for a in s.args):
        return [t for a in s.args for t in _terms(a)]
    if s.op == "neg":
        return _terms(s.args[0])
    return [s]


_ALONE = _Sharing([])


def _matmul(a, b, sh=_ALONE):
    """a @ b, distributed when a sum of matrices meets a vector: (B + C) v = B v + C v,
    vᵀ (B + C) = vᵀ B + vᵀ C — two matrix-vector products instead of an n×n sum (unless
    something else needs the sum: then it is computed anyway); likewise a scalar factor of the
    matrix moves onto the product."""
    if a.op == "neg":
        inner = _matmul(a.args[0], b, sh)
        return Expr("neg", (inner,), inner.shape)
    if b.op == "neg":
        inner = _matmul(a, b.args[0], sh)
        return Expr("neg", (inner,), inner.shape)
    for s, v, left in ((a, b, True), (b, a, False)):
        vector = v.shape[1] == 1 if left else v.shape[0] == 1
        if not vector or rank(s.shape) != 2:
            continue
        if s.op in ("add", "sub") and all(t.shape == s.shape for t in s.args) and \
                not sh.computed(s):
            terms = [_chain(_factors(t) + [v], sh) if left else _chain([v] + _factors(t), sh)
                     for t in s.args]
            return Expr(s.op, tuple(terms), terms[0].shape)
        if s.op == "mul" and SCALAR in (s.args[0].shape, s.args[1].shape):
            # (c B) v = c (B v): scale the vector, not the matrix
            c, m = s.args if s.args[0].shape == SCALAR else s.args[::-1]
            inner = _chain(_factors(m) + [v], sh) if left else _chain([v] + _factors(m), sh)
            return Expr("mul", (c, inner), inner.shape)
    for s, left in ((a, True), (b, False)):
        # (c A) B = c (A B) when A B has no more entries than A: scale the smaller array
        # (`c * (X.T @ M)`, as one writes it by hand, not `(c * X.T) @ M`; `c * (𝟏ᵀ M)`)
        if s.op == "mul" and SCALAR in (s.args[0].shape, s.args[1].shape) and \
                rank(s.shape) >= 1:
            c, m = s.args if s.args[0].shape == SCALAR else s.args[::-1]
            shape = (a.shape[0], b.shape[1])
            if _size(shape[0]) * _size(shape[1]) <= _size(m.shape[0]) * _size(m.shape[1]):
                inner = _matmul(m, b, sh) if left else _matmul(a, m, sh)
                return Expr("mul", (c, inner), inner.shape)
    return Expr("matmul", (a, b), (a.shape[0], b.shape[1]))


def _chain(fs: list, sh=_ALONE):
    """The product of the factors `fs` in the cheapest order (matrix-chain dynamic programme;
    a run of factors that c chains share costs 1/c of itself; ties keep the left-to-right
    order, but for a scalar)."""
    k = len(fs)
    if k == 1:
        return fs[0]
    best: dict = {}
    for i in range(k):
        best[i, i] = (0, None)
    for length in range(2, k + 1):
        for i in range(k - length + 1):
            j = i + length - 1
            # (a scalar xᵀ A y on a tie: xᵀ (A y), the matrix-vector product — faster in
            # PyTorch than the vector-matrix one, the same elsewhere)
            tie = 1 if (fs[i].shape[0], fs[j].shape[1]) == SCALAR else -1
            cost, s = min((best[i, s][0] + best[s + 1, j][0] +
                           _flops(fs[i].shape[0], fs[s].shape[1], fs[j].shape[1]), tie * s)
                          for s in range(i, j))
            s = tie * s
            best[i, j] = (0 if sh.done(fs[i:j + 1]) else cost / sh.shared(fs[i:j + 1]), s)

    def build(i, j):
        if i == j:
            return fs[i]
        key, same = sh.key(fs[i:j + 1]) if sh.runs else (None, True)
        if key in sh.built:                     # a shared product: that very tree
            tree, way = sh.built[key]
            return tree if way == same else _tr(tree)
        s = best[i, j][1]
        tree = _matmul(build(i, s), build(s + 1, j), sh)
        if sh.registering and sh.runs.get(key, 1) > 1:
            sh.built[key] = (tree, same)
        return tree
    return build(0, k - 1)


def _left(fs: list):
    out = fs[0]
    for f in fs[1:]:
        out = Expr("matmul", (out, f), (out.shape[0], f.shape[1]))
    return out


def left_chains(roots: list) -> list:
    """The roots with every matrix chain associated left to right, a transposed product
    inside a chain written as its factors (`A (B C)ᵀ` → `A Cᵀ Bᵀ`): equal products are then
    equal runs of factors, whatever association each closed form wrote them in.  Values
    unchanged."""
    memo: dict = {}
    for r in roots:
        for n in r.walk():
            if n in memo:
                continue
            args = tuple(memo[a] for a in n.args)
            new = n if args == n.args else n.rebuild(*args)
            if new.op == "matmul":
                fs = [g for f in _factors(new) for g in (
                    [_tr(x) for x in reversed(_factors(f.args[0]))]
                    if f.op == "T" and f.args[0].op == "matmul" else [f])]
                new = _left(fs)
            memo[n] = new
    return [memo[r] for r in roots]


def order_products(e, sh=None):
    """The same value with its matrix products in a fast order: `A B x` → `A (B x)`,
    `xᵀ (Aᵀ + A)` → `xᵀ Aᵀ + xᵀ A`.  A chain already as cheap as the best order is kept.
    `sh` (`order_together`) says what other roots share with this one."""
    sh = _Sharing([]) if sh is None else sh
    memo: dict = {}
    for n in e.walk():
        if n in memo:
            continue
        args = tuple(memo[a] for a in n.args)
        new = n if args == n.args else n.rebuild(*args)
        if new.op == "matmul":
            fs = _factors(new)
            # (only a chain's top registers what it builds: an inner node of a left-
            # associated chain is ordered on its own too, and that tree may go unused)
            sh.registering = n in sh.tops
            best = _chain(fs, sh)
            if _tree_cost(best) < _tree_cost(new) or best.op != "matmul" or len(fs) > 2:
                new = best          # (a longer chain always in the DP's order: one tree per
                                    # chain of factors, whatever its association, for the CSE)
            else:
                new = _matmul(*new.args, sh) if len(fs) == 2 else new
            sh.finish(n)
        memo[n] = new
        sh.orig.setdefault(new, n)
    return memo[e]


def order_together(roots: list) -> list:
    """`order_products` over several roots computed together (a value and its derivative,
    every block of a gradient): chains associated alike first, equal sums shared, then a
    product that several chains share is ordered so that it is computed once (`Aᵀ (S (H W))`
    reusing the value's `H W`), and a sum computed anyway is not distributed."""
    roots = [pull_negations(r) for r in share_sums(left_chains(roots))]
    sh = _Sharing(roots)
    return [order_products(r, sh) for r in roots]


# -- one sum, one computation ----------------------------------------------------------------

_MAX_TERMS = 64         # a longer sum is one term of its parents' (no quadratic key growth)


def share_sums(roots: list) -> list:
    """The roots with every sum that equals an earlier one as a signed sum of the same terms
    (whatever its association) replaced by that one, or by its negation: a gradient's
    `T - X - V - G - c` is `-(X + V + G + c - T)`, computed once (and the products over it,
    after `pull_negations`, are then equal trees for the CSE).  Values are unchanged."""
    keys: dict = {}                                   # node -> {term: coefficient} | None
    first: dict = {}                                  # (shape, key) -> the first such node
    memo: dict = {}

    def key(n):
        k = keys.get(n, 0)
        if k != 0:
            return k
        if n.op in ("add", "sub") and n.args[0].shape == n.args[1].shape == n.shape:
            a, b = (key(x) or {x: 1} for x in n.args)
            k = dict(a)
            for t, c in b.items():
                k[t] = k.get(t, 0) + (c if n.op == "add" else -c)
            k = {t: c for t, c in k.items() if c}
            k = k if 1 < len(k) <= _MAX_TERMS else None
        elif n.op == "neg" and n.args[0].op in ("add", "sub"):
            inner = key(n.args[0])
            k = {t: -c for t, c in inner.items()} if inner else None
        else:
            k = None
        keys[n] = k
        return k

    out = []
    for r in roots:
        for n in r.walk():                            # post-order: children first
            if n in memo:
                continue
            args = tuple(memo[a] for a in n.args)
            new = n if args == n.args else n.rebuild(*args)
            k = key(n) if n.op in ("add", "sub") else None
            if k is not None:
                same = (n.shape, frozenset(k.items()))
                neg = (n.shape, frozenset((t, -c) for t, c in k.items()))
                if same in first:
                    new = memo[first[same]]
                elif neg in first:
                    new = Expr("neg", (memo[first[neg]],), n.shape)
                else:
                    first[same] = n
            memo[n] = new
        out.append(memo[r])
    return out


def _transposed(n):
    """n as Tᵀ-free `x` with n = xᵀ when that costs nothing: a transpose, a ones/zeros
    leaf, an outer product of vectors (u vᵀ = (v uᵀ)ᵀ); else None."""
    if n.op == "T":
        return n.args[0]
    shape = (n.shape[1], n.shape[0])
    if n.op in ("ones", "zeros") and not n.args:
        return Expr(n.op, (), shape, n.value)
    if n.op == "matmul" and n.args[0].is_column and n.args[1].is_row:
        u, v = n.args
        vt, ut = _transposed(v) or Expr("T", (v,), (v.shape[1], 1)), \
            _transposed(u) or Expr("T", (u,), (1, u.shape[0]))
        return Expr("matmul", (vt, ut), shape)
    return None


def pull_transposes(e):
    """The same value with transposes taken out of sums and matrix chains where every
    operand is transposed — `Aᵀ + b 𝟏ᵀ` → `(A + 𝟏 bᵀ)ᵀ`, `… Wᵀ Hᵀ …` → `… (H W)ᵀ …` — so that
    a gradient's `Q Wkᵀ Hᵀ` and the value's `Q (H Wk)ᵀ` are one tree for the CSE."""
    memo: dict = {}
    for n in e.walk():
        if n in memo:
            continue
        args = tuple(memo[a] for a in n.args)
        new = n if args == n.args else n.rebuild(*args)
        if new.op in ("add", "sub") and rank(new.shape) == 2 and \
                all(a.shape == new.shape for a in new.args) and \
                any(a.op == "T" for a in new.args):
            inner = [_transposed(a) for a in new.args]
            if all(x is not None for x in inner):
                s = Expr(new.op, tuple(inner), (new.shape[1], new.shape[0]))
                new = Expr("T", (s,), new.shape)
        elif new.op == "matmul":
            fs = _factors(new)
            out, run = [], []
            for f in fs + [None]:
                if f is not None and f.op == "T" and rank(f.shape) == 2:
                    run.append(f.args[0])
                    continue
                if len(run) >= 2:
                    inner = run[-1]
                    for x in reversed(run[:-1]):
                        inner = Expr("matmul", (inner, x), (inner.shape[0], x.shape[1]))
                    out.append(Expr("T", (inner,), (inner.shape[1], inner.shape[0])))
                else:
                    out += [Expr("T", (x,), (x.shape[1], x.shape[0])) for x in run]
                run = []
                if f is not None:
                    out.append(f)
            if len(out) < len(fs):
                chain = out[0]
                for f in out[1:]:
                    chain = Expr("matmul", (chain, f), (chain.shape[0], f.shape[1]))
                new = chain
        memo[n] = new
    return memo[e]
