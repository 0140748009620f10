"""Unicode text in the paper's notation that parses back to the same tree.

`step(w·x + b) xᵀ`: juxtaposition is the product of a scalar with anything (scalar expansion)
and the matrix product of two arrays, exactly as the parser reads it back; `⊙` is the
element-wise product of two arrays, `·` the dot product, `ᵀ` the transpose.
"""
from __future__ import annotations

from ..sizes import SCALAR
from ..tree import Expr
from ..rewrite import deep_recursion
from .base import check_printable, shared_nodes
from .base import PREC, Printer, ewise_of_arrays, format_number


class TextPrinter(Printer):
    def _print_var(self, e):
        return e.value

    def _print_pvar(self, e):
        return "?" + e.value

    def _print_size(self, e):
        return str(e.value)

    def _print_num(self, e):
        return format_number(e.value)

    def _print_ones(self, e):
        return "𝟏"

    def _print_zeros(self, e):
        return "𝟎"

    def _print_eye(self, e):
        return "I"

    def _print_div(self, e):
        return self._binop(e, "/")

    def _print_dot(self, e):
        p = PREC["dot"]
        return f"{self.paren(e.args[0], p)}·{self.paren(e.args[1], p + 1)}"

    def wraps_left_of_juxt(self, a):
        # (2 / N) x, never 2 / N x; (u ⊙ v) xᵀ, never u ⊙ v xᵀ
        return a.op == "div" or (a.op == "num" and a.value.denominator != 1 and
                                 self.prec(a) == PREC["div"]) or ewise_of_arrays(a)

    def _juxt(self, a, b):
        left, right = self.juxt_operands(a, b)
        return f"{left} {right}"

    def _print_mul(self, e):
        a, b = e.args
        if a.shape == SCALAR or b.shape == SCALAR:
            return self._juxt(a, b)
        return self._binop(e, "⊙")

    def _print_matmul(self, e):
        a, b = e.args
        if a.shape == SCALAR or b.shape == SCALAR:
            return self._binop(e, "@")
        return self._juxt(a, b)

    def _print_neg(self, e):
        return "-" + self.paren(e.args[0], PREC["neg"])

    def _print_pow(self, e):
        return f"{self.paren(e.args[0], PREC['T'])}^{self.paren(e.args[1], PREC['neg'])}"

    def _print_T(self, e):
        return self.paren(e.args[0], PREC["T"]) + "ᵀ"

    def _print_d(self, e):
        # dx for a variable (differentials appear in steps only, never in a parsed result)
        inner = e.args[0]
        if inner.op == "var":
            return "d" + inner.value
        return f"d({self.doprint(inner)})"

    def _call(self, name, args):
        return f"{name}({', '.join(self.doprint(a) for a in args)})"

    # the rule language's own calls, so that a rule can be shown in a message
    _PATTERN_CALLS = {"ones_like": "ones", "zeros_like": "zeros", "eye_like": "eye",
                      "count": "count", "jac": "jac", "grad": "grad",
                      "reshape_like": "reshape_like", "undiff": "undiff"}

    def __init__(self, memo: dict | None = None, shared: set | None = None):
        self.memo = memo       # node -> its text, for one call: a subtree shared many times
                               # (a deep chain's derivative) is printed once
        self.shared = shared   # ids of the nodes shared in the tree (None: remember all);
                               # other texts are remembered only when short: a deep chain's
                               # long texts, kept for every node, grow with its depth cubed

    def doprint(self, e):
        memo = self.memo
        if memo is not None:
            s = memo.get(e)
            if s is None:
                s = self._text(e)
                if self.shared is None or len(s) < 4096 or id(e) in self.shared:
                    memo[e] = s
            return s
        return self._text(e)

    def _text(self, e):
        name = self._PATTERN_CALLS.get(e.op)
        return self._call(name, e.args) if name else super().doprint(e)

    def _print_embed(self, e):
        # the block of a literal that starts at row/column `value`: only in index forms
        return f"E{str(e.value).translate(str.maketrans('0123456789', '₀₁₂₃₄₅₆₇₈₉'))}"

    def _print_unvec(self, e):
        # vec's inverse, shaped like its node (it appears only where a gradient passes
        # through a vec the user wrote)
        return f"unvec({self.doprint(e.args[0])}, {e.shape[0]}, {e.shape[1]})"

    def function(self, rec, args):
        return self._call(rec.spelling, args)

    def _print_vcat(self, e):
        rows = matrix_rows(e)
        if rows is not None:
            return "[" + "; ".join(", ".join(self.doprint(x) for x in r) for r in rows) + "]"
        # [a, b, c] stacks its entries (scalars or blocks) into a column, as the parser reads
        return "[" + ", ".join(self.doprint(a) for a in e.args) + "]"


def matrix_rows(e: Expr):
    """The rows of a matrix literal [a, b; c, d] — a vcat of rows of equal length, each an
    hcat of blocks or a transposed vcat of scalars — or None."""
    if len(e.args) < 2:
        return None
    rows = []
    for a in e.args:
        if a.op == "hcat":
            rows.append(a.args)
        elif a.op == "T" and a.args[0].op == "vcat" and \
                all(x.shape == SCALAR for x in a.args[0].args):
            rows.append(a.args[0].args)
        else:
            return None
    return rows if len({len(r) for r in rows}) == 1 else None


_PRINTER = TextPrinter()


def to_text(e: Expr) -> str:
    """The text of a typed tree, written out in full (a subtree as often as it occurs)."""
    check_printable(e)
    with deep_recursion(e):
        return TextPrinter({}, shared_nodes(e)).doprint(e)
