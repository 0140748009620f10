"""The simplifier: the identities of the rulebook's simplify rules plus the algebraic normal
form, applied innermost-first to a fixed point.

Owns: `simplify(e, record=None, rulebook=None)`, `left_associate`, `present`, and both for
several trees at once over the nodes they share (`simplify_all`, `present_all`).
    simplify = fixpoint(left_associate ∘ innermost(first_of(canon, *simplify_rules)))
Invariants: every rewrite preserves the shape (one that would not is refused); the process
terminates (a bounded number of passes, each one visit per node); the rules come from the
rulebook it is given (a rulebook without simplify rules only normalises);
`simplify(simplify(e)) == simplify(e)` on everything the engine produces.

>>> from matcalc import parse
>>> str(simplify(parse("𝟏ᵀ @ diag(x)", {"x": "n"})))
'xᵀ'
"""
from __future__ import annotations

from .errors import ShapeError
from .normal_form import canon
from .sums import untransposed
from .patterns import SIMPLIFY_CTX, Instantiator, RuleShapeError, count_expr, matches
from .rewrite import bottom_up, fixpoint, innermost, postwalk
from .rulebook import load
from .shaperules import mk
from .tree import SCALAR, Expr

MAX_PASSES = 60


def _rule_step(rulebook, record, cache: dict | None = None):
    """One node: the normal form, then the first simplification rule that applies.

    A step depends on the node only (and the rulebook), so its result and the rewrites it
    records are remembered in `cache` (node -> (result, records)): a later pass, or another
    call given the same cache, replays them instead of searching again — the same result
    and the same steps recorded, whatever the order of the calls."""
    inst = Instantiator({})
    cache = {} if cache is None else cache

    def search(e: Expr, log: list):
        c = canon(e)
        changed = c is not e and c != e
        if changed:
            log.append(("simp.algebra", e, c))
        for rule in rulebook.fitting("simplify", c):
            for binds in matches(rule.compiled, c):
                if not all(cond.holds(SIMPLIFY_CTX, binds) for cond in rule.where):
                    continue
                try:
                    out = inst(rule.rhs, binds)
                except (ShapeError, RuleShapeError):
                    continue            # e.g. a mixed product whose factors do not conform
                if out.shape != c.shape:
                    continue            # a rewrite never changes a shape
                log.append((rule.id, c, out))
                return out
        return c if changed else None

    def step(e: Expr):
        got = cache.get(e)
        if got is None:
            log: list = []
            got = cache[e] = (search(e, log), tuple(log))
        if record is not None and got[1]:
            record.extend(got[1])
        return got[0]

    return step


def simplify(e: Expr, record: list | None = None, rulebook=None,
             memo: dict | None = None) -> Expr:
    """Rewrite to a fixed point; `record` receives (rule id, before, after) for every step.

    `memo` (a dict, for calls with the same rulebook) remembers every node's step — its
    result and the rewrites it records (`_rule_step`) — between the passes and between
    calls: several forms of one derivative have most subtrees in common, and the pass that
    confirms a fixed point looks each node up instead of searching the rules again.  The
    passes' own memo (tree -> its normal form) is fresh per pass: shared across passes it
    broke idempotence (expm_kron((2 X)ᵀ))."""
    if memo is None:
        memo = {}
    step = _rule_step(rulebook if rulebook is not None else load(), record, memo)
    # left_associate depends on the node only: its results are shared the same way (under a
    # key no tree equals)
    associated = memo.setdefault(_ASSOCIATED, {})
    memo = {}

    def one_pass(t: Expr) -> Expr:
        a = left_associate(t, associated)
        if a != t and record is not None:
            record.append(("simp.algebra", t, a))    # associativity: so the steps can replay it
        t = a
        memo.clear()    # a fresh memo per pass: a normal form found under one pass's tree
        cut: list = []  # is not always one in the next (a shared memo broke idempotence)
        out = innermost(t, step, memo, cut)
        if cut:
            memo.clear()
        assert out.shape == t.shape, "simplification changed a shape"
        return out

    out, done = fixpoint(one_pass, e, MAX_PASSES)
    if not done and record is not None:
        record.append(("simp.limit", out, out))    # said in the steps: not a fixed point
    return out


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


def _leans_left(n: Expr, kids: list) -> bool:
    """`n` is the chain ((k₀ k₁) k₂) … of exactly these factors (the very objects)."""
    m = n
    for k in reversed(kids[1:]):
        if m.op != n.op or not _chainable(m) or m.args[1] is not k:
            return False
        m = m.args[0]
    return m is kids[0]


_ASSOCIATED = ("left_associate",)      # the key of left_associate's memo in simplify's cache


def left_associate(e: Expr, memo: dict | None = None) -> Expr:
    """Every chain of products read left to right, A B C = (A B) C, in one linear pass
    (the rules simp.matmul.assoc / simp.hadamard.assoc would take a pass per level): the
    children of a chain are its factors, so a chain is rebuilt once, at its top.  `memo`
    (node -> its result) may be shared between calls: the result depends on the node only."""
    def children(n: Expr):
        return _chain(n, n.op, []) if _chainable(n) else n.args

    def build(n: Expr, kids: list) -> Expr:
        if _chainable(n):
            if _leans_left(n, kids):
                return n                # already read left to right, factors unchanged
            out = kids[0]
            for f in kids[1:]:
                out = mk(n.op, out, f)
            return out
        args = tuple(kids)
        return n if args == n.args else n.rebuild(*args)

    return bottom_up(e, children, build, memo)


