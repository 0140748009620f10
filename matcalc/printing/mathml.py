"""Presentation MathML in the paper's notation, for the standalone HTML reference tables.

Owns: `to_mathml(expr, display=False)`.  Browsers render MathML Core natively, so the HTML
needs no script, font or network: vectors are upright bold (class `b`, styled by the page),
matrices and scalars italic, `⊙` the element-wise product (as in the text; the paper's ⊗ is
read as input), `⊘` element-wise division, `·` the
dot product, a fraction for division by a scalar — the same choices as the LaTeX printer.
Parentheses come from the one precedence table in `base`; a base that carries a script
(`X⁻¹`, `xᵀ`) is parenthesised before another script goes on it.
Invariant: every text node is escaped; a node without a rule raises PrintError.

>>> from matcalc import parse
>>> to_mathml(parse("x'", {"x": "n"}))
'<math><msup><mi mathvariant="normal" class="b">x</mi><mi mathvariant="normal">T</mi></msup></math>'
"""
from __future__ import annotations

import html
import re

from ..sizes import SCALAR
from ..tree import Expr
from ..rewrite import deep_recursion
from .base import PREC, Printer, format_number

_SCRIPTED = ("pow", "T", "inv")


def _mo(s: str) -> str:
    return f"<mo>{html.escape(s)}</mo>"


def _fence(s: str) -> str:
    return f'<mo stretchy="false" lspace="0" rspace="0">{html.escape(s)}</mo>'


_THIN = '<mspace width="0.2em"></mspace>'


def _row(*parts: str) -> str:
    return "<mrow>" + "".join(parts) + "</mrow>"


def _is_vector(e: Expr) -> bool:
    return e.shape is not None and e.shape != SCALAR and (e.shape[0] == 1) != (e.shape[1] == 1)


def _name(name: str, bold: bool) -> str:
    base, sub = name, ""
    if "_" in name and not name.startswith("_"):
        base, sub = name.split("_", 1)
    else:
        m = re.fullmatch(r"(.*?[^0-9])([0-9]+)", name)
        if m:
            base, sub = m.group(1), m.group(2)
    attrs = ' mathvariant="normal" class="b"' if bold else ""
    mi = f"<mi{attrs}>{html.escape(base)}</mi>"
    if not sub:
        return mi
    tag = "mn" if sub.isdigit() else "mi"
    return f"<msub>{mi}<{tag}>{html.escape(sub)}</{tag}></msub>"


class MathMLPrinter(Printer):
    def wrap(self, s: str) -> str:
        return _row(_fence("("), s, _fence(")"))

    def script_base(self, e: Expr) -> str:
        s = self.paren(e, PREC["atom"])
        return self.wrap(s) if e.op in _SCRIPTED or (e.op == "num" and e.value < 0) else s

    # -- leaves ----------------------------------------------------------------------
    def _print_var(self, e):
        return _name(e.value, _is_vector(e))

    _print_pvar = _print_var

    def _print_size(self, e):
        return _name(str(e.value), False)

    def _print_num(self, e):
        v = e.value
        s = format_number(abs(v))
        if "/" in s:
            body = f"<mfrac><mn>{abs(v.numerator)}</mn><mn>{v.denominator}</mn></mfrac>"
        elif "e" in s:
            mant, exp = s.split("e")
            power = f"<msup><mn>10</mn><mn>{html.escape(exp)}</mn></msup>"
            body = power if mant == "1" else _row(f"<mn>{mant}</mn>", _mo("×"), power)
        else:
            body = f"<mn>{s}</mn>"
        return _row(_mo("−"), body) if v < 0 else body

    def _print_ones(self, e):
        return '<mn class="b">1</mn>'

    def _print_zeros(self, e):
        return '<mn class="b">0</mn>'

    def _print_eye(self, e):
        return "<mi>I</mi>"

    # -- operators -------------------------------------------------------------------
    SYMBOLS = {"add": "+", "sub": "−"}

    def join(self, left, sym, right):
        return _row(left, _mo(sym), right)

    def _juxt(self, e):
        a, b = e.args
        left, right = self.juxt_operands(a, b)
        if b.op == "num" or (a.op == "num" and right.startswith("<mn")):
            return _row(left, _mo("×"), right)
        return _row(left, _THIN, right)

    def _print_mul(self, e):
        a, b = e.args
        if a.shape == SCALAR or b.shape == SCALAR:
            return self._juxt(e)
        return self._binop(e, "⊙")

    def _print_div(self, e):
        a, b = e.args
        if b.shape == SCALAR:
            return f"<mfrac>{self.doprint(a)}{self.doprint(b)}</mfrac>"
        return self._binop(e, "⊘")

    def _print_matmul(self, e):
        return self._juxt(e)

    def _print_dot(self, e):
        return self._binop(e, "·")

    def _print_neg(self, e):
        return _row(_mo("−"), self.paren(e.args[0], PREC["neg"]))

    def _print_pow(self, e):
        return f"<msup>{self.script_base(e.args[0])}{self.doprint(e.args[1])}</msup>"

    def _print_T(self, e):
        return f'<msup>{self.script_base(e.args[0])}<mi mathvariant="normal">T</mi></msup>'

    def _print_inv(self, e):
        return f"<msup>{self.script_base(e.args[0])}{_row(_mo('−'), '<mn>1</mn>')}</msup>"

    def _print_d(self, e):
        return _row("<mi>d</mi>", self.script_base(e.args[0]))

    def _print_sqrt(self, e):
        return f"<msqrt>{self.doprint(e.args[0])}</msqrt>"

    def _print_abs(self, e):
        return _row(_fence("|"), self.doprint(e.args[0]), _fence("|"))

    def _print_norm(self, e):
        return _row(_fence("‖"), self.doprint(e.args[0]), _fence("‖"))

    def _call(self, name, args):
        inner = _mo(",").join(self.doprint(a) for a in args)
        return _row(f"<mi>{html.escape(name)}</mi>", _mo("\u2061"), self.wrap(inner))

    def _table(self, rows):
        body = "".join("<mtr>" + "".join(f"<mtd>{self.doprint(x)}</mtd>" for x in r) + "</mtr>"
                       for r in rows)
        return _row(_fence("["), f"<mtable>{body}</mtable>", _fence("]"))

    def _print_vcat(self, e):
        from .text import matrix_rows
        rows = matrix_rows(e)
        return self._table(rows if rows is not None else [[a] for a in e.args])

    def _print_hcat(self, e):
        return self._table([list(e.args)])

    def function(self, rec, args):
        return self._call(rec.mathml or rec.spelling, args)

    def constant(self, rec):
        return f"<mi>{html.escape(rec.mathml or rec.spelling)}</mi>"


_PRINTER = MathMLPrinter()


def to_mathml(e: Expr, display: bool = False, displaystyle: bool = False) -> str:
    """A `<math>` element for a typed tree; `display`: a block of its own, `displaystyle`:
    inline but set in display style (fractions full size, as in the reference tables)."""
    attrs = (' display="block"' if display else "") + \
        (' displaystyle="true"' if displaystyle else "")
    with deep_recursion(e):
        return f"<math{attrs}>{_PRINTER.doprint(e)}</math>"
