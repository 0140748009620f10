"""The cells of the reference tables, whatever the format: titles, the intro, the columns,
and what each cell of a row says (`matcalc.tables` derives the rows; `table_formats` lays
them out as LaTeX and HTML; `tables` as Markdown).

Owns: the constants (titles, intro, columns), `Row`, `Table`, `shapes_text`, `heading`,
`caption`, `cells`, `statement`, `latex_of`, `parts`.
An identity's row (`[[identity]]`, matcalc.identities) shows a Kronecker form in both vec orders.
Invariant: no column is empty — a row without the paper's statement shows its rule's own
identity — and every table has a caption.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import MatcalcError
from .identities import Identity
from .sizes import format_dim

FORMATS = ("markdown", "latex", "html")
COLUMNS = ("Expression", "Shapes", "By", "matcalc", "Paper", "Rule · source")
EXT_COLUMNS = COLUMNS[:4] + ("Statement",) + COLUMNS[5:]
LAW_COLUMNS = ("Chain rule", "Paper's statement", "When it applies", "Source")
TITLE = "Matrix calculus reference"
PART_PAPER = "From the paper: Parr & Howard (2018), §8 “Matrix Calculus Reference”"
PART_EXT = "matcalc's extensions — not from the paper"
EXT_NOTE = ("These rows go beyond the paper; each cites where its identity comes from (the "
            "Matrix Cookbook, calculus, or a derivation from the paper's rules).")
INTRO = ("Regenerated from `rules/` by `matcalc table`: every entry is a worked example of a "
         "rule, derived by matcalc and verified (entry by entry with SymPy, and numerically) "
         "when this file was generated. Jacobians are in numerator layout (the paper's); a "
         "scalar by a matrix has the matrix's shape; `𝟏` is the vector of ones, `I` the "
         "identity, ⊙ and ⊘ element-wise product and division (the paper writes ⊗ for the "
         "product), · the dot product. Where the paper states no identity, the rule's own is "
         "shown, with ∂L/∂x for the Jacobian it passes on.")


@dataclass
class Row:
    rule: object
    example: dict
    derivation: object
    first: bool            # the rule's first example (its paper statement is shown there)
    column: object = None  # an identity's derivation in column-major vec (a Kronecker form)


@dataclass
class Table:
    section: object
    rows: list
    extension: bool


def shapes_text(ex: dict) -> str:
    """{'w': 'n', 'x': 'n', 'b': 'scalar'} -> 'w, x: n; b: scalar'; a compound size beside
    another is parenthesised: 1×(n+1), n×(n m)."""
    groups: dict = {}
    for name, decl in (ex.get("shapes") or {}).items():
        groups.setdefault(str(decl), []).append(name)
    if not groups:
        return "scalars"

    def dims(d: str) -> str:
        parts = [p.strip() for p in d.split(",")]
        return "×".join(format_dim(p, grouped=len(parts) > 1) for p in parts)
    return "; ".join(f"{', '.join(ns)}: {dims(d)}" for d, ns in groups.items())


def heading(t: Table) -> str:
    return t.section.title + (" (extensions)" if t.extension and not t.section.extension
                              else "")


def caption(t: Table, laws: bool = False) -> str:
    """Every table's title: the chain rules, or the section's worked examples."""
    if laws:
        return "The chain rules, as the paper states them"
    return f"{heading(t)}: worked examples, each derived by matcalc and checked"


def _call_args(text: str, name: str):
    """(start, end, argument text) of each call name(…) in text, balanced, innermost last."""
    out, i = [], 0
    while True:
        i = text.find(name + "(", i)
        if i < 0:
            return out
        if i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):
            i += 1
            continue
        depth, j = 0, i + len(name)
        while j < len(text):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                break
            j += 1
        out.append((i, j + 1, text[i + len(name) + 1:j]))
        i = j + 1


def _replace_calls(text: str, name: str, fn) -> str:
    for i, j, arg in reversed(_call_args(text, name)):
        text = text[:i] + fn(_replace_calls(arg, name, fn)) + text[j:]
    return text


def _simple(s: str) -> bool:
    return re.fullmatch(r"[A-Za-z]\w*ᵀ?", s) is not None


def rule_statement(rule) -> str:
    """A rule's own identity in the statements' plain notation: ?u → u, d(u) → du, a
    Jacobian jac(L) → ∂L/∂x, ones/eye/zeros(·) → 𝟏/I/𝟎, * and @ as juxtaposition."""
    t = rule.text.replace("?", "").replace(" @ ", " ").replace(" * ", " ")
    for name, sym in (("ones", "𝟏"), ("zeros", "𝟎"), ("eye", "I")):
        t = _replace_calls(t, name, lambda a, sym=sym: sym)
    t = _replace_calls(t, "undiff", lambda a: a)
    t = _replace_calls(t, "reshape_like", lambda a: a.split(",")[0].strip())
    t = re.sub(r"\bjac\(d\((\w+)\)\)", r"∂\1/∂\1", t)            # ∂x/∂x
    t = _replace_calls(t, "count", lambda a: f"|{a}|")
    t = _replace_calls(t, "d", lambda a: f"d{a}" if _simple(a) else f"d({a})")
    return _replace_calls(t, "jac", lambda a: f"∂{a}/∂x" if _simple(a) else f"∂({a})/∂x")


def cells(row: Row, math, text, code, stmt, sep=" · "):
    """The six cells of a row; `math(row)`, `text(str)`, `code(str)`, `stmt(str)` (a
    statement, typeset) format them.  The statement is the paper's where it has one (on
    the rule's first row; ″ below), else the rule's own identity."""
    r, ex = row.rule, row.example
    if r.paper:
        said = stmt(r.paper) if row.first else text("″")
    else:
        said = stmt(rule_statement(r)) if row.first else text("″")
    answer = math(row)
    if row.column is not None:     # the Cookbook's column-major vec beside matcalc's row-major
        answer += text(" (row-major vec); column-major: ") + \
            math(Row(r, ex, row.column, row.first))
    if getattr(r, "note", "") and isinstance(r, Identity):
        said += text(f" ({r.note})")
    return [code(ex["expr"]), text(shapes_text(ex)), code(ex["wrt"]), answer,
            said, code(r.id) + (sep + text(r.cite()) if r.cite() else "")]


def latex_of(row: Row) -> str:
    try:
        return row.derivation.latex
    except Exception as e:  # noqa: BLE001 — a printer failure names the entry
        raise MatcalcError(f"table entry {row.rule.id}: no LaTeX for {row.derivation}: {e}",
                           label="table-entry") from None


def parts(tables):
    for extension in (False, True):
        chosen = [t for t in tables if t.extension == extension]
        if chosen:
            yield (PART_EXT if extension else PART_PAPER), extension, chosen


