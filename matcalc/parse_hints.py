"""Notations of neighbouring languages met in matcalc text, and literal nonsense, refused
with a hint that says what to write instead: MATLAB's `.*` `./` `.^` (matrixcalculus.org
syntax, read by `--dialect matrixcalculus`), NumPy/PyTorch module prefixes (`np.exp(x)` would
otherwise be the dot product of a vector `np` and `exp(x)`), a division by zero and a number
with no real value (`log(-1)`); and the mistakes of a text of statements (an equation, a
missing final expression).

Owns: `matlab_operator_error`, `module_prefix_error`, `statement_error`,
`division_by_zero_error`, `not_real_error` (log(-1), sqrt(1 - 5)), `negative_power_error`
((-8)^(1/3)) — each returns a `ParseError` (or None) for the parser to raise — and
`constant_value`, the exact value of what is written with numbers only.
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


def statement_error(e, text: str) -> ParseError | None:
    """Errors of a text of statements: an '=' where no name can be defined (an equation),
    definitions with no expression after them, an expression that is not the last one."""
    from .statements import grammar_text
    token = getattr(e, "token", None)
    kind = getattr(token, "type", "")
    pos = getattr(token, "start_pos", None)
    if kind == "EQUALS" and pos is not None:
        return ParseError("'=' here is an equation, and matcalc differentiates expressions",
                          text=text, span=(pos, pos + 1), label="equation",
                          hint="drop the '= …' part; to name a part of the expression write "
                               "h = … on a line (or before a ';') of its own, then use h")
    seen = grammar_text(text)
    statements = [s for s in seen.split(";") if s.strip()]
    if kind == "$END" and statements and re.match(r"\s*[A-Za-z_\u0370-\u03ff][\w\u0370-"
                                                  r"\u03ff\u2080-\u2089]*\s*=", statements[-1]):
        end = len(text.rstrip())
        return ParseError("the text ends with a definition: the expression to differentiate "
                          "is missing", text=text, span=(max(0, end - 1), max(1, end)),
                          label="no-expression",
                          hint="after the definitions comes the expression: "
                               "h = tanh(W @ x); sum(h)")
    before = seen[:pos].rstrip() if pos is not None else ""
    if before.endswith(";") and kind not in ("$END", "SEMI"):
        last = before[:-1].split(";")[-1]
        if not re.match(r"\s*[A-Za-z_\u0370-\u03ff][\w\u0370-\u03ff\u2080-\u2089]*\s*=",
                        last):
            start = len(before) - 1 - len(last) + (len(last) - len(last.lstrip()))
            return ParseError("only the last statement is the expression; the ones before "
                              "it define names", text=text,
                              span=(start, len(before) - 1), label="not-a-definition",
                              hint="name it (h = …) or remove it")
    return None


def division_by_zero_error(node, text: str) -> ParseError | None:
    """`x / 0`, `x / (1 - 1)`: a divisor that is the number zero (its derivative would print
    as 1 / 0)."""
    divisor = node.args[1]
    if divisor.op == "zeros" or constant_value(divisor) == 0:
        return ParseError("division by zero", text=text, span=divisor.span or node.span,
                          label="division-by-zero",
                          hint="divide by a nonzero number or by a variable")
    return None


_REAL = {"positive": (lambda v: v > 0, "positive numbers", "a positive number"),
         "nonnegative": (lambda v: v >= 0, "numbers ≥ 0", "a number ≥ 0")}


def not_real_error(node, record, name: str, text: str) -> ParseError | None:
    """`log(-1)`, `sqrt(1 - 5)`: a function of a number outside the numbers where its value
    is real (the record's `real`), which would be printed and exported as it stands."""
    if not record.real or len(node.args) != 1:
        return None
    v = constant_value(node.args[0])
    holds, where, one = _REAL[record.real]
    if v is None or holds(v):
        return None
    return ParseError(f"{name}({_number(v)}) is not a real number: {name} is real on {where}",
                      text=text, span=node.args[0].span or node.span, label="not-real",
                      hint=f"give {name} {one} or an expression of variables")


def negative_power_error(node, text: str) -> ParseError | None:
    """`(-8)^(1/3)`: a negative number to a fractional power has no real value; `0^-1` is a
    division by zero."""
    base, power = (constant_value(a) for a in node.args)
    if base == 0 and power is not None and power < 0:
        return ParseError("division by zero", text=text, span=node.span,
                          label="division-by-zero",
                          hint=f"0^({_number(power)}) is 1 / 0^{_number(-power)}: raise a "
                               "nonzero number or a variable to a negative power")
    if base is None or power is None or base >= 0 or power.denominator == 1:
        return None
    return ParseError(f"({_number(base)})^({_number(power)}) is not a real number: a negative "
                      "number to a fractional power", text=text, span=node.span,
                      label="not-real",
                      hint=f"for the real root write -({_number(-base)}^({_number(power)}))")


def _number(v) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def constant_value(e):
    """The exact value (a Fraction) of what the text writes with numbers only — `1 - 2`,
    `-4`, `2/3`, `2^3` — or None (a variable, a function, a size, a power too large)."""
    op = e.op
    if op == "num":
        return e.value
    if op == "neg" and len(e.args) == 1:
        v = constant_value(e.args[0])
        return None if v is None else -v
    if op not in ("add", "sub", "mul", "div", "pow") or len(e.args) != 2:
        return None
    a = constant_value(e.args[0])
    b = constant_value(e.args[1]) if a is not None else None
    if b is None:
        return None
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / b if b != 0 else None
    if b.denominator != 1 or abs(b) > 64 or (a == 0 and b < 0):
        return None
    return a ** int(b)
