"""Rewrite combinators: the walks every stage composes, written once.

Owns: `bottom_up` (a value computed from the leaves up), `postwalk` (rebuild bottom-up, each distinct subtree once, without recursion),
`replace` (substitution), `first_of`, `chain`, `recording`, `innermost` (normalise
children, then rewrite a node until nothing applies, normalising what a rewrite builds) and
`fixpoint`.  A *step* is a function node -> node or None (None: nothing applies here).
Invariant: walks are iterative (a derivation can be thousands of levels deep) and memoised
on structural equality, so shared subtrees cost once.  Imports nothing of matcalc but the
tree.

>>> from matcalc.tree import Expr
>>> x, y = Expr("var", (), (1, 1), "x"), Expr("var", (), (1, 1), "y")
>>> str(replace(Expr("add", (x, x)), {x: y}).args[0].value)
'y'
"""
from __future__ import annotations

import gc
import sys
from collections.abc import Callable

from .tree import Expr

Step = Callable[[Expr], "Expr | None"]
MAX_REWRITES_PER_NODE = 64


def bottom_up(e: Expr, children, build, memo: dict | None = None):
    """The value `build(node, [values of its children])` of `e`, computed from the leaves up
    without recursion, once per distinct subtree; `children(node)` says what a node's
    children are (its operands, or e.g. the factors of a whole product chain)."""
    memo = {} if memo is None else memo
    stack = [(e, None)]
    pop, push = stack.pop, stack.append
    while stack:
        n, kids = pop()
        if n in memo:
            continue
        if kids is None:                    # first visit: its children, then itself again
            kids = children(n)
            if not kids:                    # a leaf: nothing to wait for
                memo[n] = build(n, [])
                continue
            push((n, kids))
            for a in kids:
                if a not in memo:
                    push((a, None))
        else:
            memo[n] = build(n, [memo[a] for a in kids])
    return memo[e]


def postwalk(e: Expr, f: Callable[[Expr], Expr] | None = None, memo: dict | None = None) -> Expr:
    """`e` rebuilt from the leaves up with `f` applied to every (rebuilt) node."""
    def build(n: Expr, args: list) -> Expr:
        args = tuple(args)
        m = n if args == n.args else n.rebuild(*args)
        return f(m) if f is not None else m
    return bottom_up(e, _operands, build, memo)


def _operands(n: Expr) -> tuple:
    return n.args


def replace(e: Expr, mapping: dict) -> Expr:
    """`e` with every subtree equal to a key of `mapping` replaced by its value."""
    memo = dict(mapping)
    return postwalk(e, None, memo)


def first_of(*steps: Step) -> Step:
    """The result of the first step that applies (changes the node)."""
    def step(e: Expr):
        for s in steps:
            out = s(e)
            if out is not None and out != e:
                return out
        return None
    return step


def chain(*fs: Callable[[Expr], Expr]) -> Callable[[Expr], Expr]:
    """f₁ then f₂ then …"""
    def run(e: Expr) -> Expr:
        for f in fs:
            e = f(e)
        return e
    return run


def recording(step: Callable[[Expr], tuple], record: list | None) -> Step:
    """A step that returns (rule id, result) as a plain step that appends (id, before,
    after) to `record` (None: records nothing)."""
    def run(e: Expr):
        got = step(e)
        if got is None:
            return None
        rule_id, out = got
        if record is not None and out != e:
            record.append((rule_id, e, out))
        return out
    return run


