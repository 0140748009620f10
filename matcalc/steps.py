"""Steps: the derivation the way the paper teaches it, from what the engine actually did.

Owns: `Step`, `explain(derivation)`, `steps_text`, `steps_latex`.
The four-step process of R-C2: intermediate variables u₁ … uₖ (innermost first), the partial
of each with the id of the rule the engine used for that operator, the chain rule that
combines them (the most specific of the paper's three that applies), the substitution back,
then every simplification with its rule id.  Nothing here re-derives the answer by another
route: partials are the same rules applied to one operator at a time.
"""
from __future__ import annotations

from dataclasses import dataclass

from .engine import Engine, identify
from .errors import MatcalcError
from .simplify import present, simplify
from .sizes import SCALAR, format_shape
from .tree import Expr

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MAX_INTERMEDIATES = 40
MAX_SIMPLIFY_STEPS = 120


@dataclass
class Step:
    kind: str                 # intermediate | chain | differential | identify | substitute |
    text: str                 # simplify | note | layout | result | header
    latex: str | None = None
    rule: str | None = None
    source: str = ""

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def _latex(e: Expr) -> str:
    try:
        from .printing.latex import to_latex
        return to_latex(e)
    except Exception:
        return "\\text{" + str(e).replace("\\", "") + "}"


def _uname(i: int) -> str:
    return "u" + str(i).translate(SUBSCRIPTS)


def _ulatex(i: int) -> str:
    return f"u_{{{i}}}"


def _cite(rule) -> str:
    if rule is None:
        return ""
    parts = [rule.id]
    if rule.name:
        parts.append(rule.name)
    if rule.cite():
        parts.append(rule.cite())
    return "; ".join(parts)


def _intermediates(engine: Engine, y: Expr) -> list:
    out = []
    seen = set()
    for n in y.walk():
        if n.op in ("var", "num") or not engine.depends(n) or n in seen:
            continue
        seen.add(n)
        out.append(n)
    return out


def _partial(rb, v: Expr, local: Expr) -> tuple[str, str]:
    """∂local/∂v by the same rules, one operator at a time (text, latex)."""
    eng = Engine(rb, v.value, v.shape)
    L = eng.differential(local)
    try:
        J, _ = identify(eng, local, L)
        J = present(simplify(J, None, rb))
        return str(J), _latex(J)
    except MatcalcError:
        dL = present(simplify(L, None, rb)) if L is not None else None
        return (f"(differential) d{v.value} ↦ {dL}", "d" + _latex(v) + " \\mapsto " +
                (_latex(dL) if dL is not None else "0"))


def _explain_one(part, user: dict | None = None) -> list:
    """The steps of one round; `user` names intermediates the text defined ({tree: name})."""
    engine, y, raw, how, yname = part.engine, part.y, part.raw, part.how, part.label
    user = user or {}
    steps: list[Step] = []
    x = engine.x
    inter = _intermediates(engine, y)
    if len(inter) > MAX_INTERMEDIATES:
        steps.append(Step("note", f"{len(inter)} intermediate variables: the first "
                                  f"{MAX_INTERMEDIATES} are shown"))
    names: dict[Expr, Expr] = {}
    partial_texts, partial_latex, labels = [], [], []
    for i, n in enumerate(inter[:MAX_INTERMEDIATES], 1):
        u = Expr("var", (), n.shape, user.get(n) or _uname(i))
        labels.append(u.value)
        ulatex = _latex(u) if n in user else _ulatex(i)
        shown = n.rebuild(*[names.get(c, c) for c in n.args])
        names[n] = u
        rule = engine.used.get(n)
        deps = []
        for c in n.args:
            v = names.get(c, c if c == x else None)
            if v is not None and v not in deps:
                deps.append(v)
        pieces = []
        latex_pieces = []
        for v in deps:
            text, ltx = _partial(engine.rb, v, shown)
            pieces.append(f"∂{u.value}/∂{v.value} = {text}")
            latex_pieces.append(f"\\frac{{\\partial {ulatex}}}{{\\partial {_latex(v)}}} = {ltx}")
            partial_texts.append(text)
            partial_latex.append(ltx)
        steps.append(Step(
            "intermediate",
            f"{u.value} = {shown}   ({format_shape(n.shape)})    " + ";  ".join(pieces),
            f"{ulatex} &= {_latex(shown)} && " + ",\\quad ".join(latex_pieces),
            rule.id if rule else None, _cite(rule)))
    if inter:
        k = min(len(inter), MAX_INTERMEDIATES)
        last = inter[k - 1]
        steps.append(Step("note", f"{yname} = {labels[-1]}", f"{yname} &= " + (
            _latex(Expr("var", (), last.shape, labels[-1])) if last in user else _ulatex(k))))
    steps.append(_chain_step(engine, y, inter, partial_texts, partial_latex, labels))
    L = engine.differential(y)
    if L is not None and len(str(L)) < 400:
        steps.append(Step("differential", f"d{yname} = {L}",
                          f"d{yname} &= {_latex(L)}"))
    rules_used = sorted({r.id for r, _ in engine.trace})
    how_text = {
        "scalar": f"{x.value} is a scalar: ∂{yname}/∂{x.value} is the coefficient of "
                  f"d{x.value} in d{yname}",
        "forward": f"forward sweep: the Jacobian J of d{yname} = J d{x.value}, read off "
                   f"operator by operator (vector chain rule)",
        "reverse": f"reverse sweep: the gradient G of d{yname} = tr(Gᵀ d{x.value}), passed "
                   f"back operator by operator",
    }[how]
    if rules_used:
        how_text += " — rules " + ", ".join(rules_used)
    steps.append(Step("identify", how_text))
    steps.append(Step("substitute", f"substituting back: ∂{yname}/∂{x.value} = {raw}",
                      f"\\frac{{\\partial {yname}}}{{\\partial {_latex(x)}}} &= {_latex(raw)}"))
    return steps


