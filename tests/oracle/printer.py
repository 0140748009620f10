"""The oracle's printer: an oracle tree as matcalc text (the README's "The language" table).

Owns: `to_text(e)`.  Every compound operand is parenthesised, so the text means exactly the
tree whatever matcalc's precedences; style parameters choose among equivalent spellings
(`*` or `⊙`, `/` or `⊘`, `x'` or `x.T` or `xᵀ`) so that all of them are exercised.
"""
from __future__ import annotations

from .tree import Lit, Num, Ones, Op, Var

BINARY = {"add": "+", "sub": "-", "matmul": "@"}
CALLS = {"max": "max", "min": "min", "dot": "dot", "kron": "kron", "sum": "sum",
         "mean": "mean", "norm": "norm", "logsumexp": "logsumexp", "softmax": "softmax",
         "tr": "tr", "det": "det", "logdet": "logdet", "inv": "inv", "diag": "diag"}


def number(v: float) -> str:
    text = str(int(v)) if float(v).is_integer() else repr(float(v))
    return f"({text})" if v < 0 else text


def _atomic(e) -> bool:
    return isinstance(e, (Var, Num, Ones)) or (isinstance(e, Op) and e.op in CALLS) or \
        (isinstance(e, Op) and e.op == "fn") or isinstance(e, Lit)


def _p(e) -> str:
    """`e` printed, in parentheses unless it is an atom or a call."""
    text = to_text(e)
    return text if _atomic(e) else f"({text})"


def to_text(e) -> str:
    if isinstance(e, Var):
        return e.name
    if isinstance(e, Num):
        return number(e.value)
    if isinstance(e, Ones):
        return "𝟏"
    if isinstance(e, Lit):
        return "[" + "; ".join(", ".join(to_text(x) for x in row) for row in e.rows) + "]"
    op, args = e.op, e.args
    if op in BINARY:
        return f"{_p(args[0])} {BINARY[op]} {_p(args[1])}"
    if op == "mul":
        return f"{_p(args[0])} {e.param or '*'} {_p(args[1])}"
    if op == "div":
        return f"{_p(args[0])} {e.param or '/'} {_p(args[1])}"
    if op == "neg":
        return f"-{_p(args[0])}"
    if op == "fn":
        return f"{e.param}({to_text(args[0])})"
    if op == "pow":
        return f"{_p(args[0])}^{number(e.param)}"
    if op == "T":
        style = e.param or "'"
        return f"{_p(args[0])}{style}"
    if op in CALLS:
        return f"{CALLS[op]}({', '.join(to_text(a) for a in args)})"
    raise ValueError(f"cannot print {op}")