def innermost(e: Expr, step: Step, memo: dict, cut: list | None = None) -> Expr:
    """The normal form of `e` under `step`: children first, then `step` at the node until it
    no longer applies; what a rewrite builds is normalised the same way at once (innermost
    first), so a cascade down a chain costs one visit per node.  `memo` maps trees to their
    normal forms and may be shared between calls.  When a rewrite is cut short (a node
    rewritten `MAX_REWRITES_PER_NODE` times, or a cycle back to a node being normalised) the
    memo holds a result that is not a normal form: then `cut` (when given) receives the node,
    and the memo must not be reused."""
    stack: list = [e]
    pop, push = stack.pop, stack.append
    target: dict = {}             # node -> the rewrite of it being normalised
    depth: dict = {}
    while stack:
        n = stack[-1]
        if n in memo:
            pop()
            continue
        if target and n in target:    # its rewrite is normal now (or holds n: stop there)
            out, node = target.pop(n)
            if cut is not None and out not in memo:
                cut.append(n)
            memo[n] = memo.get(out, node)
            memo.setdefault(node, node)
            pop()
            continue
        args = n.args
        if args:
            pending = [a for a in args if a not in memo]
            if pending:
                stack.extend(reversed(pending))       # left to right, as the steps read
                continue
            new = tuple([memo[a] for a in args])
            node = n if new == args else n.rebuild(*new)
        else:
            node = n
        k = depth.get(n, 0) if depth else 0
        if k < MAX_REWRITES_PER_NODE:
            out = step(node)
        else:
            out = None
            if cut is not None:
                cut.append(n)
        if out is None or out == node:
            memo[n] = node
            if node is not n:
                memo[node] = node
            pop()
        elif out in memo:
            memo[n] = memo[out]
            pop()
        else:
            target[n] = (out, node)
            depth[out] = k + 1
            push(out)
    return memo[e]


def fixpoint(f: Callable[[Expr], Expr], e: Expr, limit: int) -> tuple[Expr, bool]:
    """Apply `f` until the tree stops changing: (result, whether it did within `limit`)."""
    for _ in range(limit):
        out = f(e)
        if out == e:
            return out, True
        e = out
    return e, False


class deep_recursion:
    """Room for the recursive parts (printers, the SymPy bridge) on trees thousands of levels
    deep, for the duration of a call only: the interpreter's limit is restored after, so
    importing or using matcalc changes nothing global.  The cyclic garbage collector waits
    for the end of the call too: a derivation builds its trees by the hundred thousand
    nodes, none of them in a cycle, and the collector's passes over the growing heap cost a
    fifth of a deep derivation's time; it runs again as it did before the call (a nested
    call leaves it to the outer one)."""

    LIMIT = 20000
    FRAMES_PER_LEVEL = 16      # a printer's frames per level of a tree (14 in the text printer)
    MAX_LIMIT = 100000

    def __init__(self, tree: Expr | None = None):
        """`tree`: room for a recursion over it, level by level (a printer's)."""
        self.limit = self.LIMIT if tree is None else \
            min(self.MAX_LIMIT, self.LIMIT + self.FRAMES_PER_LEVEL * height(tree))

    def __enter__(self):
        self.before = sys.getrecursionlimit()
        if self.before < self.limit:
            sys.setrecursionlimit(self.limit)
        self.collecting = gc.isenabled()
        if self.collecting:
            gc.disable()
        return self

    def __exit__(self, *exc):
        sys.setrecursionlimit(self.before)
        if self.collecting:
            gc.enable()
        return False


def fold_nodes(e: Expr, combine: Callable[[Expr, list], int]) -> int:
    """`combine(node, [values of its operands])` from the leaves up, once per node object
    (by identity: no deep comparisons), iteratively: sizes and heights of deep DAGs."""
    memo: dict = {}
    stack = [e]
    while stack:
        n = stack[-1]
        if id(n) in memo:
            stack.pop()
            continue
        pending = [a for a in n.args if id(a) not in memo]
        if pending:
            stack.extend(pending)
            continue
        memo[id(n)] = combine(n, [memo[id(a)] for a in n.args])
        stack.pop()
    return memo[id(e)]


def height(e: Expr) -> int:
    """The number of levels of `e` (a leaf has 1)."""
    return fold_nodes(e, lambda n, kids: 1 + max(kids, default=0))
