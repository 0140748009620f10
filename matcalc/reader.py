"""Reading a text the way its writer meant it: the parser's untyped tree → names resolved
(constants, `x^T`) → shapes inferred (declared, a dialect's letter convention, or the
default rule of `shapes`) → the typed tree, every variable's shape, which shapes were
inferred rather than declared, and the notes a reader should see.

Owns: `Reading`, `read(text, shapes, dialect)`, `infer(raw, declared, text, dialect)`, and
the checks that need the typed tree: a MATLAB-style product in the default language
(`x'*A*x`: `*` is element-wise here), and in the matrixcalculus dialect `^` and `/` of an
array (a matrix power / division, which matcalc does not have).
Invariant: a `Reading`'s tree is typed with the shapes in `shapes`; `inferred` lists every
variable whose shape was not declared; notes never change the meaning, they say it.

>>> r = read("W @ x + b")
>>> r.shapes["b"], sorted(r.inferred), r.defaulted
(('n', 1), ['W', 'b', 'x'], frozenset())
>>> read("x' @ A @ x + c", {"x": "n"}).defaulted
frozenset({'c'})
"""
from __future__ import annotations

import re
from .records import record

from .dialect import DEFAULT, DIALECT_HINT, MATRIXCALCULUS, check_dialect, letter_kind
from .errors import ShapeError
from .parser import parse_program
from .statements import Program
from .reading import (refuse_run_together, resolve_names, run_together_hint,
                      run_together_notes, written_op)
from .shapes import ShapeInference
from .sizes import SCALAR, parse_decl
from .tree import Expr


@record(frozen=True)
class Reading:
    expr: Expr                 # the typed tree
    shapes: dict               # every variable -> (rows, cols), declared or inferred
    inferred: tuple            # names whose shape was inferred (in order of appearance)
    defaulted: frozenset       # names that are scalars only because nothing said otherwise
    notes: tuple               # what a reader should know (a name read whole, a guess)
    dialect: str = DEFAULT
    definitions: tuple = ()    # (name, typed tree) of each name the text defines, in order


def read(text: str, shapes=None, dialect: str | None = None) -> Reading:
    """Parse `text` and infer its shapes; `shapes` declares variables."""
    dialect = check_dialect(dialect)
    program = parse_program(text, dialect=dialect)
    return infer(program.expr, shapes, text, dialect, program)


def infer(raw: Expr, declared=None, text: str | None = None,
          dialect: str | None = None, program: Program | None = None) -> Reading:
    """The `Reading` of an untyped tree from `parser.parse_raw` (`program`: its
    definitions, from `parser.parse_program`)."""
    dialect = check_dialect(dialect)
    declared = {k: parse_decl(v, k) for k, v in (declared or {}).items()}
    defined = [d[0] for d in program.definitions] if program is not None else []
    clash = next((n for n in defined if n in declared), None)
    if clash is not None:
        raise ShapeError(f"'{clash}' is defined in the text, so its shape follows from its "
                         "definition; it cannot be declared", text=text,
                         span=next(d[2] for d in program.definitions if d[0] == clash),
                         label="declared-definition",
                         hint=f"remove the declaration of {clash}")
    raw = resolve_names(raw, declared, text)
    kinds = {}
    if dialect == MATRIXCALCULUS:
        kinds = {n: k for n in raw.free_vars() if n not in declared
                 for k in [letter_kind(n)] if k is not None}
    inf = ShapeInference(text, declared, kinds)
    try:
        inf.visit(raw)           # (variables in order of first appearance in the tree)
        inf.finish(raw)
    except ShapeError as e:
        hint = run_together_hint(raw.free_vars(), set(inf.declared))
        if hint and e.text is not None:
            raise ShapeError(e.message, text=e.text, span=e.span, label=e.label,
                             hint="; ".join(h for h in (e.hint, hint) if h)) from None
        raise
    typed = inf.build(raw)
    shapes = {name: inf.concrete(h) for name, h in inf.vars.items()}
    for name in inf.declared:
        shapes.setdefault(name, inf.declared[name])
    refuse_run_together(raw, inf.declared, text)
    defaulted = frozenset(inf.defaulted)
    if dialect == DEFAULT:
        _refuse_matlab_products(typed, text, shapes, declared, defaulted)
    else:
        _refuse_matrix_powers(typed, text)
    inferred = tuple(n for n in shapes if n not in declared)
    notes = run_together_notes(set(shapes), set(declared))
    definitions = ()
    if program is not None:
        definitions = tuple((n, inf.typed[id(node)]) for n, node, _ in program.definitions
                            if id(node) in inf.typed)
        notes += [f"{n} is defined but not used" for n in program.unused]
    notes += [f"{n} is taken to be a scalar: nothing in the expression makes it an array; "
              f"for a matrix declare it (--shape {n}:m,n) and multiply with @"
              for n in inferred if n in defaulted and n[:1].isupper()]
    return Reading(typed, shapes, inferred, defaulted, tuple(notes), dialect, definitions)


