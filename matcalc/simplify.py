"""The simplifier: the identities of rules/90-simplify.toml plus an algebraic normal form.

Owns: `simplify(e, record=None)` and `canon(e)`.
    simplify = fixpoint(postwalk(chain(canon, *rulebook.simplify_rules)))
Invariants: every rewrite preserves the shape (a rewrite that would not is refused);
the process terminates (a bounded number of passes, each bottom-up over the DAG);
`simplify(simplify(e)) == simplify(e)` on everything the engine produces.

The normal form is generic algebra, no calculus: numbers are folded, a product is read as
coefficient × scalar factors with exponents × one array core, and like terms of a sum are
added.  So `2x·x + x²` becomes `3 x^2` and `(2x)/x²` becomes `2 / x`.
"""
from __future__ import annotations

from fractions import Fraction

from .patterns import SIMPLIFY_CTX as _CTX, Instantiator, RuleShapeError, match, mk
from .errors import ShapeError
from .rulebook import load
from .tree import SCALAR, Expr, num, ones

MAX_PASSES = 60


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


def present(e: Expr) -> Expr:
    """The printed form: a scalar factor of a product chain sits on its first factor,
    so `(2 / N) aᵀ X` rather than `(2 / N) (aᵀ X)`.  Values are unchanged."""
    def attach(s: Expr, chain: Expr) -> Expr:
        if chain.op == "matmul":
            return mk("matmul", attach(s, chain.args[0]), chain.args[1])
        return mk("mul", s, chain)

    memo: dict[Expr, Expr] = {}
    for n in e.walk():
        args = tuple(memo[a] for a in n.args)
        m = n if args == n.args else n.rebuild(*args)
        if m.op == "mul" and m.args[0].shape == SCALAR and m.args[1].op == "matmul":
            m = attach(m.args[0], m.args[1])
        elif m.op == "ones" and m.shape[0] != 1 and m.shape[1] != 1:
            # a matrix of ones prints as 𝟏 𝟏ᵀ: `𝟏` alone reads as a vector
            r, c = m.shape
            m = mk("matmul", Expr("ones", (), (r, 1)), mk("T", Expr("ones", (), (c, 1))))
        memo[n] = m
    return left_associate(memo[e])


# -- the rewriting strategy -----------------------------------------------------------------------

def _rules_for(op: str):
    return load().candidates("simplify", op)


def _rewrite_once(e: Expr, record) -> Expr:
    """One node: the normal form, then the first simplification rule that applies."""
    c = canon(e)
    if c != e:
        if record is not None:
            record.append(("simp.algebra", e, c))
        e = c
    inst = Instantiator({})
    for rule in _rules_for(e.op):
        binds = match(rule.lhs, e, {})
        if binds is None or not all(cond.holds(_CTX, binds) for cond in rule.where):
            continue
        try:
            out = inst(rule.rhs, binds)
        except (ShapeError, RuleShapeError):
            continue                    # e.g. a mixed product whose factors do not conform
        if out.shape != e.shape:
            continue                    # a rewrite never changes a shape
        if record is not None:
            record.append((rule.id, e, out))
        return out
    return e


MAX_REWRITES_PER_NODE = 64


def _normalise(e: Expr, memo: dict, record) -> Expr:
    """The normal form of `e`: children first, then rewrites of the node until none applies;
    a rewrite's new subtrees are normalised at once (innermost first), so a cascade down a
    deep chain costs one visit per node, not one whole-tree pass per level."""
    done = memo.get(e)
    if done is not None:
        return done
    args = tuple(_normalise(a, memo, record) for a in e.args)
    node = e if args == e.args else e.rebuild(*args)
    for _ in range(MAX_REWRITES_PER_NODE):
        out = _rewrite_once(node, record)
        if out == node:
            break
        node = out if out in memo else _normalise_children(out, memo, record)
    memo[e] = node
    memo[node] = node
    return node


def _normalise_children(e: Expr, memo: dict, record) -> Expr:
    args = tuple(_normalise(a, memo, record) for a in e.args)
    return e if args == e.args else e.rebuild(*args)


def _chain(e: Expr, op: str, out: list) -> list:
    """The operands of a maximal chain of `op` (matrix or element-wise array products)."""
    stack = [e]
    while stack:
        n = stack.pop()
        if n.op == op and _chainable(n):
            stack.append(n.args[1])
            stack.append(n.args[0])
        else:
            out.append(n)
    return out


def _chainable(n: Expr) -> bool:
    return n.op == "matmul" or (n.op == "mul" and all(a.shape != SCALAR for a in n.args))


def left_associate(e: Expr) -> Expr:
    """Every chain of products read left to right, A B C = (A B) C, in one linear pass
    (the rules simp.matmul.assoc / simp.hadamard.assoc would take a pass per level)."""
    memo: dict[Expr, Expr] = {}

    def visit(n: Expr) -> Expr:
        got = memo.get(n)
        if got is not None:
            return got
        if n.op in ("matmul", "mul") and _chainable(n):
            factors = [visit(f) for f in _chain(n, n.op, [])]
            out = factors[0]
            for f in factors[1:]:
                out = mk(n.op, out, f)
        else:
            args = tuple(visit(a) for a in n.args)
            out = n if args == n.args else n.rebuild(*args)
        memo[n] = out
        return out

    return visit(e)


def simplify(e: Expr, record: list | None = None) -> Expr:
    """Rewrite to a fixed point; `record` receives (rule id, before, after) for every step."""
    for _ in range(MAX_PASSES):
        e = left_associate(e)
        out = _normalise(e, {}, record)
        assert out.shape == e.shape, "simplification changed a shape"
        if out == e:
            return out
        e = out
    if record is not None:
        record.append(("simp.limit", e, e))    # said in the steps: not a fixed point
    return e
