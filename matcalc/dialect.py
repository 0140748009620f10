"""The dialects of the input language: matcalc's own (the default) and matrixcalculus.org's,
so that its users can paste their inputs (`--dialect matrixcalculus`, `dialect=` in Python).

Owns: `DIALECTS`, `check_dialect(name)`, the site's letter convention for the types of
undeclared names (`letter_kind`: a–g scalars, h–z vectors, A–Z matrices), and the hints that
point users of one notation at the other (`DIALECT_HINT`, `MATLAB_OPERATORS`).
In the matrixcalculus dialect `*` is the matrix product (a scalar scales), `.*` `./` `.^` are
element-wise, `'` transposes, and `norm1 norm2 vector matrix eye` are macros of the operator
registry visible only there (`matcalc.ops.dialect`).  The parser reads the operators
(`parser.py`), shape inference gives undeclared names their letter's kind (`shapes.py`).
Imports nothing of matcalc but `errors`.

>>> letter_kind("x"), letter_kind("c"), letter_kind("X"), letter_kind("β")
('vector', 'scalar', 'matrix', None)
"""
from __future__ import annotations

from .errors import UsageError

DEFAULT = "matcalc"
MATRIXCALCULUS = "matrixcalculus"
DIALECTS = (DEFAULT, MATRIXCALCULUS)

DIALECT_HINT = ("to paste matrixcalculus.org (or MATLAB) input as it is, use --dialect "
                "matrixcalculus (Python: dialect='matrixcalculus')")

# MATLAB's element-wise operators, and how matcalc writes them
MATLAB_OPERATORS = {".*": ("element-wise product", "⊙ (or *)"),
                    "./": ("element-wise quotient", "⊘ (or /)"),
                    ".^": ("element-wise power", "^")}


def check_dialect(name) -> str:
    """The dialect's canonical name, or a UsageError naming the dialects."""
    if name is None:
        return DEFAULT
    if isinstance(name, str) and name.strip().lower() in DIALECTS:
        return name.strip().lower()
    raise UsageError(f"unknown dialect {name!r}", label="bad-dialect",
                     hint="the dialects are: " + ", ".join(DIALECTS))


def letter_kind(name: str) -> str | None:
    """matrixcalculus.org's convention by the first letter: 'scalar' (a–g), 'vector' (h–z),
    'matrix' (A–Z); None for a name it says nothing about (Greek, _)."""
    first = name[:1]
    if "a" <= first <= "g":
        return "scalar"
    if "h" <= first <= "z":
        return "vector"
    if "A" <= first <= "Z":
        return "matrix"
    return None
