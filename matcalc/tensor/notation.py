"""The index form printed: index (Ricci/Einstein) notation in text and LaTeX, and as einsum.

Owns: `index_text(form, …)`, `index_latex(form, …)`, `einsum_text(form)`.
`∂f_ij/∂X_kl = W_ik δ_jl`: output indices are i, j, k, l, … in the order of the array's
axes, summed ones p, q, r, …, each sum written out (Σ_p A_ip B_pj); a Kronecker axis (a
group of indices) is written (ik).  The einsum form names each factor's expression and
writes `I` for a delta: `einsum('ik,jl->ijkl', W, I)`.
"""
from __future__ import annotations

from fractions import Fraction

from ..printing.base import format_number
from .arrays import einsum_spec

OUT_LETTERS = "ijklmnabcdefgh"
SUM_LETTERS = "pqrstuvwyzαβγ"
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _ordered(factors, names):
    """(scalars, indexed factors in output order, denominators): how a term reads —
    -det(X) [inv(X)]_jk [inv(X)]_li, X_ij X_kl, … / sum(exp(X))."""
    lead = [(e, ()) for e, idx in factors if not idx and not _reciprocal(e)]
    under = [e.args[1] for e, idx in factors if not idx and _reciprocal(e)]
    indexed = sorted(((e, idx) for e, idx in factors if idx),
                     key=lambda f: sorted(_letter_rank(names[i]) for i in f[1]))
    return lead, indexed, under


def _reciprocal(e) -> bool:
    return e.op == "div" and e.args[0].op == "num" and e.args[0].value == 1


def _letter_rank(name: str):
    """Output letters in their order (i, j, k, …), then the summed ones."""
    return (OUT_LETTERS.index(name) if name in OUT_LETTERS else len(OUT_LETTERS), name)


def _names(form) -> dict:
    names, k = {}, 0
    for g in form.out:
        for i in g:
            names[i] = OUT_LETTERS[k] if k < len(OUT_LETTERS) else f"i{k}"
            k += 1
    return names


def _summed(term, names) -> list:
    out = []
    for i in sorted(term.indices()):
        if i not in names:
            k = len(out)
            names[i] = SUM_LETTERS[k] if k < len(SUM_LETTERS) else f"s{k}"
            out.append(i)
    return out


def _group(g, names, latex=False) -> str:
    s = "".join(names[i] for i in g)
    return s if len(g) == 1 else f"({s})"


def _factor_text(e, idx, names) -> str:
    body = str(e)
    if not idx:                                   # a scalar factor
        return f"({body})" if e.op in ("add", "sub", "neg", "mul", "div", "matmul", "dot") \
            and " " in body else body
    if e.op != "var":
        body = f"[{body}]"
    return body + "_" + "".join(names[i] for i in idx)


def _coef_text(c: Fraction, first: bool) -> tuple[str, str]:
    sign = "-" if c < 0 else ("" if first else "+")
    mag = abs(c)
    return sign, ("" if mag == 1 else format_number(mag) + " ")


def _rounds(form, names, latex=False) -> list:
    """[(variable, subscript)] per round, the axes of one round written together."""
    out: dict = {r: (who, "") for r, who in enumerate(form.rounds, 1)}
    for g, who, role in zip(form.out, form.names, form.roles):
        if role:
            name, sub = out.get(role, (who, ""))
            out[role] = (name, sub + _group(g, names, latex))
    return [out[r] for r in sorted(out)]


def _lhs(form, yname: str, order: int) -> str:
    names = _names(form)
    ys = [g for g, role in zip(form.out, form.roles) if role == 0]
    head = "∂" + (str(order).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
                  if order > 1 else "")
    top = head + yname + ("_" + "".join(_group(g, names) for g in ys) if ys else "")
    bottom = "".join(f"∂{who}" + (f"_{sub}" if sub else "") for who, sub in
                     _rounds(form, names))
    return f"{top}/{bottom}" if bottom else top