def shapes_of_wrt(reading: Reading, names, declared) -> dict:
    """Every variable's shape, with the names of `wrt` that do not occur in the text given
    their declared shape or a scalar's."""
    out = dict(reading.shapes)
    for n in names:
        if n not in out:
            out[n] = parse_decl(declared[n], n) if n in (declared or {}) else SCALAR
    return out


# -- checks on the typed tree ------------------------------------------------------------

def _transposed_names(e: Expr) -> set:
    """`x'`, `x' * A`, `(x - y)' * …`: the names under the transpose that starts a product
    chain (empty if it does not start with one)."""
    while e.op in ("mul", "matmul"):
        e = e.args[0]
    return e.args[0].free_vars() if e.op == "T" else set()


def _refuse_matlab_products(typed: Expr, text: str | None, shapes: dict, declared,
                            defaulted) -> None:
    """`x'*A*x` in the default language: `*` is element-wise here, so a transposed name
    times a name that is a scalar only by default (`x'*y`), or a product that had to make an
    undeclared name square (`x'*A*x`), is MATLAB's (matrixcalculus.org's) matrix product.
    Declared shapes are never second-guessed: `x' * y'` of two declared vectors is fine."""
    if text is None:
        return
    for n in typed.walk():
        if n.op != "mul" or written_op(n, text) not in ("*", "×"):
            continue
        for first, other in (n.args, n.args[::-1]):
            names = _transposed_names(first) - set(declared)
            if not names:
                continue
            square = any(shapes[v][0] == shapes[v][1] != 1 for v in names)
            guessed = other.op == "var" and other.value in defaulted
            if guessed or square:
                top = _top_star_chain(typed, n, text)
                src = text[top.span[0]:top.span[1]] if top.span else str(top)
                fixed = re.sub(r"\s*[*×]\s*", " @ ", src)
                raise ShapeError(f"'*' multiplies entry by entry in matcalc, so {src!r} is "
                                 "not a matrix product", text=text, span=top.span,
                                 label="matlab-product",
                                 hint=f"for the matrix product write {fixed}; {DIALECT_HINT}")


def _top_star_chain(typed: Expr, node: Expr, text: str) -> Expr:
    """The outermost `*` product that holds `node` (to quote the whole of `x'*A*x`)."""
    best = node
    for n in typed.walk():
        if n.op == "mul" and written_op(n, text) in ("*", "×") and n.span and best.span and \
                n.span[0] <= best.span[0] and n.span[1] >= best.span[1]:
            best = n
    return best


def _refuse_matrix_powers(typed: Expr, text: str | None) -> None:
    """matrixcalculus.org's `A^2` is a matrix power and `x/y` of arrays a matrix division:
    neither is matcalc's, and reading them element-wise would change their meaning."""
    for n in typed.walk():
        op = written_op(n, text)
        if n.op == "pow" and op == "^" and n.args[0].shape != SCALAR:
            raise ShapeError("'^' of an array is a matrix power in matrixcalculus.org's "
                             "notation, which matcalc does not have", text=text, span=n.span,
                             label="matrix-power",
                             hint="write .^ for the element-wise power (x.^2), or the "
                                  "product itself (A*A)")
        if n.op == "div" and op == "/" and n.args[1].shape != SCALAR:
            raise ShapeError("'/' by an array is not defined in matrixcalculus.org's "
                             "notation", text=text, span=n.span, label="matrix-division",
                             hint="write ./ for the element-wise quotient, or inv(A) for "
                                  "the inverse")
