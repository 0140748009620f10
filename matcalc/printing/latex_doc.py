"""LaTeX that compiles as printed: the answer (and its steps) as a fragment for an amsmath
document, or a whole document; long equations broken at sums and between factors.

Owns: `fragment(d, steps=False)` (what `matcalc derive --format latex` prints: display math
environments only, never bare math), `document(d, steps=False)` (`--standalone`: the same
in a minimal article), `break_expr(e, width)` (an expression as lines of LaTeX, broken at its
top-level `+`/`−` and between the factors of a product), `step_rows(step)` (the rows of one
step in an `align*`), `tex_text` (text for `\\text{…}`).
Invariant: every environment opened is closed; every row of an `align*` has one `&`
before the relation or text; nothing here needs a package beyond amsmath and amssymb.
Widths are measured on the Unicode text of a part (a proxy for its printed width).
"""
from __future__ import annotations

from ..tree import Expr
from .base import PREC
from .latex import _PRINTER, to_latex
from .latex_break import break_latex

WIDTH = 58            # characters of Unicode text per line (≈ 345 pt, article's text width)
_NOTE = r"\small\raggedright "     # notes: ragged lines, never wider than the page
PREAMBLE = (r"\documentclass{article}", r"\usepackage{amsmath,amssymb}")

_ASCII = str.maketrans({"∂": "d", "ᵀ": "'", "⊙": "(.)", "·": ".", "→": "->", "σ": "sigma",
                        "𝟏": "1", "𝟎": "0", "—": "-", "…": "...", "≠": "!=", "≤": "<=",
                        "⁻": "-", "¹": "1", "²": "^2", "³": "^3", "×": "x", "⊘": "/",
                        "Σ": "sum", "ᵢ": "_i", "ₖ": "_k", "ₙ": "_n", "‖": "||", "⊗": "(.)",
                        "∇": "grad ", "−": "-", "↦": "->", "⃗": ""})


def tex_text(s: str) -> str:
    """Plain text for \\text{…}: ASCII only, LaTeX specials escaped."""
    s = s.translate(_ASCII).translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789"))
    s = "".join(ch for ch in s if ord(ch) < 128)
    for a, b in (("\\", ""), ("&", "and"), ("%", "pct"), ("#", "no."), ("_", "\\_"),
                 ("$", ""), ("{", "("), ("}", ")"), ("^", "\\^{}"), ("~", "-")):
        s = s.replace(a, b)
    return s


# -- breaking an expression -------------------------------------------------------------------

def break_expr(e: Expr, width: int = WIDTH) -> list[str]:
    """`e` as lines of LaTeX of about `width` characters (`latex_break.break_latex`)."""
    return break_latex(e, width)


def rows_for(lhs: str, e: Expr, rel: str = "=") -> list[str]:
    """Align rows `lhs &= …` for an expression, continued on `&\\quad …` rows."""
    lines = break_expr(e)
    return [f"{lhs} &{rel} {lines[0]}"] + [f"&\\quad {ln}" for ln in lines[1:]]


def step_rows(s) -> list[str]:
    """The rows of one step (`steps.Step`) in an align*: one `&=` per row, a note as
    \\intertext (a paragraph across the page, outside the alignment)."""
    if s.expr is not None and s.kind in ("simplify", "substitute", "result", "differential"):
        return rows_for(s.lhs, s.expr)
    if s.latex and s.kind == "intermediate":
        head, _, partials = s.latex.partition(" && ")
        return [head] + [p.replace(" = ", " &= ", 1) for p in partials.split(",\\quad ") if p]
    if s.latex and "&" in s.latex and not s.latex.startswith("&\\text"):
        return [s.latex]
    text = s.latex[len("&\\text{"):] if s.latex and s.latex.startswith("&\\text") else None
    if text is not None:
        name, _, rest = text.partition("}")
        return [f"\\intertext{{{_NOTE}{name}{rest and ' $' + rest.strip() + '$'}}}"]
    return [f"\\intertext{{{_NOTE}{tex_text(s.text)}}}"]


# -- the answer ---------------------------------------------------------------------------------

def _operator(d) -> str:
    var = ", ".join(to_latex(Expr("var", (), d.var_shapes[w], w)) for w in d.wrt)
    if d.order == 1:
        return f"\\frac{{\\partial}}{{\\partial {var}}}"
    return f"\\frac{{\\partial^{d.order}}}{{\\partial {var}^{d.order}}}"


def _fits(e: Expr) -> bool:
    return all(len(ln) <= 3 * WIDTH for ln in break_expr(e))


def shared_form(e: Expr):
    """(main, [(name, definition)]): named parts as the text prints them, or — when a line
    would still be too wide to break — any repeated part named, so that it fits."""
    from .cse import shared_trees, to_tree_cse
    main, defs = shared_trees(e)
    if not defs and not _fits(e):
        main, defs = to_tree_cse(e)
    return main, defs


def answer_rows(d) -> list[str]:
    """The answer as align rows: the operator on the input, `= result` (broken when long),
    its shared parts (`h_1 = …`) when the printed answer names them; the operator on a row
    of its own when the input is long."""
    main, defs = shared_form(d.result)
    head = f"{_operator(d)} {_PRINTER.paren(d.expr, PREC['pow'])}"
    if len(str(d.expr)) + min(len(str(main)), WIDTH) > WIDTH:
        rows = [f"&{head}", *rows_for("", main)]
    else:
        rows = rows_for(head, main)
    for i, (name, body) in enumerate(defs):
        lead = "\\text{where } " if i == 0 else ""
        rows += rows_for(f"{lead}{to_latex(Expr('var', (), body.shape, name))}", body)
    return rows


def fragment(d, steps: bool = False) -> str:
    """The answer (and its steps) as display math that compiles inside any amsmath document:
    `\\begin{align*} … \\end{align*}`, never bare math."""
    out = "\\begin{align*}\n" + " \\\\\n".join(answer_rows(d)) + "\n\\end{align*}"
    if steps:
        out += "\n" + d.steps_latex()
    return out


def document(d, steps: bool = False) -> str:
    """A whole LaTeX document holding `fragment(d, steps)`."""
    return "\n".join(PREAMBLE + (r"\begin{document}", fragment(d, steps),
                                 r"\end{document}")) + "\n"
