"""How the names of a text are read: constants (π, e) unless declared, and names written
together (`x'Ax`: the name `Ax`, or the product of A and x?).

Owns: `resolve_constants`, `run_together`, `run_together_hint`, `refuse_run_together`.
Invariant: the untyped tree's nodes are told apart by identity (two `x` at different places
have different spans), so the walks here key on id(), never on equality.
"""
from __future__ import annotations

from .errors import ShapeError
from .ops import CONSTANTS
from .tree import Expr


def resolve_constants(raw: Expr, declared) -> Expr:
    """Undeclared constant names as constants.  The untyped tree's nodes are told apart by
    identity (their spans differ), so this walk keys on id(), not on equality."""
    if not any(n.op == "var" and n.value in CONSTANTS and n.value not in declared
               for n in raw.walk()):
        return raw
    done: dict = {}
    for n in _postorder(raw):
        if n.op == "var" and n.value in CONSTANTS and n.value not in declared:
            done[id(n)] = Expr(CONSTANTS[n.value].name, (), None, None, n.span)
        else:
            args = tuple(done[id(a)] for a in n.args)
            done[id(n)] = n if all(a is b for a, b in zip(args, n.args)) else n.rebuild(*args)
    return done[id(raw)]


def _postorder(root: Expr):
    """Every node of an untyped tree, children first, each position separately."""
    out, stack = [], [(root, False)]
    while stack:
        n, ready = stack.pop()
        if ready:
            out.append(n)
        else:
            stack.append((n, True))
            stack.extend((a, False) for a in reversed(n.args))
    return out


def run_together(name: str, names) -> list | None:
    """`Ax` -> ['A', 'x'] when `name` is two or more of `names` written without a space."""
    names = {n for n in names if n and n != name}
    best: dict[int, list] = {0: []}
    for i in range(1, len(name) + 1):
        for j in range(i):
            if j in best and name[j:i] in names:
                best[i] = best[j] + [name[j:i]]
                break
    parts = best.get(len(name))
    return parts if parts and len(parts) >= 2 else None


def run_together_hint(names, declared) -> str | None:
    for name in sorted(names):
        parts = run_together(name, (set(names) | declared) - {name})
        if parts and name not in declared:
            return f"'{name}' is read as one name; for a product write {' '.join(parts)}"
    return None


def refuse_run_together(raw, declared, text):
    """With declarations given, an undeclared name spelled from declared ones is a typo for
    their product (`x'Ax` with A and x declared): refuse it rather than guess a new matrix."""
    if not declared:
        return
    for n in raw.walk():
        if n.op == "var" and n.value not in declared:
            parts = run_together(n.value, declared)
            if parts:
                raise ShapeError(f"'{n.value}' is not declared, but {' and '.join(parts)} are",
                                 text=text, span=n.span, label="run-together-names",
                                 hint=f"names need a space or an operator between them: "
                                      f"write {' '.join(parts)} (or {' @ '.join(parts)})")
