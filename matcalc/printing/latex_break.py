"""Long LaTeX equations broken into lines: before a `+`/`−` of a sum, between the factors of
a product, and — when one part is still too wide — inside its parentheses, each line kept
balanced with `\\right.` / `\\left.`.

Owns: `break_latex(e, width) -> [line, …]`.  Widths are measured on the Unicode text of a
part (`str(e)`), a proxy for its printed width.
Invariant: joining the lines with spaces gives LaTeX equal in meaning to `to_latex(e)`, and
every line has as many `\\left` as `\\right`; an expression that fits is one line, exactly
`to_latex(e)`.
"""
from __future__ import annotations

import functools

from ..tree import SCALAR, Expr
from .base import PREC, call_spelling, ewise_of_arrays, written_size
from .latex import _PRINTER, to_latex


_LONG = 10_000       # nodes: a tree with more is wider than any line (each prints a symbol)


@functools.lru_cache(maxsize=4096)
def _w(e: Expr) -> int:
    """The text width of `e`; past `_LONG` nodes only that it is wider than any line (a
    deep chain's parts: measuring each by printing it would cost its depth cubed).  Widths
    are remembered: the breaking meets a subtree as often as it is written."""
    if written_size(e, _LONG) > _LONG:
        return _LONG + 1
    return len(str(e))


def _wrapped(e: Expr, min_prec: int) -> bool:
    return _PRINTER.prec(e) < min_prec


def _wrap(open_: str, inner: list, close: str) -> list:
    """Lines of `open inner close`, each balanced: `\\left(` … `\\right.` / `\\left.` … ."""
    if len(inner) == 1:
        return [open_ + inner[0] + close]
    return ([open_ + inner[0] + r" \right."] + [r"\left. " + ln + r" \right." for ln in inner[1:-1]]
            + [r"\left. " + inner[-1] + close])


def _child(e: Expr, min_prec: int, width: int, force: bool = False) -> list:
    """The lines of an operand, with the parentheses the printer would give it."""
    if _wrapped(e, min_prec) or force:
        return _wrap(r"\left(", break_latex(e, width - 2), r"\right)")
    return break_latex(e, width)


def _pack(pieces: list, width: int) -> list:
    """Pieces (lists of lines; a piece's continuation lines stay on their own) packed into
    lines of about `width` characters (measured on the pieces' text widths)."""
    lines, line, used = [], "", 0
    for lns, w in pieces:
        if len(lns) > 1:
            if line:
                lines.append(line)
            lines += lns[:-1]
            line, used = lns[-1], width          # what follows starts a new line
            continue
        if line and used + w > width:
            lines.append(line)
            line, used = lns[0], w
        else:
            line, used = (f"{line} {lns[0]}" if line else lns[0]), used + w
    lines.append(line)
    return lines


def _terms(e: Expr, sign: str = "+") -> list:
    if e.op in ("add", "sub"):
        right = "-" if (e.op == "sub") == (sign == "+") else "+"
        return _terms(e.args[0], sign) + _terms(e.args[1], right)
    return [(sign, e)]


def _chain(e: Expr, op: str) -> list:
    if e.op == op and (op != "mul" or all(a.shape != SCALAR for a in e.args)):
        return _chain(e.args[0], op) + [e.args[1]]
    return [e]


def break_latex(e: Expr, width: int) -> list[str]:
    """`e` as balanced lines of LaTeX of about `width` characters each (see the module)."""
    if _w(e) <= width:
        return [to_latex(e)]
    op, a = e.op, e.args
    if op in ("add", "sub"):
        pieces = []
        for k, (sign, t) in enumerate(_terms(e)):
            lead = "" if k == 0 else ("- " if sign == "-" else "+ ")
            lns = _child(t, PREC["add"] + (sign == "-"), width - 2)
            pieces.append(([lead + lns[0]] + lns[1:], _w(t) + len(lead)))
        return _pack(pieces, width)
    if op == "dot":                                                  # u · v
        left, right = _child(a[0], PREC["dot"], width), _child(a[1], PREC["dot"] + 1, width)
        right[0] = r"\cdot " + right[0]
        return _pack([(left, _w(a[0])), (right, _w(a[1]) + 2)], width)
    if op == "mul" and all(x.shape != SCALAR for x in a):          # u ⊙ v ⊙ w
        fs = _chain(e, "mul")
        pieces = [(_child(f, PREC["mul"] + (i > 0), width), _w(f) + 2) for i, f in enumerate(fs)]
        for lns, _ in pieces[1:]:
            lns[0] = r"\odot " + lns[0]
        return _pack(pieces, width)
    if op == "mul" and (a[1].op == "num" or (a[0].op == "num" and str(a[1])[:1].isdigit())):
        return [to_latex(e)]                        # 2 \times 3: kept whole
    if op in ("matmul", "mul") and e.shape is not None:             # juxtaposition
        fs = _chain(e, "matmul") if op == "matmul" else list(a)
        pieces = []
        for i, f in enumerate(fs):
            left = i == 0
            force = left and _PRINTER.wraps_left_of_juxt(f) and len(fs) > 1
            lns = _child(f, PREC["mul"] if left else PREC["pow"], width, force)
            pieces.append((lns, _w(f)))
        return _pack(pieces, width)
    if op == "T" and a[0].op != "inv":
        inner = a[0]
        if _wrapped(inner, PREC["atom"]):
            return _wrap(r"\left(", break_latex(inner, width - 4), r"\right)^T")
        lns = break_latex(inner, width - 2)
        return lns[:-1] + [lns[-1] + "^T"]
    if op == "neg":
        lns = _child(a[0], PREC["neg"], width - 1)
        return ["-" + lns[0]] + lns[1:]
    rec = call_spelling(op)
    if rec is not None and op not in ("sqrt", "abs", "norm") and len(a) == 1:
        name = rec.latex or rf"\operatorname{{{rec.spelling}}}"
        return _wrap(name + r"\left(", break_latex(a[0], width - 6), r"\right)")
    if op == "div" and a[1].shape == SCALAR and _w(a[0]) > width // 2:
        # a long numerator over a scalar: 1/d (…), the parentheses broken across lines
        head = rf"\frac{{1}}{{{to_latex(a[1])}}} \left("
        return _wrap(head, break_latex(a[0], width - _w(a[1]) - 4), r"\right)")
    if ewise_of_arrays(e) and op == "div":
        lns = _child(a[0], PREC["div"], width)
        return lns + [r"\oslash " + _PRINTER.paren(a[1], PREC["div"] + 1)]
    return [to_latex(e)]