def _chain_step(engine: Engine, y: Expr, inter: list, partial_texts: list,
                partial_latex: list, labels: list) -> Step:
    rb = engine.rb
    x = engine.x
    all_scalar = x.shape == SCALAR and all(n.shape == SCALAR for n in inter)
    single_path = all(sum(1 for c in set(n.args) if engine.depends(c)) <= 1 for n in inter)
    law_id = "chain.vector"
    if all_scalar:
        law_id = "chain.single" if single_path else "chain.total"
    law = rb.law(law_id)
    text = f"{law['name']}: {law['statement']}"
    latex = f"&\\text{{{law['name']}: }} {law['paper']}"
    if single_path and partial_texts and len(partial_texts) == len(inter) and \
            not any(t.startswith("(differential)") for t in partial_texts):
        k = len(inter)
        names = labels[::-1] + [x.value]
        chain = " · ".join(f"∂{a}/∂{b}" for a, b in zip(names, names[1:]))
        text += f";  ∂y/∂{x.value} = {chain} = " + \
            " · ".join(f"({t})" for t in reversed(partial_texts))
        latex += " \\\\\n\\frac{\\partial y}{\\partial " + _latex(x) + "} &= " + \
            " \\cdot ".join(f"\\left({t}\\right)" for t in reversed(partial_latex))
    elif law_id == "chain.total":
        text += "  (summed over every path from x to y)"
    else:
        text += "  (with the total derivative: summed over every path)"
    return Step("chain", text, latex, law_id, law.get("source", ""))


def explain(d) -> list:
    from .naming import names_of
    steps: list[Step] = []
    rb, trace = d.question.rulebook, d.trace
    user = names_of(d.question.definitions)

    def explain_one(part):             # the intermediates the text named keep their names
        return _explain_one(part, user)
    if d.order == 2:
        (first,), (second,) = trace.rounds
        steps.append(Step("header", f"first derivative (the gradient, as a column) by "
                                    f"{d.wrt[0]}"))
        steps += explain_one(first)
        steps.append(Step("header", f"second derivative: differentiate g = {first.raw} by "
                                    f"{d.wrt[0]}"))
        steps += explain_one(second)
    elif len(d.wrt) == 1:
        steps += explain_one(trace.rounds[0][0])
    else:
        for part in trace.rounds[0]:
            steps.append(Step("header", f"by {part.engine.x.value}"))
            steps += explain_one(part)
        steps.append(Step("header", f"the Jacobian by ({', '.join(d.wrt)}) puts these side "
                                    f"by side (R-J4)", rule=None, source="R-J1, R-J4"))
    record = trace.simplifications
    for rule_id, before, after in record[:MAX_SIMPLIFY_STEPS]:
        rule = rb.by_id.get(rule_id)
        label = rule_id if rule is None else _cite(rule)
        steps.append(Step("simplify", f"{before}  →  {after}",
                          f"&\\quad {_latex(before)} \\;\\to\\; {_latex(after)}",
                          rule_id, label))
    if len(record) > MAX_SIMPLIFY_STEPS:
        steps.append(Step("note", f"… {len(record) - MAX_SIMPLIFY_STEPS} more "
                                  f"simplification steps"))
    said = set()
    for rid in sorted(trace.rules_used()):
        rule = rb.by_id.get(rid)
        if rule is not None and rule.erratum and rule.erratum not in said:
            said.add(rule.erratum)
            steps.append(Step("note", "erratum " + rule.erratum, rule=rule.id,
                              source=rule.cite()))
    if d.layout == "denominator":
        steps.append(Step("layout", "denominator layout: the transpose of the numerator-layout "
                                    "Jacobian"))
    steps.append(Step("result", f"∂/∂{','.join(d.wrt)} = {d.result}   "
                                f"({d.shape_text}, {d.layout} layout)",
                      f"&= {_latex(d.result)}"))
    return steps


def steps_text(steps: list) -> str:
    lines = []
    for i, s in enumerate(steps, 1):
        tag = f"  [{s.source or s.rule}]" if (s.source or s.rule) else ""
        if s.kind == "header":
            lines.append(f"— {s.text}")
        else:
            lines.append(f"{i:>3}. {s.text}{tag}")
    return "\n".join(lines)


_ASCII = str.maketrans({"∂": "d", "ᵀ": "'", "⊙": "*", "·": ".", "→": "->", "σ": "sigma",
                        "𝟏": "1", "𝟎": "0", "—": "-", "…": "...", "≠": "!=", "≤": "<=",
                        "⁻": "-", "¹": "1", "²": "^2", "³": "^3", "×": "x", "⊘": "/",
                        "Σ": "sum", "ᵢ": "_i", "ₖ": "_k", "ₙ": "_n", "‖": "||", "⊗": "(x)"})


def _tex_text(s: str) -> str:
    """Plain text for \\text{…}: ASCII only, LaTeX specials escaped."""
    s = s.translate(_ASCII).translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789"))
    s = "".join(ch for ch in s if ord(ch) < 128)
    for a, b in (("\\", ""), ("&", "and"), ("%", "pct"), ("#", "no."), ("_", "\\_"),
                 ("$", ""), ("{", "("), ("}", ")"), ("^", "\\^{}"), ("~", "-")):
        s = s.replace(a, b)
    return s


def steps_latex(steps: list) -> str:
    rows = []
    for s in steps:
        if s.latex:
            rows.append(s.latex)
        elif s.kind in ("identify", "note", "header", "layout"):
            rows.append(f"&\\text{{{_tex_text(s.text)[:200]}}}")
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
