"""Text with shared subexpressions named once: `h₁ = tanh(W1 x)`, then `h₁` wherever it recurs.

Owns: `to_text_cse` (the text printer over a tree whose repeated subtrees are named),
`to_tree_cse` (the same split as trees, for code and tests) and `shared_display` /
`shared_trees` (the form an answer is printed in: named parts only when that is shorter, in
tokens — `matcalc.readability`).
Invariant: nothing is rewritten but names for repeated subtrees — substituting each
definition back (`expand_cse`) gives the original tree exactly, so values are unchanged.
Printed size is linear in the size of the expression DAG: every named subtree is printed
once, by its definition, whatever the number of places it occurs in the tree.

>>> from matcalc.tree import Expr
>>> x, W = Expr("var", (), ("n", 1), "x"), Expr("var", (), ("n", "n"), "W")
>>> h = Expr("tanh", (Expr("matmul", (W, x), ("n", 1)),), ("n", 1))
>>> main, defs = to_text_cse(Expr("add", (h, h), ("n", 1)))
>>> main, defs
('h₁ + h₁', [('h₁', 'tanh(W x)')])
"""
from __future__ import annotations

from ..tree import Expr
from .text import to_text

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_LEAVES = frozenset({"var", "num", "pvar", "ones", "zeros", "eye", "size"})


def _hash_cons(e: Expr) -> Expr:
    """The same tree with structurally equal subtrees made one object (so `id` is identity)."""
    canon: dict[Expr, Expr] = {}
    memo: dict[int, Expr] = {}
    for n in e.walk():
        args = tuple(memo[id(a)] for a in n.args)
        node = n if all(a is b for a, b in zip(args, n.args)) else n.rebuild(*args)
        memo[id(n)] = canon.setdefault(node, node)
    return memo[id(e)]


def to_tree_cse(e: Expr, min_size: int = 4, prefix: str | None = None):
    """(main tree, [(name, definition tree), ...]) with definitions in dependency order.

    A subtree is named when it would otherwise be printed at least twice and has at least
    `min_size` nodes (leaves and small products like `W x` stay inline).  The choice runs
    from the root down, so a subtree that recurs only inside one named definition is not
    named again.
    """
    root = _hash_cons(e)
    order = list(root.walk())                 # post-order: children before parents
    size: dict[int, int] = {}
    for n in order:
        size[id(n)] = 1 + sum(size[id(a)] for a in n.args)
    occ: dict[int, int] = {id(root): 1}
    named: set[int] = set()
    for n in reversed(order):                 # parents before children
        k = occ.get(id(n), 0)
        if n is not root and k >= 2 and n.op not in _LEAVES and size[id(n)] >= min_size:
            named.add(id(n))
            k = 1                             # its definition is printed once
        for a in n.args:
            occ[id(a)] = occ.get(id(a), 0) + k
    taken = {v.value for v in order if v.op in ("var", "pvar")}
    prefix = prefix or next(p for p in ("h", "u", "v", "t", "s") if not any(
        str(t).startswith(p) for t in taken))
    names: dict[int, Expr] = {}
    rebuilt: dict[int, Expr] = {}
    defs: list[tuple[str, Expr]] = []
    for n in order:                           # inner definitions first: h₁, h₂, ...
        args = tuple(names.get(id(a), rebuilt[id(a)]) for a in n.args)
        body = n if all(a is b for a, b in zip(args, n.args)) else n.rebuild(*args)
        rebuilt[id(n)] = body
        if id(n) in named:
            name = prefix + str(len(defs) + 1).translate(_SUB)
            defs.append((name, body))
            names[id(n)] = Expr("var", (), n.shape, name)
    return rebuilt[id(root)], defs


def to_text_cse(e: Expr, min_size: int = 4) -> tuple[str, list[tuple[str, str]]]:
    """(main text, [(name, text of its definition), ...]); see `to_tree_cse`."""
    main, defs = to_tree_cse(e, min_size)
    return to_text(main), [(name, to_text(body)) for name, body in defs]


def expand_cse(main: Expr, defs: list[tuple[str, Expr]]) -> Expr:
    """The tree `to_tree_cse` split: each name replaced by its (expanded) definition."""
    value: dict[str, Expr] = {}

    def sub(t: Expr) -> Expr:
        memo: dict[int, Expr] = {}
        for n in t.walk():
            if n.op == "var" and n.value in value:
                memo[id(n)] = value[n.value]
                continue
            args = tuple(memo[id(a)] for a in n.args)
            memo[id(n)] = n if all(a is b for a, b in zip(args, n.args)) else n.rebuild(*args)
        return memo[id(t)]

    for name, body in defs:
        value[name] = sub(body)
    return sub(main)


def cse_text_size(main: str, defs: list[tuple[str, str]]) -> int:
    """Characters of the whole printed answer: the main line and one line per definition."""
    return len(main) + sum(len(name) + 3 + len(body) for name, body in defs)


SHARE_RATIO = 0.8     # name shared parts when that prints at most this fraction of the tokens


def shared_trees(e: Expr, min_size: int = 4):
    """(main tree, [(name, definition tree)]) as an answer is printed: the shared parts named
    once when that takes at most SHARE_RATIO of the tokens of the plain form, else (e, [])."""
    from .tokens import shared_size, token_count
    main, defs = to_tree_cse(e, min_size)
    if not defs:
        return e, []
    named = shared_size(to_text(main), [(n, to_text(b)) for n, b in defs])
    if named > SHARE_RATIO * token_count(to_text(e)):
        return e, []
    return main, defs


def shared_display(e: Expr, min_size: int = 4) -> tuple[str, list[tuple[str, str]]]:
    """(main text, [(name, text)]): `shared_trees` printed."""
    main, defs = shared_trees(e, min_size)
    return to_text(main), [(name, to_text(body)) for name, body in defs]
