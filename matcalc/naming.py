"""The user's own names in what matcalc prints: a text that defines `h = tanh(W1 @ x)` gets
`h` back wherever that subtree occurs in the answer (and in the expression it echoes), with
a line `where h = tanh(W1 x)`; what is still long has its shared parts named h₁, h₂, … by the
CSE printer.

Owns: `with_names(e, definitions)`, `display(result, definitions, threshold)`,
`names_of(definitions)`.
Invariant: only a subtree *equal* to a definition's typed tree becomes its name, so putting
the definitions back gives the tree exactly; a definition that is a bare leaf (`h = x`) is
never used as a name.

>>> from matcalc.reader import read
>>> r = read("h = tanh(W @ x); sum(h)")
>>> main, defs = with_names(r.expr, r.definitions)
>>> str(main), [(n, str(t)) for n, t in defs]
('sum(h)', [('h', 'tanh(W x)')])
"""
from __future__ import annotations

from .tree import Expr


def names_of(definitions) -> dict:
    """{typed tree: name} of the definitions worth a name (not a bare leaf); the first name
    wins where two definitions are equal."""
    out: dict = {}
    for name, tree in definitions:
        if tree.args:
            out.setdefault(tree, name)
    return out


def _table(definitions, rulebook=None) -> dict:
    """{tree: what prints instead}: each definition as written, and — with a rulebook — as
    the simplifier leaves it, and its transpose likewise (a gradient holds the simplified
    forms: `Hᵀ` distributed over a sum is still `Hᵀ`)."""
    from .shaperules import mk
    table: dict = {}
    for tree, name in names_of(definitions).items():
        table.setdefault(tree, Expr("var", (), tree.shape, name))
    if rulebook is None:
        return table
    from .simplify import present_all, simplify_all
    # every form simplified in one run: the definitions nest (h₂ holds h₁), so one by one
    # would take time quadratic in their number
    forms, values = [], []
    for tree, name in names_of(definitions).items():
        v = Expr("var", (), tree.shape, name)
        forms += [tree, mk("T", tree)]
        values += [v, mk("T", v)]
    simplified = simplify_all(forms, rulebook)
    for s, p, value in zip(simplified, present_all(simplified), values):
        for key in (s, p):
            if key.args:
                table.setdefault(key, value)
    return table


def _substitute(e: Expr, table: dict, keep_root: bool = False, memo: dict | None = None) -> Expr:
    """`e` with every subtree in `table` replaced (outermost first; not `e` itself with
    `keep_root`); a replaced subtree is not looked into, and `memo` may carry the work done
    on shared subtrees from call to call (one definition's body holds the others')."""
    memo = {} if memo is None else memo
    stack = [(e, False)]
    while stack:
        n, ready = stack.pop()
        if n in memo and not (keep_root and n is e):
            continue
        if ready:
            args = tuple(memo[a] for a in n.args)
            out = n if all(a is b for a, b in zip(args, n.args)) else n.rebuild(*args)
            if n is e and keep_root:
                return out
            memo[n] = out
            continue
        if n in table and not (keep_root and n is e):
            memo[n] = table[n]
            continue
        stack.append((n, True))
        stack.extend((a, False) for a in n.args if a not in memo)
    return memo[e]


def with_names(e: Expr, definitions, also=(), rulebook=None) -> tuple:
    """(e with each defined subtree as its name, [(name, definition with names)]): the
    definitions that `e` (and the trees `also`) use, directly or through another, in the
    order they were written.  With a rulebook, simplified forms are recognised too."""
    if not names_of(definitions):
        return e, []
    plain = _table(definitions)
    table = _table(definitions, rulebook) if rulebook is not None else plain
    shared: dict = {}                     # the plain substitution's work, shared
    bodies = {name: _substitute(tree, plain, keep_root=True, memo=shared)
              for tree, name in names_of(definitions).items()}
    main = _substitute(e, table)
    needed: set = set()
    todo = [main] + [_substitute(t, plain, memo=shared) for t in also]
    seen: set = set()
    while todo:
        t = todo.pop()
        for n in _walk_new(t, seen):
            if n.op == "var" and n.value in bodies and n.value not in needed:
                needed.add(n.value)
                todo.append(bodies[n.value])
    order = [name for name, _ in definitions if name in needed and name in bodies]
    return main, [(name, bodies[name]) for name in dict.fromkeys(order)]


def _walk_new(e: Expr, seen: set):
    """The nodes of `e` not in `seen` (which they join): the bodies share their subtrees."""
    stack = [e]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        yield n
        stack.extend(n.args)


def display(result: Expr, definitions, threshold: int = 160, expr: Expr | None = None,
            rulebook=None):
    """(main text, [(name, text)]): the result with the user's names, then, when it is still
    longer than `threshold`, its shared parts named h₁, h₂, … (a prefix no name uses); the
    where-lines hold the user's definitions the result (and `expr`) use, then the CSE's."""
    from .printing.cse import cse_text_size, to_tree_cse
    from .printing.text import to_text
    main, defs = with_names(result, definitions, () if expr is None else (expr,), rulebook)
    where = [(name, to_text(body)) for name, body in defs]
    plain = to_text(main)
    if len(plain) <= threshold:
        return plain, where
    taken = {name for name, _ in definitions} | {n.value for n in result.walk()
                                                   if n.op == "var"}
    prefix = next((p for p in ("h", "u", "v", "t", "s", "q") if not any(
        t.startswith(p) for t in taken)), "cse")
    cmain, cdefs = to_tree_cse(main, prefix=prefix)
    text = to_text(cmain)
    extra = [(name, to_text(body)) for name, body in cdefs]
    if not extra or cse_text_size(text, extra) > 0.8 * len(plain):
        return plain, where
    return text, where + extra
