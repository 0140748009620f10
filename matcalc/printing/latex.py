"""LaTeX in the paper's notation (Parr & Howard): the closed forms of `--format latex`, the
reference tables and Jupyter's `_repr_latex_`.

Owns: `to_latex(expr)`.  Vectors are bold (`\\mathbf{x}`), matrices upper-case plain, scalars
italic; `\\mathbf{x}^T`, `\\operatorname{diag}`, `\\mathbf{1}`, `I`, `\\odot` for the
element-wise (Hadamard) product — ⊙ in every output; the paper's ⊗ is read as input —
`\\oslash` for element-wise division, `\\cdot` for the dot product, `\\frac{}{}` for
division by a scalar.  Parentheses come from the one precedence
table in `base`, so LaTeX and text group alike.  A node without a rule raises `PrintError`.

>>> from matcalc import parse
>>> to_latex(parse("max(0, w.x + b)", {"w": "n", "x": "n"}))
'\\\\max\\\\left(0, \\\\mathbf{w} \\\\cdot \\\\mathbf{x} + b\\\\right)'
"""
from __future__ import annotations

import re
import unicodedata

from ..sizes import SCALAR
from ..tree import Expr
from ..rewrite import deep_recursion
from .base import PREC, Printer, format_number

# the rule language's own functions (in printed rules and tables)
_PATTERN_CALLS = {"count", "jac", "grad", "ones_like", "zeros_like", "eye_like"}
# capital Greek letters that LaTeX spells; the others look like Latin capitals
_CAPITAL_GREEK = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi",
                  "Psi", "Omega"}


def _greek(ch: str) -> str | None:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    m = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER (\w+)", name)
    if not m:
        return None
    word = m.group(2).lower().replace("lamda", "lambda")
    if m.group(1) == "SMALL":
        return {"omicron": "o", "final sigma": r"\varsigma"}.get(word, "\\" + word)
    word = word.capitalize()
    if word in _CAPITAL_GREEK:
        return "\\" + word
    return {"Alpha": "A", "Beta": "B", "Epsilon": "E", "Zeta": "Z", "Eta": "H", "Iota": "I",
            "Kappa": "K", "Mu": "M", "Nu": "N", "Omicron": "O", "Rho": "P", "Tau": "T",
            "Chi": "X"}.get(word, word)


def latex_name(name: str, bold: bool = False) -> str:
    """`x_i` -> x_{i}, `W1` -> W_{1}, `β` -> \\beta; bold for vectors."""
    name = name.translate({0x2080 + i: str(i) for i in range(10)})
    base, sub = name, ""
    if "_" in name and not name.startswith("_"):
        base, sub = name.split("_", 1)
    else:
        m = re.fullmatch(r"(.*?[^0-9])([0-9]+)", name)
        if m:
            base, sub = m.group(1), m.group(2)
    parts = [_greek(c) or c for c in base]
    greek = any(p.startswith("\\") for p in parts)
    if len(base) == 1:
        body = parts[0]
    else:
        body = " ".join(parts) if greek else rf"\mathit{{{base}}}"
        if not greek and bold:
            body = base
    if bold:
        body = rf"\boldsymbol{{{body}}}" if greek else rf"\mathbf{{{body}}}"
    if sub:
        sub = sub.replace("_", r"\_")
        body += f"_{{{sub}}}"
    return body


def _is_vector(e: Expr) -> bool:
    shape = e.shape
    if not shape or shape == SCALAR:
        return False
    return (shape[0] == 1) != (shape[1] == 1)


def _is_scalar(e: Expr) -> bool:
    return e.shape is None or e.shape == SCALAR


