"""How the names of a text are read: constants (π, e) unless declared, `x^T` as the transpose
unless T is declared, `1e` (not a number), names written together (`x'Ax`: the name `Ax`,
or the product of A and x?), and which operator a node was written with.

Owns: `resolve_names`, `resolve_constants`, `written_op`, `run_together`,
`run_together_hint`, `run_together_notes`, `refuse_run_together`.
Invariant: the untyped tree's nodes are told apart by identity (two `x` at different places
have different spans), so the walks here key on id(), never on equality.
"""
from __future__ import annotations

from .errors import ParseError, ShapeError
from .ops import CONSTANTS
from .tree import Expr


def written_op(node: Expr, text: str | None) -> str:
    """The operator `node` (binary) was written with, from the text between its operands
    ('⊙', '*', '@', ''...); '' when it cannot tell (no text, a node built by a macro)."""
    if text is None or len(node.args) != 2:
        return ""
    a, b = node.args
    if a.span is None or b.span is None or a.span[1] > b.span[0]:
        return ""
    return text[a.span[1]:b.span[0]].strip()


def resolve_names(raw: Expr, declared, text: str | None = None) -> Expr:
    """Constants as constants, `x^T` / `x^⊤` as the transpose, each unless declared; `1e`
    refused (a number's exponent needs digits)."""
    raw = resolve_constants(raw, declared)
    caret_t = "T" not in declared
    if not any((caret_t and _is_caret_t(n, text)) or _is_glued_e(n, declared, text)
               for n in raw.walk()):
        return raw
    done: dict = {}
    for n in _postorder(raw):
        args = tuple(done[id(a)] for a in n.args)
        if _is_glued_e(n, declared, text):
            raise ParseError(f"'{text[n.span[0]:n.span[1]]}' is not a number: an exponent "
                             "needs digits", text=text, span=n.span, label="bad-number",
                             hint="write 1e3 or 1e-3 for a power of ten; for a number times "
                                  "Euler's number put a space or '*' between them: 2 e")
        if caret_t and _is_caret_t(n, text):
            done[id(n)] = Expr("T", args[:1], None, None, n.span)
        else:
            done[id(n)] = n if all(a is b for a, b in zip(args, n.args)) else n.rebuild(*args)
    return done[id(raw)]


def _is_caret_t(n: Expr, text) -> bool:
    """`x^T`: a power whose exponent is the bare name T (not `x^(T)`)."""
    if n.op != "pow" or n.args[1].op != "var" or n.args[1].value != "T":
        return False
    sp = n.args[1].span
    return text is None or sp is None or text[sp[0]:sp[1]] == "T"


def _is_glued_e(n: Expr, declared, text) -> bool:
    """`1e`: a number glued to the name e (the lexer reads `1e3` whole, `1e` as 1 times e)."""
    if n.op != "juxt" or text is None or n.args[0].op != "num":
        return False
    a, b = n.args
    return b.op in ("e", "var") and (b.op == "e" or b.value in ("e", "E")) and \
        b.value not in declared and a.span is not None and b.span is not None and \
        a.span[1] == b.span[0]


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
    names = names if isinstance(names, (set, frozenset, dict)) else set(names)
    best: dict[int, list] = {0: []}
    for i in range(1, len(name) + 1):
        for j in range(i):
            if j in best and (j, i) != (0, len(name)) and name[j:i] in names:
                best[i] = best[j] + [name[j:i]]
                break
    parts = best.get(len(name))
    return parts if parts and len(parts) >= 2 else None


def run_together_hint(names, declared) -> str | None:
    pool = set(names) | set(declared)
    for name in sorted(names):
        parts = run_together(name, pool)
        if parts and name not in declared:
            return f"'{name}' is read as one name; for a product write {' '.join(parts)}"
    return None


def run_together_notes(names, declared) -> list[str]:
    """A note for each undeclared name that looks like a product written without a space:
    `xy` with x and y in the text, `Ax` with x in it (`x'Ax`)."""
    notes = []
    pool = set(names) | set(declared)         # once: a text may have thousands of names
    for name in sorted(names):
        if name in declared:
            continue
        parts = run_together(name, pool)
        if parts is None and len(name) >= 2 and name[0].isupper() and name[1:] in names:
            parts = [name[0], name[1:]]
        if parts:
            notes.append(f"'{name}' is read as one name (a variable of its own); for the "
                         f"product write {' '.join(parts)} (or {' @ '.join(parts)})")
    return notes


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