def _untranspose_sum(s: Expr):
    """(Σ tᵢ, number of ᵀ saved) with (Σ tᵢ)ᵀ = s, when every term of the sum s is a
    transpose (xᵀ, c xᵀ, xᵀ / c, wᵀ Xᵀ, …); else None."""
    saved = [0]

    def un(t: Expr):
        if t.op in ("add", "sub"):
            a, b = un(t.args[0]), un(t.args[1])
            return None if a is None or b is None else mk(t.op, a, b)
        if t.op == "neg":
            a = un(t.args[0])
            return None if a is None else mk("neg", a)
        if t.shape == SCALAR:
            return t
        if t.op == "mul" and t.args[0].shape == SCALAR:
            a = un(t.args[1])
            return None if a is None else mk("mul", t.args[0], a)
        if t.op == "div" and t.args[1].shape == SCALAR:
            a = un(t.args[0])
            return None if a is None else mk("div", a, t.args[1])
        got = untransposed(t)
        if got is None or not got[1]:
            return None
        saved[0] += sum(1 for n in _chain(t, "matmul", []) if n.op == "T")
        return got[0]

    out = un(s)
    return (out, saved[0]) if out is not None else None


def _pull_transposes(m: Expr) -> Expr:
    """`(aᵀ - bᵀ) X` → `(a - b)ᵀ X`: a sum of transposes inside a product, power or negation
    (printed in parentheses anyway) as the transpose of a sum; a free-standing sum only when
    that saves tokens (three ᵀ or more)."""
    if m.op in ("add", "sub"):
        got = _untranspose_sum(m)
        return mk("T", got[0]) if got is not None and got[1] >= 3 else m
    if m.op == "T" and m.args[0].op in ("add", "sub"):       # (aᵀ - bᵀ)ᵀ = a - b
        got = _untranspose_sum(m.args[0])
        return got[0] if got is not None else m
    if m.op not in ("matmul", "mul", "neg", "pow", "div"):
        return m
    args = list(m.args)
    for i, a in enumerate(args):
        if a.op in ("add", "sub"):
            got = _untranspose_sum(a)
            if got is not None and got[1] >= 1:
                args[i] = mk("T", got[0])
    return m.rebuild(*args) if args != list(m.args) else m


def present(e: Expr, memo: dict | None = None) -> Expr:
    """The printed form: a scalar factor of a product chain sits on its first factor,
    so `(2 / N) aᵀ X` rather than `(2 / N) (aᵀ X)`; a sum of transposes in parentheses is
    the transpose of a sum, `(X w - y)ᵀ X` rather than `(wᵀ Xᵀ - yᵀ) X`.  Values are
    unchanged.  `memo` (simplify's cache) shares the walks' results between calls: each
    depends on the node only."""
    return present_all([e], memo)[0]


def _attach(s: Expr, chain: Expr) -> Expr:
    rights = []
    while chain.op == "matmul":
        rights.append(chain.args[1])
        chain = chain.args[0]
    out = mk("mul", s, chain)
    for r in reversed(rights):
        out = mk("matmul", out, r)
    return out


def _tidy(m: Expr) -> Expr:
    if m.op == "mul" and m.args[0].shape == SCALAR and m.args[1].op == "matmul":
        m = _attach(m.args[0], m.args[1])
    elif m.op == "ones" and m.shape[0] != 1 and m.shape[1] != 1:
        # a matrix of ones prints as 𝟏 𝟏ᵀ: `𝟏` alone reads as a vector
        r, c = m.shape
        m = mk("matmul", Expr("ones", (), (r, 1)), mk("T", Expr("ones", (), (c, 1))))
    return m


# Several trees at once (the simplified forms of a text's definitions, which nest: h₂ holds
# h₁): under one node of this operator, which no rule, fold or normal form knows, so every
# node they share is visited once per walk.  It never leaves this module.
_BUNDLE = "bundle of trees"


def simplify_all(trees: list, rulebook=None) -> list:
    """`simplify(t, None, rulebook)` of each tree, in one run over the nodes they share."""
    if not trees:
        return []
    return list(simplify(Expr(_BUNDLE, tuple(trees), SCALAR), None, rulebook).args)


_PRESENTED = ("present",)      # the key of present's memos in simplify's cache


def present_all(trees: list, memo: dict | None = None) -> list:
    """`present(t)` of each tree, in one walk over the nodes they share."""
    walks = ({} if memo is None else memo).setdefault(_PRESENTED, ({}, {}, {}, {}))
    out = left_associate(postwalk(Expr(_BUNDLE, tuple(trees), SCALAR), _tidy, walks[0]),
                         walks[1])
    out = postwalk(out, _pull_transposes, walks[2])
    return [postwalk(_pull_transposes(t), _spelled, walks[3]) for t in out.args]


def _spelled(m: Expr) -> Expr:
    """`sum(u) / n` as mean(u) (n the number of entries of u); a negated product with the
    sign on its first factor, `-(s ⊙ y)ᵀ X` rather than `-((s ⊙ y)ᵀ X)` (unary minus binds
    tighter than a product, so the text reads back as this tree)."""
    if m.op == "div" and m.args[0].op == "sum" and m.args[1] == count_expr(m.args[0].args[0].shape):
        return mk("mean", m.args[0].args[0])
    if m.op == "neg" and m.args[0].op in ("matmul", "mul", "div", "kron") and \
            m.args[0].args[0].shape != SCALAR:
        inner, first = m.args[0], m.args[0].args[0]
        first = first.args[0] if first.op == "neg" else _spelled(mk("neg", first))
        return inner.rebuild(first, *inner.args[1:])
    return m


