"""Code for one value while a tree is printed as NumPy / PyTorch / JAX source: its text, its
precedence, whether it is a diagonal matrix carried as its vector, whether it is a Python
number; and the few string operations over values.

Owns: `Val`, the precedences (`ADD MUL UNARY POW ATOM`), `p`, `binop`, `as_vector`,
`trivial`.  Only text.
"""
from __future__ import annotations

from dataclasses import dataclass

ADD, MUL, UNARY, POW, ATOM = 10, 20, 30, 40, 50

@dataclass(frozen=True)
class Val:
    """Code for one value: `kind` dense, or diag (code is the diagonal's vector)."""
    code: str
    prec: int = ATOM
    kind: str = "dense"
    const: bool = False


def p(v: Val, min_prec: int) -> str:
    return v.code if v.prec >= min_prec else f"({v.code})"


def binop(a: Val, sym: str, b: Val, prec: int) -> Val:
    return Val(f"{p(a, prec)} {sym} {p(b, prec + 1)}", prec, const=a.const and b.const)


def as_vector(v: Val) -> Val:
    return Val(v.code, v.prec, const=v.const)


def trivial(code: str) -> bool:
    return code.replace(".", "").replace("_", "").isalnum() or code.lstrip("-").replace(
        ".", "").isdigit()
