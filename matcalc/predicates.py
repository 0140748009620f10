"""Structural predicates the simplification rules may ask (`where = ["symmetric(?a)"]`):
facts read off how an expression is built, never from values.

Owns: `symmetric(e)` and `positive(e)`.
- symmetric: `I`, `diag(v)`, `A Aᵀ`, `Aᵀ A`, `Aᵀ B A` with B symmetric, `A + Aᵀ`, and what keeps
  symmetry: `Sᵀ`, `inv(S)`, `S ± T`, `−S`, `s S` (s scalar), `S ⊙ T`, `S ⊘ T`, `S^k`, an
  element-wise function of S, `kron(S, T)` — of symmetric S, T; a square 𝟎 or 𝟏.
- positive: a positive number, a size (`N`), π and e, `exp(·)`, and products, quotients
  and powers of positive ones.
Invariant: a predicate that holds is true of every value of the variables (it may miss a
symmetric or positive expression, never call another one so).

>>> from matcalc import parse
>>> symmetric(parse("inv(X @ X') + 2 I", {"X": "n,m"})), symmetric(parse("X", {"X": "n,n"}))
(True, False)
"""
from __future__ import annotations

from .ops import kind
from .tree import SCALAR, Expr

_KEEPS = ("T", "inv", "neg")


def _square(e: Expr) -> bool:
    return e.shape != SCALAR and e.shape[0] == e.shape[1]


def _chain(e: Expr) -> list:
    stack, out = [e], []
    while stack:
        n = stack.pop()
        if n.op == "matmul":
            stack += [n.args[1], n.args[0]]
        else:
            out.append(n)
    return out


def _transpose_of(a: Expr, b: Expr) -> bool:
    return (b.op == "T" and b.args[0] == a) or (a.op == "T" and a.args[0] == b)


def _palindrome(fs: list) -> bool:
    """F₁ … F_k with F_{k+1−i} = F_iᵀ and a symmetric middle: A Aᵀ, Aᵀ B A, A B C Bᵀ Aᵀ."""
    i, j = 0, len(fs) - 1
    while i < j:
        if not _transpose_of(fs[i], fs[j]):
            return False
        i, j = i + 1, j - 1
    return i > j or symmetric(fs[i])


def symmetric(e: Expr) -> bool:
    """e is a square matrix equal to its transpose, whatever its variables' values."""
    if not _square(e):
        return False
    op, a = e.op, e.args
    if op in ("eye", "zeros", "ones"):
        return True
    if op == "diag":
        return a[0].is_vector
    if op == "matmul":
        return _palindrome(_chain(e))
    if op in _KEEPS:
        return symmetric(a[0])
    if op in ("add", "mul") and _transpose_of(a[0], a[1]):
        return True                                   # A + Aᵀ, A ⊙ Aᵀ
    if op in ("add", "sub", "mul", "div", "kron", "max", "min"):
        return all(x.shape == SCALAR or symmetric(x) for x in a)
    if op == "pow":
        return symmetric(a[0]) and a[1].shape == SCALAR
    if kind(op) == "ewise":
        return symmetric(a[0])
    return False


def positive(e: Expr) -> bool:
    """e is a scalar greater than 0 wherever it is defined."""
    if e.shape != SCALAR:
        return False
    op, a = e.op, e.args
    if op == "num":
        return e.value > 0
    if op in ("size", "pi", "e", "exp"):
        return True
    if op in ("mul", "div"):
        return all(positive(x) for x in a)
    if op == "pow":
        return positive(a[0])
    if op == "sqrt":
        return positive(a[0])
    return False
