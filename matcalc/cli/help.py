"""The command's help: what each subcommand does, a few examples each, and the notation at a
glance (`matcalc derive --help`), with the function list read from the operator registry so
it cannot go stale.

Owns: `MAIN_EPILOG`, `DERIVE_EPILOG`, `PARSE_EPILOG`, `TABLE_EPILOG`, `notation()`,
`table_names()` (the names `table --only` takes, read from the rule files without loading
them: a test compares them with `matcalc.tables.names()`).
"""
from __future__ import annotations

import re

MAIN_EPILOG = """\
examples:
  matcalc derive "max(0, w.x + b)" --wrt w --steps --check
  matcalc derive "x' @ A @ x" --wrt x --order 2
  matcalc derive "x'*A*x" --wrt x --dialect matrixcalculus
  matcalc parse "W @ x + b"
  matcalc table --only elementwise

'matcalc derive --help' shows the notation at a glance; the full language is in
docs/language.md.  Exit status: 0 success, 2 bad input, 1 a failed check."""

PARSE_EPILOG = """\
examples:
  matcalc parse "W @ x + b"                  # b is a vector: it is added to W x
  matcalc parse "w.x + b" --shape w:3        # b is a scalar: w.x is one
  matcalc parse "x'*A*x" --dialect matrixcalculus"""

TABLE_EPILOG = """\
examples:
  matcalc table --list
  matcalc table --only elementwise
  matcalc table --format html --output reference.html"""

SERVE_EPILOG = """\
examples:
  matcalc serve                 # http://127.0.0.1:8765/ (or a free port), this machine only
  matcalc serve --open          # and open it in the browser
  matcalc serve --port 0        # any free port
The page and its JSON API are described in docs/playground.md."""

_KINDS = [("element-wise", ("ewise", "macro")), ("element-wise, two operands", ("binary",)),
          ("reductions (to a scalar)", ("reduce",)), ("vector and matrix", ("func", "linear")),
          ("layers and losses", ("layer",))]


def notation() -> str:
    """The language in a dozen lines; the functions come from the registry."""
    from ..ops import FUNCTIONS
    lines = ["notation (all of it: docs/language.md):",
             "  + - * / ^  ⊙ ⊘       element-wise; a scalar operand expands (x + z, 2 x)",
             "  A @ x   A x          matrix product (juxtaposition: a scalar scales)",
             "  w.x  w·x  dot(w, x)  dot product",
             "  x'  xᵀ  x.T  x^T     transpose",
             "  [a, b]  [a, b; c, d] a column, a matrix (entries are scalars)",
             "  𝟏  𝟎  I  π  e        ones, zeros, identity (shape from context), constants"]
    seen: dict = {}
    for rec in FUNCTIONS.values():
        if rec.names and rec.names[0] not in ("vcat", "hcat"):
            seen.setdefault(rec.name, rec)
    for title, kinds in _KINDS:
        names = [r.names[0] for r in seen.values() if r.kind in kinds]
        lines.append(f"  {title}: {' '.join(names)}")
    return "\n".join(lines)


SHAPES_TEXT = """\
shapes: declare them (--shape w:n --shape A:m,n --shape b:scalar) or let matcalc read them
  the way ML code means them: a name combined by + - ⊙ ⊘ max min with an array is an array
  of that shape (W @ x + b: b is a bias vector; X @ w - y: y is a target vector); a
  capitalised name used as a matrix is one (A x, inv(S)); a name is a scalar where nothing
  says otherwise (w.x + b, lam * norm(w)^2); a lowercase name added to a matrix is a vector
  added to every row (X @ W + b: X W + 𝟏 bᵀ).  Inferred shapes are printed after the word
  'inferred'.
axes and names: sum(X, axis=0), softmax(Z, dim=-1), layer_norm(X, g, b); name parts first:
  "h = tanh(W1 @ x); z = W2 @ h; norm(z - y)^2", or one per line in a file (-f model.mc)."""

DERIVE_EXAMPLES = """\
examples:
  matcalc derive "max(0, w.x + b)" --wrt w --steps --check
  matcalc derive "[3x^2 y, 2x + y^8]" --wrt x,y
  matcalc derive "mean((y - max(0, X @ w + b))^2)" --wrt w --shape b:scalar
  matcalc derive "x' @ A @ x" --wrt x --order 2
  matcalc derive "norm(X @ w - y)^2" --wrt w --format numpy --with-check > f.py
  matcalc derive "x'*A*x" --wrt x --dialect matrixcalculus --ascii"""


def derive_epilog() -> str:
    return "\n\n".join([notation(), SHAPES_TEXT, DERIVE_EXAMPLES])


def table_names() -> list[str]:
    """The tables of rules/ in file order: a file's [section] `table`, where the file has a
    law or a worked example to derive (the simplifications have neither)."""
    from ..resources import rules_dir
    names = []
    try:
        files = sorted(rules_dir().glob("*.toml"))
    except FileNotFoundError:
        return names
    for path in files:
        text = path.read_text(encoding="utf-8")
        m = re.search(r'^table\s*=\s*"([^"]+)"', text, re.M)
        if m and ("[[law]]" in text or re.search(r"\bexpr\s*=", text)) and \
                m.group(1) not in names:
            names.append(m.group(1))
    return names
