"""The oracle's shrinker: the smallest problem that is still wrong in the same way.

Owns: `minimize(outcome)` — greedy shrinking of a wrong problem (replace a node by one of its
operands of the same shape, by a variable of that shape already in the problem or a number;
then fewer variables, lower order, numerator layout, the automatic form, symbolic sizes,
canonical names) as long
as `judge` still finds a wrong answer with the same signature (the same channels failing the
same way); and
`classify(outcomes)`, which groups wrong answers by their minimal reproducer.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict

from .compare import Outcome, judge
from .generate import POOL
from .tree import SCALAR, IllTyped, Num, Var, children, rebuild, size, variables, walk

MAX_JUDGED = 300


def _replace(e, index: int, new):
    """`e` with its `index`-th node in pre-order replaced by `new` (IllTyped if it no longer
    fits); returns (tree, nodes consumed)."""
    if index == 0:
        return new, size(e)
    index -= 1
    out, consumed = [], 1
    for c in children(e):
        n = size(c)
        if 0 <= index < n:
            c, _ = _replace(c, index, new)
        index -= n
        out.append(c)
        consumed += n
    return rebuild(e, out), consumed


def _candidates(p):
    nodes = list(walk(p.expr))
    leaves = {n for n in nodes if isinstance(n, Var)}
    for i, node in enumerate(nodes):
        subs = [c for c in children(node) if c.shape == node.shape]
        subs += [v for v in sorted(leaves, key=lambda v: v.name) if v.shape == node.shape]
        if node.shape == SCALAR:
            subs.append(Num(2.0))
        for s in subs:
            if s == node:
                continue
            try:
                expr, _ = _replace(p.expr, i, s)
            except IllTyped:
                continue
            names = variables(expr)
            wrt = tuple(w for w in p.wrt if w in names)
            if wrt == p.wrt:
                yield dataclasses.replace(p, expr=expr)
            elif wrt and not p.mixed:
                yield dataclasses.replace(p, expr=expr, wrt=wrt)
    if len(p.wrt) > 1:
        for w in p.wrt:
            yield dataclasses.replace(p, wrt=(w,), mixed=False,
                                      order=1 if p.mixed else p.order)
    if p.layout == "denominator":
        yield dataclasses.replace(p, layout="numerator")
    if p.order > 1 and not p.mixed:
        yield dataclasses.replace(p, order=p.order - 1)
    if p.form != "auto":
        yield dataclasses.replace(p, form="auto")
    canonical = _canonical_names(p)
    if canonical is not None:
        yield canonical
    symbolic = tuple((k, k) for k, _ in p.tokens)
    if p.tokens != symbolic:
        yield dataclasses.replace(p, tokens=symbolic)


def _canonical_names(p):
    """`p` with its variables renamed a, b, … / x, y, … / A, B, … in order of appearance."""
    names, used = {}, set()
    for v in (n for n in walk(p.expr) if isinstance(n, Var)):
        if v.name not in names:
            free = [c for c in POOL.get(v.shape, (v.name,)) if c not in used]
            names[v.name] = free[0] if free else v.name
            used.add(names[v.name])
    if all(k == v for k, v in names.items()):
        return None
    return dataclasses.replace(p, expr=_rename(p.expr, names),
                               wrt=tuple(names[w] for w in p.wrt))


def _rename(e, names):
    if isinstance(e, Var):
        return Var(names[e.name], e.shape)
    return rebuild(e, [_rename(c, names) for c in children(e)])


def _cost(p) -> tuple:
    occurrences = sum(1 for n in walk(p.expr) if isinstance(n, Var))
    canonical = _canonical_names(p) is None
    return (size(p.expr), len(p.wrt), occurrences, p.order, p.form != "auto",
            p.layout == "denominator",
            sum(t.isdigit() for _, t in p.tokens), not canonical, len(p.text))


def minimize(outcome: Outcome, seed: int = 0) -> Outcome:
    """The smallest problem found that fails with `outcome`'s signature."""
    best, judged = outcome, 0
    improved = True
    while improved and judged < MAX_JUDGED:
        improved = False
        for cand in _candidates(best.problem):
            if _cost(cand) >= _cost(best.problem):
                continue
            judged += 1
            point = None
            if best.truth is not None and set(cand.var_shapes) <= set(best.truth.point) and \
                    cand.sizes == best.problem.sizes:
                point = {k: best.truth.point[k] for k in cand.var_shapes}
            o = judge(cand, seed, point)
            if o.kind == "no point" and point is not None:
                o = judge(cand, seed)
            if o.kind == "wrong" and o.signature == outcome.signature:
                best, improved = o, True
                break
            if judged >= MAX_JUDGED:
                break
    return best


def classify(outcomes: list[Outcome], per_signature: int = 40) -> list[tuple[Outcome, int]]:
    """[(minimal reproducer, how many of the minimised wrong answers shrank to it)], most
    frequent first.  Of each signature (at points with ties, and without), only the
    `per_signature` smallest are minimised."""
    by_signature: dict = defaultdict(list)
    for o in outcomes:                    # wrong where arguments tie, or not: apart
        by_signature[(o.signature, bool(o.truth and o.truth.ties))].append(o)
    groups: dict = defaultdict(list)
    for sig, os in by_signature.items():
        for o in sorted(os, key=lambda o: _cost(o.problem))[:per_signature]:
            m = minimize(o)
            p = m.problem
            groups[(m.signature, p.text, p.wrt, p.order, p.layout, p.form, p.mixed)].append(m)
    return sorted(((ms[0], len(ms)) for ms in groups.values()), key=lambda t: -t[1])
