"""Typesetting the paper's statements of identities (`paper = "d/dx x^n = n x^(n-1)"`,
`"∂(w⊘x)/∂w = diag(…1/xᵢ…)"`) and the rules' own identities, for the reference tables.

Owns: `statement_latex(text)`, `statement_mathml(text)`.  The statements are written in a
light plain-text notation: `a/b` is a fraction (its numerator the part just before, with a
leading ∂; `d/dx`, `df/dx`, `∂(w+x)/∂w`), `x^n` and `x^(n-1)` superscripts, Unicode scripts
(xᵢ, z², xᵀ, ∇ₓ, ∇_z), `1⃗` the vector of ones, words (`if`, `printed as …`) upright text.
The paper's ⊗ (element-wise product) is set as ⊙, as in every output of matcalc.
Invariant: the output is well-formed (balanced braces, escaped MathML); text the notation
does not know is set as it is, never dropped.
"""
from __future__ import annotations

import html
import re

_SUP = {"²": "2", "³": "3", "ᵀ": "T", "⁻": "-", "¹": "1", "ⁿ": "n"}
_SUB = {"ᵢ": "i", "ⱼ": "j", "ₓ": "x", "ₙ": "n", "ₖ": "k", "₀": "0", "₁": "1", "₂": "2"}
_OPS = {"·": r"\cdot", "⊙": r"\odot", "⊗": r"\odot", "⊘": r"\oslash", "*": r"\odot",
        "−": "-", "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "…": r"\ldots", "→": r"\to",
        "=": "=", "+": "+", "-": "-", ",": ",", ";": ";\\;", ":": ":", "<": "<", ">": ">",
        "@": "", "∂": r"\partial", "∇": r"\nabla", "Σ": r"\sum", "|": "|", "‖": r"\|"}
_ML_OPS = {"⊗": "⊙", "*": "⊙", "−": "−", "-": "−", "…": "…", "@": "\u2062"}
_FUNCS = {"sin", "cos", "tan", "tanh", "exp", "log", "ln", "max", "min", "sum", "diag", "dot",
          "tr", "det", "softmax", "sigmoid", "mean", "norm", "logsumexp", "step", "sign", "abs",
          "sqrt", "softplus", "erf", "gelu", "kron", "vec", "inv", "logdet", "relu", "grad",
          "commutation", "unvec", "reshape_like", "vcat", "hcat"}
