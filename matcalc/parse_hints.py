"""Notations of neighbouring languages met in matcalc text, and literal nonsense, refused
with a hint that says what to write instead: MATLAB's `.*` `./` `.^` (matrixcalculus.org
syntax, read by `--dialect matrixcalculus`), NumPy/PyTorch module prefixes (`np.exp(x)` would
otherwise be the dot product of a vector `np` and `exp(x)`), keyword arguments
(`softmax(x, dim=1)`), and a division by a literal zero.

Owns: `matlab_operator_error`, `module_prefix_error`, `keyword_argument_error`,
`division_by_zero_error` — each returns a `ParseError` (or None) for the parser to raise.
"""
from __future__ import annotations

import re

from .dialect import DIALECT_HINT, MATLAB_OPERATORS
from .errors import ParseError

MODULES = {"np", "numpy", "jnp", "jax", "torch", "math", "tf", "scipy"}
# NumPy names and matcalc's spelling of the same thing
NUMPY_NAMES = {"maximum": "max(a, b)", "minimum": "min(a, b)", "trace": "tr(A)",
               "matmul": "A @ B", "multiply": "a ⊙ b", "divide": "a ⊘ b",
               "transpose": "x'", "power": "x^p", "square": "x^2", "outer": "x y'",
               "linalg": "norm(x), inv(A), det(A)", "pi": "π (or pi)", "e": "e",
               "T": "x'"}


def matlab_operator_error(op: str, text: str, span) -> ParseError:
    """`.*`, `./`, `.^` in the default language."""
    what, spelling = MATLAB_OPERATORS[op]
    instead = {".*": "x ⊙ y (or x * y: '*' is element-wise in matcalc, and A @ x is the "
                     "matrix product)",
               "./": "x ⊘ y (or x / y: '/' is element-wise in matcalc)",
               ".^": "x^2 ('^' is element-wise in matcalc)"}[op]
    return ParseError(f"'{op}' is MATLAB's {what}, which matcalc writes {spelling}",
                      text=text, span=span, label="matlab-operator",
                      hint=f"write {instead}; {DIALECT_HINT}")


def module_prefix_error(module: str, left_span, dot_span, right_span,
                        text: str) -> ParseError | None:
    """`np.exp(x)`: a module name glued to a function by a dot (a dot product otherwise)."""
    if module not in MODULES or right_span is None or left_span[1] != dot_span[0] or \
            right_span[0] != dot_span[1]:
        return None
    right = text[right_span[0]:right_span[1]]
    m = re.match(r"[A-Za-z_]\w*", right)
    name = m.group(0) if m else right
    call = right[len(name):].lstrip().startswith("(")
    instead = NUMPY_NAMES.get(name, right if call else None)
    hint = f"write {instead}" if instead else "write the function without the module"
    return ParseError(f"'{module}.{name}' names a function of the {module} module; "
                      "matcalc's functions take no module prefix",
                      text=text, span=(left_span[0], right_span[1]), label="module-prefix",
                      hint=hint + " (the functions are listed by matcalc derive --help)")


def keyword_argument_error(text: str, pos: int) -> ParseError | None:
    """`softmax(x, dim=1)`: a keyword argument (the '=' would read as an equation)."""
    m = re.search(r"([A-Za-z_]\w*)\s*$", text[:pos])
    call = re.search(r"([A-Za-z_][\w]*)\((?:[^()]|\([^()]*\))*$", text[:pos])
    if not m or not call or not re.search(r"[(,]\s*[A-Za-z_]\w*\s*$", text[:pos]):
        return None
    fname = call.group(1)
    hint = (f"write {fname}(…) with its operands only; matcalc's functions have no options")
    if fname == "softmax":
        hint = ("softmax(x) takes a whole vector and has no dim or axis option: write "
                "softmax(x) for a vector x")
    elif fname in ("sum", "mean", "norm", "logsumexp"):
        hint = (f"{fname}(x) reduces over every entry (there is no axis); for a sum over "
                "rows write X @ 𝟏, over columns 𝟏' @ X")
    return ParseError(f"'{m.group(1)}=' is a keyword argument, which the language does not "
                      "have", text=text, span=(m.start(1), pos + 1), hint=hint,
                      label="keyword-argument")


def division_by_zero_error(node, text: str) -> ParseError | None:
    """`x / 0`: a literal zero divisor (its derivative would print as 1 / 0)."""
    divisor = node.args[1]
    if divisor.op == "zeros" or (divisor.op == "num" and divisor.value == 0):
        return ParseError("division by zero", text=text, span=divisor.span or node.span,
                          label="division-by-zero",
                          hint="divide by a nonzero number or by a variable")
    return None
