"""Steps: the derivation the way the paper teaches it, from what the engine actually did.

Owns: `Step`, `explain_one(part)`, `steps_text`, `steps_latex` (the whole derivation's
steps: `matcalc.explain`).
The four-step process of R-C2: intermediate variables u₁ … uₖ (innermost first), the partial
of each with the id of the rule that gives it, the chain rule that combines them (the most
specific of the paper's three that applies) with its product written out and the u's
substituted back, then that product simplified to the answer — one line per identity, the
mechanical tidying folded into one line, nothing repeated or unchanged (`matcalc.replay`).
Where the partials do not compose into a product of Jacobians (a matrix intermediate or
variable), the engine's own route is shown instead: the differential, the sweep that reads
the derivative off it, and its simplification.  Nothing re-derives the answer by a route
the steps do not show: the partials are the same rules applied one operator at a time.
Invariant: numbers count the steps (headers are not numbered); the last step is the result.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import replay
from .chain_steps import chain_of
from .printing.latex_doc import step_rows, tex_text
from .shaperules import mk
from .simplify import present, simplify
from .sizes import SCALAR, format_shape

MAX_SIMPLIFY_STEPS = 120


@dataclass
class Step:
    kind: str                 # intermediate | chain | differential | identify | substitute |
    text: str                 # simplify | note | layout | result | header
    latex: str | None = None
    rule: str | None = None
    source: str = ""
    expr: object = None       # the expression the step arrives at (for LaTeX line breaking)
    lhs: str = ""             # its left-hand side in LaTeX (`\frac{∂y}{∂x}`, or "" for `=`)
    parts: tuple = ()         # an intermediate's partials: (LaTeX left-hand side, Expr)

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()
                if v not in (None, "", ()) and k not in ("expr", "lhs", "parts")}


def _latex(e) -> str:
    from .printing.latex import to_latex
    return to_latex(e)


def _cite(rule) -> str:
    if rule is None:
        return ""
    parts = [rule.id] + ([rule.name] if rule.name else []) + ([rule.cite()] if rule.cite() else [])
    return "; ".join(parts)


def _tex_name(name: str) -> str:
    from .printing.latex import latex_name
    return latex_name(name)


def _d(y: str, x: str) -> tuple[str, str]:
    from .printing.latex import latex_name
    return f"∂{y}/∂{x}", f"\\frac{{\\partial {latex_name(y)}}}{{\\partial {latex_name(x)}}}"


def _intermediate_steps(chain, yname) -> list:
    steps = []
    if chain.total > len(chain.inter):
        steps.append(Step("note", f"{chain.total} intermediate variables: the first "
                                  f"{len(chain.inter)} are shown"))
    for i, it in enumerate(chain.inter, 1):
        pieces = [f"{_d(p.u.value, p.v.value)[0]} = {p.text}" for p in it.partials]
        ui = _latex(it.u) if it.named else f"u_{{{i}}}"
        ltx = [f"\\frac{{\\partial {ui}}}{{\\partial {_latex(p.v)}}} = "
               f"{_latex(present(p.jac)) if p.jac is not None else tex_text(p.text)}"
               for p in it.partials]
        rule = next((p.rule for p in it.partials if p.rule is not None), it.rule)
        steps.append(Step("intermediate", f"{it.u.value} = {it.shown}   ({format_shape(it.u.shape)})"
                          f"    " + ";  ".join(pieces),
                          f"{ui} &= {_latex(it.shown)} && " + ",\\quad ".join(ltx),
                          rule.id if rule else None, _cite(rule),
                          parts=tuple((f"\\frac{{\\partial {ui}}}{{\\partial {_latex(p.v)}}}",
                                       present(p.jac)) for p in it.partials
                                      if p.jac is not None)))
    if chain.inter:
        k = len(chain.inter)
        last = chain.inter[-1]
        steps.append(Step("note", f"{yname} = {last.u.value}", f"{_tex_name(yname)} &= " +
                          (_latex(last.u) if last.named else f"u_{{{k}}}")))
    return steps


def _law(rb, chain):
    scalar = chain.x.shape == SCALAR and all(it.u.shape == SCALAR for it in chain.inter)
    law_id = ("chain.single" if chain.single_path else "chain.total") if scalar else "chain.vector"
    return law_id, rb.law(law_id)


def _chain_step(rb, chain, yname) -> Step:
    law_id, law = _law(rb, chain)
    x = chain.x.value
    text = f"{law['name']}: {law['statement']}"
    latex = f"&\\text{{{law['name']}: }} {law['paper']}"
    if chain.symbolic is not None and chain.single_path:
        names = [it.u.value for it in reversed(chain.inter)] + [x]
        factors = [p.jac for it in reversed(chain.inter) for p in it.partials]
        text += f";  {_d(yname, x)[0]} = " + " · ".join(_d(a, b)[0] for a, b in
                                                        zip(names, names[1:]))
        text += " = " + " · ".join(f"({present(f)})" for f in factors)
    elif chain.paths:
        text += f"  (summed over every path);  {_d(yname, x)[0]} = " + " + ".join(
            " · ".join(f"({present(p.jac)})" for p in path if str(p.jac) != "1") or "1"
            for path in chain.paths)
    else:
        text += "  (with the total derivative: summed over every path)"
    return Step("chain", text, latex, law_id, law.get("source", ""))


def _rewrite_latex(b, a) -> str:
    """`b → a` as align rows: one row where it fits the page, else b and `→ a` each broken
    (`latex_break`), every row balanced."""
    from .printing.latex_break import break_latex
    from .printing.latex_doc import WIDTH
    if len(str(b)) + len(str(a)) + 3 <= WIDTH:
        return f"&\\quad {_latex(b)} \\;\\to\\; {_latex(a)}"
    before, after = break_latex(b, WIDTH), break_latex(a, WIDTH - 3)
    rows = [f"&\\quad {ln}" for ln in before] + [f"&\\qquad \\to\\; {after[0]}"] + \
        [f"&\\qquad {ln}" for ln in after[1:]]
    return " \\\\\n".join(rows)


def _simplify_steps(start, rb, prefix: str = "",
                    memo: dict | None = None) -> tuple[list, object]:
    """Lines from `start` to its simplified form (whole expressions), and that form; `memo`
    is simplify's cache of the derivation (its steps replay their records)."""
    record: list = []
    final = simplify(start, record, rb, memo)
    got = replay.lines(start, record, final)
    steps = []
    if got is None:                       # list the rewrites as recorded, without repeats
        seen = set()
        got = []
        for rid, b, a in record:
            if (b, a) in seen or str(b) == str(a):
                continue
            seen.add((b, a))
            got.append(([rid], None, b, a))
        for ids, _, b, a in got[:MAX_SIMPLIFY_STEPS]:
            rule = rb.by_id.get(ids[0])
            steps.append(Step("simplify", f"{b}  →  {a}", _rewrite_latex(b, a), ids[0],
                              _cite(rule) if rule else ids[0]))
        if len(got) > MAX_SIMPLIFY_STEPS:
            steps.append(Step("note", f"… {len(got) - MAX_SIMPLIFY_STEPS} more rewrites"))
        return steps, final
    for ids, state in got[:MAX_SIMPLIFY_STEPS]:
        shown = present(state)
        main = next((i for i in ids if i not in replay.MECHANICAL), None)
        rule = rb.by_id.get(main) if main else None
        source = _cite(rule) if rule else ", ".join(ids)
        steps.append(Step("simplify", f"{prefix}= {shown}", None, main or ids[0], source,
                          shown))
    if len(got) > MAX_SIMPLIFY_STEPS:
        steps.append(Step("note", f"… {len(got) - MAX_SIMPLIFY_STEPS} more lines"))
    return steps, final


