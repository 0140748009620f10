"""The chain rule as the paper teaches it, evaluated: intermediate variables u₁ … uₖ, the
partial of each by its arguments (each with the rule that gives it), and the product of the
partials — the total derivative summed over every path — with the u's substituted back.

Owns: `Chain` (what one part of a derivation is made of) and `chain_of(part)`.
The partials are the rules applied to one operator at a time, each identified like any
derivative (a Jacobian in numerator layout), and `Chain.product` is
∂y/∂x = Σ over paths of the products of partials, built by forward accumulation
(∂uᵢ/∂x = Σ_v ∂uᵢ/∂v · ∂v/∂x).  Invariant: `product` is None unless every partial is a
Jacobian that composes (x and every intermediate a scalar or a vector); then it is the
derivative's value, a tree over the input's variables (no u's left).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .engine import Engine, identify
from .errors import MatcalcError
from .rewrite import replace
from .shaperules import mk
from .simplify import left_associate, present, simplify
from .sizes import SCALAR
from .tree import Expr

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MAX_INTERMEDIATES = 40


def uname(i: int) -> str:
    return "u" + str(i).translate(SUBSCRIPTS)


@dataclass
class Partial:
    u: Expr                   # the intermediate's name (a var)
    v: Expr                   # what it is differentiated by (an earlier u, or x)
    jac: Expr | None          # ∂u/∂v, simplified (None: not a Jacobian: the differential)
    text: str                 # how it prints
    rule: object              # the rule of the operator that gives it


@dataclass
class Intermediate:
    u: Expr                   # u₁ …
    node: Expr                # the subexpression it names
    shown: Expr               # the operator applied to earlier names: u₂ = sin(u₁)
    rule: object              # the rule that differentiates that operator
    partials: list = field(default_factory=list)


@dataclass
class Chain:
    x: Expr
    inter: list               # Intermediate, innermost first
    total: int                # how many intermediates there are (the first MAX are named)
    single_path: bool
    product: Expr | None      # ∂y/∂x = the product of partials, over the input's variables
    symbolic: Expr | None     # the same product over the names u₁ …, before substitution
    paths: list | None = None  # the products of partials along each path (None: too many)


def _intermediates(engine: Engine, y: Expr) -> list:
    out, seen = [], set()
    for n in y.walk():
        if n.op in ("var", "num") or not engine.depends(n) or n in seen:
            continue
        seen.add(n)
        out.append(n)
    return out


def _partial(rb, v: Expr, local: Expr):
    """(∂local/∂v as a simplified Jacobian or None, its text, the rule of local's operator)."""
    eng = Engine(rb, v.value, v.shape)
    L = eng.differential(local)
    rule = eng.used.get(local)
    try:
        J, _ = identify(eng, local, L)
        J = simplify(J, None, rb)
        return J, str(present(J)), rule
    except MatcalcError:
        dL = present(simplify(L, None, rb)) if L is not None else None
        return None, f"(differential) d{v.value} ↦ {dL}", rule


def _composes(e: Expr) -> bool:
    return e.shape == SCALAR or e.is_vector


def _times(a: Expr, b: Expr) -> Expr:
    if a.shape == SCALAR or b.shape == SCALAR:
        return mk("mul", a, b)
    return mk("matmul", a, b)


def chain_of(part) -> Chain:
    """The chain of one part of a derivation (`derivation.Part`)."""
    engine, y = part.engine, part.y
    rb, x = engine.rb, engine.x
    nodes = _intermediates(engine, y)
    names: dict = {}
    inter = []
    for i, n in enumerate(nodes[:MAX_INTERMEDIATES], 1):
        u = Expr("var", (), n.shape, uname(i))
        shown = n.rebuild(*[names.get(c, c) for c in n.args])
        names[n] = u
        item = Intermediate(u, n, shown, engine.used.get(n))
        for c in n.args:
            v = names.get(c, c if c == x else None)
            if v is None or any(p.v == v for p in item.partials):
                continue
            J, text, rule = _partial(rb, v, shown)
            item.rule = rule if rule is not None else item.rule
            item.partials.append(Partial(u, v, J, text, rule))
        inter.append(item)
    single = all(len(it.partials) <= 1 for it in inter)
    product = symbolic = None
    complete = len(nodes) <= MAX_INTERMEDIATES and inter and \
        all(p.jac is not None for it in inter for p in it.partials)
    if complete and _composes(x) and all(_composes(it.u) for it in inter):
        symbolic = _accumulate(x, inter)
        if symbolic is not None:
            back = {it.u: it.node for it in inter}
            product = left_associate(replace(symbolic, back))
    return Chain(x, inter, len(nodes), single, product, symbolic,
                 _paths(x, inter) if symbolic is not None else None)


def _one(e: Expr) -> bool:
    return e.op == "num" and e.value == 1


def _paths(x: Expr, inter: list, limit: int = 8):
    """Each path from y back to x as its list of partials (outermost first), or None when
    there are more than `limit`."""
    P: dict = {x: [[]]}
    for it in inter:
        out = []
        for p in it.partials:
            out += [[p] + rest for rest in P.get(p.v, [])]
            if len(out) > limit:
                return None
        P[it.u] = out
    return P[inter[-1].u]


def _accumulate(x: Expr, inter: list):
    """∂uₖ/∂x by forward accumulation over the partials, as a tree over u-names."""
    D = {x: None}                         # ∂x/∂x, the identity: not written
    try:
        for it in inter:
            total = None
            for p in it.partials:
                term = p.jac if D[p.v] is None else D[p.v] if _one(p.jac) else \
                    _times(p.jac, D[p.v])
                total = term if total is None else mk("add", total, term)
            if total is None:
                return None
            D[it.u] = total
    except MatcalcError:
        return None
    return D[inter[-1].u]


