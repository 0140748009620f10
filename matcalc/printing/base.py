"""The one precedence table and the dispatch every printer shares.

A printer defines `_print_<op>` methods; a node without one raises (no silent fallback).
"""
from __future__ import annotations

from fractions import Fraction

from ..errors import PrintError, UnsupportedError
from ..ops import REGISTRY
from ..rewrite import fold_nodes
from ..sizes import SCALAR
from ..tree import Expr

# higher binds tighter
PREC = {
    "add": 10, "sub": 10,
    "mul": 20, "div": 20, "matmul": 20, "dot": 20,
    "neg": 30,
    "pow": 40,
    "T": 50,
    "atom": 60,      # names, numbers, calls: kron(A, B) and diag(x) print as calls
}


def call_spelling(op: str):
    """The record of an operator that prints as a call `name(args)` (functions, reductions,
    max/min, kron, …), or None for the operators with a notation of their own."""
    rec = REGISTRY.get(op)
    if rec is not None and rec.names and rec.kind in ("ewise", "reduce", "func", "binary",
                                                     "linear"):
        return rec
    return None


def ewise_of_arrays(e: Expr) -> bool:
    """An element-wise product or quotient of two arrays (⊙, ⊘).  Left of a juxtaposition it
    is parenthesised: `u ⊙ v xᵀ` is (u ⊙ v) xᵀ, as the parser reads it, but looks like
    u ⊙ (v xᵀ)."""
    return e.op in ("mul", "div") and all(a.shape not in (None, SCALAR) for a in e.args)


class Printer:
    def doprint(self, e: Expr) -> str:
        meth = getattr(self, "_print_" + e.op, None)
        if meth is not None:
            return meth(e)
        rec = REGISTRY.get(e.op)
        if rec is not None and rec.kind == "const":
            return self.constant(rec)
        rec = call_spelling(e.op)
        if rec is None:
            raise PrintError(f"{type(self).__name__} cannot print '{e.op}'")
        return self.function(rec, e.args)

    def constant(self, rec) -> str:
        return rec.spelling

    def function(self, rec, args) -> str:
        """A call: how this printer writes `name(a, b)` for the operator's record."""
        raise NotImplementedError

    def prec(self, e: Expr) -> int:
        if e.op == "num":
            v = e.value
            if v < 0:
                return PREC["neg"]
            if v.denominator != 1 and not _is_decimal(v):
                return PREC["div"]
            return PREC["atom"]
        return PREC.get(e.op, PREC["atom"])

    def paren(self, e: Expr, min_prec: int) -> str:
        s = self.doprint(e)
        return self.wrap(s) if self.prec(e) < min_prec else s

    def wrap(self, s: str) -> str:
        return f"({s})"

    # -- shared by every printer: infix sums and the operands of a juxtaposition ------
    SYMBOLS = {"add": "+", "sub": "-"}

    def join(self, left: str, sym: str, right: str) -> str:
        return f"{left} {sym} {right}"

    def _binop(self, e: Expr, sym: str | None = None) -> str:
        p = PREC[e.op]
        return self.join(self.paren(e.args[0], p), sym or self.SYMBOLS[e.op],
                         self.paren(e.args[1], p + 1))

    def _print_add(self, e):
        return self._binop(e)

    def _print_sub(self, e):
        return self._binop(e)

    def wraps_left_of_juxt(self, a: Expr) -> bool:
        """`u ⊙ v xᵀ` is (u ⊙ v) xᵀ as the parser reads it, but looks like u ⊙ (v xᵀ)."""
        return ewise_of_arrays(a)

    def juxt_operands(self, a: Expr, b: Expr) -> tuple[str, str]:
        """The two sides of a product written by juxtaposition; the right one is a power
        (no leading minus, no product), as the grammar reads it."""
        left, right = self.paren(a, PREC["mul"]), self.paren(b, PREC["pow"])
        if self.wraps_left_of_juxt(a):
            left = self.wrap(left)
        if b.op == "num" and b.value < 0:
            right = self.wrap(right)
        return left, right


def _is_decimal(v: Fraction) -> bool:
    d = v.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    return d == 1


def format_number(v: Fraction) -> str:
    """Exact, readable, and parseable back: 3, 0.5, 1e-300, 1/3 (a division)."""
    if v.denominator == 1:
        n = abs(v.numerator)
        zeros = len(str(n)) - len(str(n).rstrip("0"))
        if zeros >= 16:  # 1e300, not three hundred digits
            digits = str(n).rstrip("0")
            mant = digits[0] + ("." + digits[1:] if digits[1:] else "")
            return f"{'-' if v < 0 else ''}{mant}e{len(str(n)) - 1}"
        return str(v.numerator)
    if not _is_decimal(v):
        return f"{v.numerator}/{v.denominator}"
    # exact decimal digits: a decimal fraction is m / 10^k
    k = 0
    while (v * 10 ** k).denominator != 1:
        k += 1
    m = int(v * 10 ** k)
    sign, digits = ("-" if m < 0 else ""), str(abs(m))
    if k <= 20:
        digits = digits.rjust(k + 1, "0")
        return f"{sign}{digits[:-k]}.{digits[-k:]}"
    # tiny numbers in scientific notation, still exact: 1.5e-30
    exp = len(digits) - 1 - k
    mant = digits[0] + ("." + digits[1:].rstrip("0") if digits[1:].rstrip("0") else "")
    return f"{sign}{mant}e{exp}"


MAX_WRITTEN = 2_000_000     # nodes of a tree written out in full (a subtree as often as it occurs)


def written_size(e: Expr, limit: int = MAX_WRITTEN) -> int:
    """How many nodes `e` has written out as a tree (shared subtrees counted as often as they
    occur), over its DAG; at most `limit` + 1."""
    return fold_nodes(e, lambda n, kids: min(limit + 1, 1 + sum(kids)))


def check_printable(e: Expr) -> None:
    """Refuse to write out a tree whose text would be too large to build (a deep chain's
    derivative written without names grows with the square of its depth)."""
    if written_size(e, MAX_WRITTEN) > MAX_WRITTEN:
        raise UnsupportedError(
            f"written out in full this expression has more than {MAX_WRITTEN:,} symbols "
            "(its parts are shared many times)", label="too-large-to-print",
            hint="print it with its shared parts named: Derivation.display() in Python, "
                 "or `matcalc derive`, which does")


def shared_nodes(e: Expr) -> set:
    """The ids of the node objects of `e` with more than one parent (by identity: no deep
    comparisons)."""
    seen, shared = set(), set()
    stack = [e]
    while stack:
        n = stack.pop()
        for a in n.args:
            if id(a) in seen:
                shared.add(id(a))
            else:
                seen.add(id(a))
                stack.append(a)
    return shared