_TOKEN = re.compile(r"""
    (?P<id>(?:[A-Za-zα-ωΑ-Ω𝟏𝟎∇][A-Za-zα-ωΑ-Ω0-9]*|1⃗)(?:_[A-Za-z0-9]|[ᵢⱼₓₙₖ₀₁₂²³ᵀ⁻¹ⁿ])*)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<open>[(\[])
  | (?P<close>[)\]])
  | (?P<bar>\|)
  | (?P<script>[ᵀ²³])
  | (?P<op>[/^]|[-+=·⊙⊗⊘*−≤≥≠…→,;:<>@∂∇Σ‖])
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE)
_WORD = re.compile(r"[A-Za-z]{2,}")


def _tokens(text: str) -> list:
    return [(m.lastgroup, m.group(0)) for m in _TOKEN.finditer(text.replace("?", ""))]


def _parse(toks: list, i: int = 0, close: str | None = None):
    """(nodes, next index): a flat list with groups, calls, fractions and scripts built."""
    out: list = []
    while i < len(toks):
        kind, s = toks[i]
        if kind == "close":
            if close is not None:
                return _bind(out), i
            out.append(("op", s))
            i += 1
            continue
        if kind == "bar":
            if close == "|":
                return _bind(out), i
            inner, i = _parse(toks, i + 1, "|")
            out.append(("group", "|", inner, "|"))
            i += 1
            continue
        if kind == "script" and out and out[-1][0] != "space":
            out[-1] = ("sup", [out[-1]], [("id", _SUP[s])])
            i += 1
            continue
        if kind == "open":
            start = i
            inner, i = _parse(toks, i + 1, s)
            closing = toks[i][1] if i < len(toks) else ""
            i += 1
            prev = out[-1] if out else None
            if sum(1 for n in inner if n[0] == "text") >= 2:      # a remark in parentheses
                out.append(("text", "".join(t for _, t in toks[start:i])))
                continue
            if s == "(" and prev and prev[0] == "id" and _base(prev[1]) in _FUNCS | {"f", "g"}:
                out[-1] = ("call", prev[1], inner)
            else:
                out.append(("group", s, inner, closing or (")" if s == "(" else "]")))
            continue
        if kind == "space":
            out.append(("space",))
        elif kind == "id" and _WORD.fullmatch(s) and _base(s) not in _FUNCS and len(s) > 2:
            out.append(("text", s))
        elif kind == "id" and s in ("if", "as", "is"):
            out.append(("text", s))
        else:
            out.append((kind if kind in ("num", "id", "op") else "op", s))
        i += 1
    return _bind(out), i


def _base(s: str) -> str:
    return re.match(r"[A-Za-z]*", s).group(0)


def _unit(nodes: list, j: int, step: int):
    """(start, end) of the operand of / or ^ next to position j (step −1: before it)."""
    k = j + step
    while 0 <= k < len(nodes) and nodes[k][0] == "space":
        k += step
    if not 0 <= k < len(nodes):
        return None
    lo = hi = k
    if step < 0 and k - 1 >= 0 and nodes[k - 1] == ("op", "∂"):
        lo = k - 1
    elif step < 0 and k - 2 >= 0 and nodes[k - 1] == ("space",) and nodes[k - 2] == ("op", "∂"):
        lo = k - 2
    if step > 0 and nodes[k] == ("op", "∂") and k + 1 < len(nodes):
        hi = k + 1
    return lo, hi


def _bind(nodes: list) -> list:
    """Fractions and superscripts out of a flat list."""
    for sym, make in (("^", lambda a, b: ("sup", a, b)), ("/", lambda a, b: ("frac", a, b))):
        j = 0
        while j < len(nodes):
            if nodes[j] == ("op", sym):
                left, right = _unit(nodes, j, -1), _unit(nodes, j, 1)
                if left and right:
                    a, b = nodes[left[0]:left[1] + 1], nodes[right[0]:right[1] + 1]
                    if sym == "^" and len(b) == 1 and b[0][0] == "group":
                        b = b[0][2]
                    nodes[left[0]:right[1] + 1] = [make(a, b)]
                    j = left[0]
            j += 1
    return nodes


# -- LaTeX -------------------------------------------------------------------------------------

def _id_latex(s: str) -> str:
    m = re.match(r"([^_ᵢⱼₓₙₖ₀₁₂²³ᵀ⁻¹ⁿ]+)(.*)", s)
    base, scripts = m.group(1), m.group(2)
    if base == "∇":
        body = r"\nabla"
    elif base == "1⃗":
        body = r"\vec{1}"
    elif base == "𝟏":
        body = r"\mathbf{1}"
    elif base == "𝟎":
        body = r"\mathbf{0}"
    elif base == "d":
        body = r"\mathrm{d}"
    elif base == "pi":
        body = r"\pi"
    elif base in _FUNCS:
        body = rf"\operatorname{{{base}}}" if base not in ("sin", "cos", "exp", "log", "ln",
                                                           "max", "min", "det", "tanh", "tan") \
            else "\\" + base
    else:
        from .latex import latex_name
        if len(base) == 1 or not base.isascii():
            body = latex_name(base)
        elif base.startswith("d") and len(base) == 2:
            body = rf"\mathrm{{d}}{base[1]}"          # dx, df: the differential
        elif base.islower():
            body = r"\,".join(base)                   # cf, fg, xz: products of letters
        else:
            body = rf"\mathit{{{base}}}"
    sub = "".join(_SUB.get(c, "") for c in scripts) + \
        "".join(scripts[k + 1] for k, c in enumerate(scripts) if c == "_")
    sup = "".join(_SUP.get(c, "") for c in scripts)
    return body + (f"_{{{sub}}}" if sub else "") + (f"^{{{sup}}}" if sup else "")


def _latex(nodes: list) -> str:
    out = []
    for n in nodes:
        k = n[0]
        if k == "space":
            out.append(" ")
        elif k == "num":
            out.append(n[1])
        elif k == "id":
            out.append(_id_latex(n[1]))
        elif k == "op":
            out.append(" " + _OPS.get(n[1], n[1].replace("\\", "")) + " " if n[1] not in "(∂∇"
                       else _OPS.get(n[1], n[1]) + " ")
        elif k == "text":
            out.append(rf"\text{{ {n[1]} }}")
        elif k == "call":
            out.append(_id_latex(n[1]) + r"\left(" + _latex(n[2]) + r"\right)")
        elif k == "group":
            o, c = {"(": (r"\left(", r"\right)"), "[": (r"\left[", r"\right]"),
                    "|": (r"\left|", r"\right|")}[n[1]]
            out.append(o + _latex(n[2]) + c)
        elif k == "frac":
            out.append(rf"\frac{{{_latex(n[1])}}}{{{_latex(n[2])}}}")
        elif k == "sup":
            out.append(f"{{{_latex(n[1])}}}^{{{_latex(n[2])}}}")
    return re.sub(r" +", " ", "".join(out)).strip()


def _split(text: str):
    """(math nodes, remark): a remark in parentheses (`(printed as a vector; …)`) is words,
    set as text after the formula, where it can wrap."""
    nodes = _parse(_tokens(text))[0]
    remarks = [n[1] for n in nodes if n[0] == "text" and " " in n[1]]
    nodes = [n for n in nodes if not (n[0] == "text" and " " in n[1])]
    while nodes and nodes[-1][0] == "space":
        nodes.pop()
    return nodes, " ".join(remarks)


def statement_latex(text: str) -> str:
    """The statement as LaTeX math (no delimiters), a remark included as \text."""
    nodes, remark = _split(text)
    return _latex(nodes) + (rf" \quad \text{{{_tex_escape(remark)}}}" if remark else "")


def statement_latex_cell(text: str) -> str:
    """The statement for a LaTeX table cell: display-style math, then its remark as text."""
    nodes, remark = _split(text)
    return rf"$\displaystyle {_latex(nodes)}$" + (f" {_tex_escape(remark)}" if remark else "")


def _tex_escape(s: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", s).replace("⊗", "⊙")


# -- MathML ------------------------------------------------------------------------------------

def _mi(s: str, variant: str = "") -> str:
    v = f' mathvariant="{variant}"' if variant else ""
    return f"<mi{v}>{html.escape(s)}</mi>"


def _id_ml(s: str) -> str:
    m = re.match(r"([^_ᵢⱼₓₙₖ₀₁₂²³ᵀ⁻¹ⁿ]+)(.*)", s)
    base, scripts = m.group(1), m.group(2)
    if base in ("1⃗", "𝟏"):
        body = '<mn class="b">1</mn>'
    elif base == "𝟎":
        body = '<mn class="b">0</mn>'
    elif base == "∇":
        body = "<mo>∇</mo>"
    elif base.isascii() and base.islower() and len(base) > 1 and base not in _FUNCS and \
            not (base.startswith("d") and len(base) == 2):
        body = "<mrow>" + "".join(_mi(c) for c in base) + "</mrow>"
    elif base == "d" or (base.startswith("d") and len(base) == 2):
        body = _mi("d", "normal") + (_mi(base[1]) if len(base) == 2 else "")
    elif base == "pi":
        body = _mi("π")
    else:
        body = _mi(base, "normal" if base in _FUNCS or len(base) > 2 else "")
    sub = "".join(_SUB.get(c, "") for c in scripts) + \
        "".join(scripts[k + 1] for k, c in enumerate(scripts) if c == "_")
    sup = "".join(_SUP.get(c, "") for c in scripts)
    if sub:
        body = f"<msub>{body}{_mi(sub)}</msub>"
    if sup:
        body = f"<msup>{body}<mi mathvariant=\"normal\">{html.escape(sup)}</mi></msup>"
    return body


def _ml(nodes: list) -> str:
    out = []
    for n in nodes:
        k = n[0]
        if k == "space":
            out.append('<mspace width="0.2em"></mspace>')
        elif k == "num":
            out.append(f"<mn>{n[1]}</mn>")
        elif k == "id":
            out.append(_id_ml(n[1]))
        elif k == "op":
            out.append(f"<mo>{html.escape(_ML_OPS.get(n[1], n[1]))}</mo>")
        elif k == "text":
            out.append(f"<mtext>\u00a0{html.escape(n[1])}\u00a0</mtext>")
        elif k == "call":
            out.append(f"<mrow>{_id_ml(n[1])}<mo>(</mo>{_ml(n[2])}<mo>)</mo></mrow>")
        elif k == "group":
            out.append(f"<mrow><mo>{n[1]}</mo>{_ml(n[2])}<mo>{n[3]}</mo></mrow>")
        elif k == "frac":
            out.append(f"<mfrac><mrow>{_ml(n[1])}</mrow><mrow>{_ml(n[2])}</mrow></mfrac>")
        elif k == "sup":
            out.append(f"<msup><mrow>{_ml(n[1])}</mrow><mrow>{_ml(n[2])}</mrow></msup>")
    return "".join(out)


def statement_mathml(text: str) -> str:
    """The statement as a display-style `<math>` element, then its remark as HTML text."""
    nodes, remark = _split(text)
    out = f'<math displaystyle="true"><mrow>{_ml(nodes)}</mrow></math>'
    return out + (f' <span class="note">{html.escape(remark)}</span>' if remark else "")