class LatexPrinter(Printer):
    def wrap(self, s: str) -> str:
        return rf"\left({s}\right)"

    # -- leaves ----------------------------------------------------------------------
    def _print_var(self, e):
        return latex_name(e.value, bold=_is_vector(e))

    def _print_pvar(self, e):
        return latex_name(e.value, bold=_is_vector(e))

    def _print_size(self, e):
        return latex_name(str(e.value))

    def _print_num(self, e):
        v = e.value
        if v.denominator != 1 and format_number(v).count("/"):
            return rf"\frac{{{v.numerator}}}{{{v.denominator}}}"
        s = format_number(v)
        if "e" in s:
            mant, exp = s.split("e")
            power = rf"10^{{{int(exp)}}}"
            return power if mant == "1" else rf"{mant} \times {power}"
        return s

    def _print_ones(self, e):
        return r"\mathbf{1}"

    def _print_zeros(self, e):
        return r"\mathbf{0}"

    def _print_eye(self, e):
        return "I"

    # -- operators -------------------------------------------------------------------
    def _juxt(self, e):
        a, b = e.args
        left, right = self.juxt_operands(a, b)
        # two numbers side by side would read as one: 2 \times 3
        sep = r" \times " if b.op == "num" or (a.op == "num" and right[:1].isdigit()) else " "
        return left + sep + right

    def _print_mul(self, e):
        a, b = e.args
        if _is_scalar(a) or _is_scalar(b):
            return self._juxt(e)
        return self._binop(e, r"\odot")

    def _print_div(self, e):
        a, b = e.args
        if _is_scalar(b):
            return rf"\frac{{{self.doprint(a)}}}{{{self.doprint(b)}}}"
        return self._binop(e, r"\oslash")

    def _print_matmul(self, e):
        return self._juxt(e)

    def _print_dot(self, e):
        return self._binop(e, r"\cdot")

    def _print_neg(self, e):
        return "-" + self.paren(e.args[0], PREC["neg"])

    def script_base(self, e: Expr) -> str:
        """The base of a superscript, parenthesised when it carries one already:
        `X^{-1}^T` is a double superscript, which TeX rejects."""
        s = self.paren(e, PREC["atom"])
        if e.op == "inv" or (e.op == "num" and "^" in s):
            s = self.wrap(s)
        return s

    def _print_pow(self, e):
        return f"{self.script_base(e.args[0])}^{{{self.doprint(e.args[1])}}}"

    def _print_T(self, e):
        if e.args[0].op == "inv":                # (X^{-1})^T = X^{-T}
            return self.script_base(e.args[0].args[0]) + "^{-T}"
        return self.script_base(e.args[0]) + "^T"

    def _print_inv(self, e):
        if e.args[0].op == "T":                  # (X^T)^{-1} = X^{-T}
            return self.script_base(e.args[0].args[0]) + "^{-T}"
        return self.script_base(e.args[0]) + "^{-1}"

    def _print_d(self, e):
        inner = e.args[0]
        if inner.op in ("var", "pvar"):
            return "d" + self.doprint(inner)
        return "d" + self.wrap(self.doprint(inner))

    def _print_sqrt(self, e):
        return rf"\sqrt{{{self.doprint(e.args[0])}}}"

    def _print_abs(self, e):
        return rf"\left|{self.doprint(e.args[0])}\right|"

    def _print_norm(self, e):
        return rf"\left\|{self.doprint(e.args[0])}\right\|"

    def _call(self, name, args):
        return name + self.wrap(", ".join(self.doprint(a) for a in args))

    def _print_vcat(self, e):
        from .text import matrix_rows
        rows = matrix_rows(e)
        if rows is None:
            rows = [[a] for a in e.args]
        body = r" \\ ".join(" & ".join(self.doprint(x) for x in r) for r in rows)
        return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"

    def _print_hcat(self, e):
        body = " & ".join(self.doprint(a) for a in e.args)
        return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"

    def _print_commutation(self, e):
        r, c = e.args[0].shape
        return rf"K_{{{r},{c}}}".replace("*", r"\,")

    def function(self, rec, args):
        name = rec.latex or rf"\operatorname{{{rec.spelling}}}"
        return self._call(name, args)

    def constant(self, rec):
        return rec.latex or rec.spelling

    def __getattr__(self, name):
        if name.startswith("_print_") and name[len("_print_"):] in _PATTERN_CALLS:
            op = name[len("_print_"):]
            return lambda e: self._call(rf"\operatorname{{{op.replace('_', chr(92) + '_')}}}",
                                        e.args)
        raise AttributeError(name)


_PRINTER = LatexPrinter()


def to_latex(e: Expr) -> str:
    """LaTeX (math mode, no delimiters) for a typed tree."""
    with deep_recursion(e):
        return _PRINTER.doprint(e)