def index_text(form, yname: str = "f", order: int = 1) -> str:
    """`∂f_ij/∂X_kl = W_ik δ_jl` (0 when the form has no terms)."""
    lhs = _lhs(form, yname, order)
    if not form.terms:
        return f"{lhs} = 0"
    parts = []
    for n, t in enumerate(form.terms):
        names = _names(form)
        summed = _summed(t, names)
        sign, mag = _coef_text(t.coef, n == 0)
        lead, indexed, under = _ordered(t.factors, names)
        pieces = [_factor_text(e, idx, names) for e, idx in lead + indexed]
        pieces += ["δ_" + "".join(sorted((names[a], names[b]), key=_letter_rank))
                   for a, b in t.deltas]
        body = " ".join(pieces) or ("" if under and mag else "1")
        if under:
            body += (" / " if body else "/ ") + " ".join(_factor_text(e, (), names) if e.op in ("var", "size")
                                     or " " not in str(e) else f"({e})" for e in under)
        if summed:
            body = "Σ_" + "".join(names[i] for i in summed) + " " + body
        parts.append((sign + " " if sign and n else sign) + mag + body)
    return f"{lhs} = " + " ".join(parts)


def index_latex(form, yname: str = "f", order: int = 1) -> str:
    """The same in LaTeX (math mode, no delimiters)."""
    from ..printing.latex import to_latex
    names = _names(form)
    ys = [g for g, role in zip(form.out, form.roles) if role == 0]
    head = r"\partial" + (f"^{{{order}}}" if order > 1 else "")
    top = head + " " + yname + ("_{" + "".join(_group(g, names) for g in ys) + "}" if ys else "")
    bottom = " ".join(rf"\partial {who}" + (f"_{{{sub}}}" if sub else "")
                      for who, sub in _rounds(form, names))
    lhs = rf"\frac{{{top}}}{{{bottom}}}"
    if not form.terms:
        return lhs + " = 0"
    parts = []
    for n, t in enumerate(form.terms):
        names = _names(form)
        summed = _summed(t, names)
        sign, mag = _coef_text(t.coef, n == 0)
        pieces = []
        for e, idx in t.factors:
            body = to_latex(e)
            if e.op != "var":
                body = rf"\left[{body}\right]"
            pieces.append(body + ("_{" + "".join(names[i] for i in idx) + "}" if idx else ""))
        pieces += [r"\delta_{" + "".join(sorted((names[a], names[b]), key=_letter_rank)) + "}"
                   for a, b in t.deltas]
        body = " ".join(pieces) or "1"
        if summed:
            body = r"\sum_{" + "".join(names[i] for i in summed) + "} " + body
        mag = "" if not mag else (rf"\frac{{{abs(t.coef).numerator}}}{{{abs(t.coef).denominator}}} "
                                  if abs(t.coef).denominator != 1 else mag)
        parts.append((f" {sign} " if sign and n else sign) + mag + body)
    return f"{lhs} = " + "".join(parts)


def einsum_text(form) -> str:
    """`einsum('ik,jl->ijkl', W, I)`, one call per term, `eye` for a delta."""
    out_idx = [i for g in form.out for i in g]
    if not form.terms:
        return "0"
    from .ir import Term
    parts = []
    for n, t in enumerate(form.terms):
        scalars = [e for e, idx in t.factors if not idx]
        arrays = Term(t.coef, tuple((e, idx) for e, idx in t.factors if idx), t.deltas)
        spec, ops = einsum_spec(arrays, out_idx)
        args = []
        for op in ops:
            if op[0] == "factor":
                args.append(str(op[1]))
            elif op[0] == "delta":
                args.append("I")
            else:
                args.append("𝟏")
        sign, mag = _coef_text(t.coef, n == 0)
        lead = "".join(_factor_text(e, (), {}) + " " for e in scalars)
        call = f"einsum('{spec}', {', '.join(args)})" if args else "1"
        parts.append((sign + " " if sign and n else sign) + mag + lead + call)
    return " ".join(parts)