def _same(a, b) -> bool:
    from .readability import form_key
    return form_key(a) == form_key(b)


def explain_one(part, target, transpose: bool = False, user: dict | None = None,
                memo: dict | None = None) -> list:
    """The steps of one part: ∂(part.y)/∂x, arriving at `target` (transposed when the
    part's result is the gradient as a column); `user` ({tree: name}) names the
    intermediates the text defined, which keep their names; `memo`: simplify's cache of
    the derivation."""
    engine, rb = part.engine, part.engine.rb
    x = engine.x
    taken = set(part.y.free_vars()) | set((user or {}).values())
    yname = next(n for n in (part.label, "f", "F", "φ") if n not in taken)
    chain = chain_of(part, user)
    steps = _intermediate_steps(chain, yname)
    steps.append(_chain_step(rb, chain, yname))
    dtext, dtex = _d(yname, x.value)
    if chain.product is not None:
        start = mk("T", chain.product) if transpose else chain.product
        final = simplify(start, None, rb, memo)
        if _same(present(final, memo), present(target, memo)):
            what = f"({dtext})ᵀ" if transpose else dtext
            steps.append(Step("substitute", f"substituting back: {what} = {start}",
                              None, expr=start, lhs=f"\\left({dtex}\\right)^T"
                              if transpose else dtex))
            more, _ = _simplify_steps(start, rb, memo=memo)
            return steps + more
    L = engine.differential(part.y)
    if L is not None and len(str(L)) < 400:
        steps.append(Step("differential", f"d{yname} = {L}",
                          f"d{_tex_name(yname)} &= {_latex(L)}", expr=L,
                          lhs=f"d{_tex_name(yname)}"))
    rules_used = sorted({r.id for r, _ in engine.trace})
    how_text = {
        "scalar": f"{x.value} is a scalar: {dtext} is the coefficient of d{x.value} in "
                  f"d{yname}",
        "forward": f"forward sweep: the Jacobian J of d{yname} = J d{x.value}, read off "
                   f"operator by operator (vector chain rule)",
        "reverse": f"reverse sweep: the gradient G of d{yname} = tr(Gᵀ d{x.value}), passed "
                   f"back operator by operator",
    }[part.how]
    steps.append(Step("identify", how_text + (" — rules " + ", ".join(rules_used)
                                              if rules_used else "")))
    steps.append(Step("substitute", f"substituting back: {dtext} = {part.raw}", None,
                      expr=part.raw, lhs=dtex))
    more, _ = _simplify_steps(part.raw, rb, memo=memo)
    return steps + more


def steps_text(steps: list) -> str:
    lines, i = [], 0
    for s in steps:
        tag = f"  [{s.source or s.rule}]" if (s.source or s.rule) else ""
        if s.kind == "header":
            lines.append(f"— {s.text}")
        else:
            i += 1
            lines.append(f"{i:>3}. {s.text}{tag}")
    return "\n".join(lines)


def steps_latex(steps: list) -> str:
    """The steps as one amsmath `align*` (long lines broken at sums)."""
    rows = []
    for s in steps:
        rows += step_rows(s)
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
