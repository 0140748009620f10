"""The steps of a whole derivation: its rounds (one per order), its blocks (one per variable
of a joint derivative) and, where the answer is the differential or the index form, the
differential chain it was read from — each round's steps by `steps.explain_one`.

Owns: `explain(derivation)`, `layout_note`.
Invariant: the last step is the result, stated in the form printed (the matrix, the
Kronecker Jacobian, the k-th differential or the index form) and never a differential
labelled as a derivative.
"""
from __future__ import annotations

from .answer import differential_operator, operator
from .naming import names_of
from .simplify import present, simplify
from .sizes import SCALAR, format_dim
from .steps import Step, _latex, explain_one

def explain(d) -> list:
    rb = d.question.rulebook
    steps: list = []
    taken = d.expr.free_vars() | set(d.wrt) | {n for n, _ in d.question.definitions}
    d = _Named(d, next(n for n in ("y", "f", "F", "φ") if n not in taken))
    if len(d.blocks) == 1:
        steps += _block_steps(d, d.blocks[0], d.form)
    else:
        for b in d.blocks:
            names = [v for v, _ in b.rounds]
            steps.append(Step("header", f"the block {_op(names, d.order, d.y)}"))
            steps += _block_steps(d, b, "matrix" if b.matrix is not None else "differential")
        what = "side by side (R-J4)" if d.order == 1 else \
            f"as the block matrix of the second partials [∂²{d.y}/∂a∂b]"
        steps.append(Step("header", f"the derivative by ({', '.join(d.wrt)}) puts the blocks "
                                    f"{what}", source="R-J1, R-J4"))
    said = set()
    for rid in sorted(d.trace.rules_used()):
        rule = rb.by_id.get(rid)
        if rule is not None and rule.erratum and rule.erratum not in said:
            said.add(rule.erratum)
            steps.append(Step("note", "erratum " + rule.erratum, rule=rule.id,
                              source=rule.cite()))
    if d.layout == "denominator":
        steps.append(Step("layout", "denominator layout: the transpose of the numerator-layout "
                                    "Jacobian"))
    steps.append(_result(d))
    return steps


def _block_steps(d, b, form: str) -> list:
    """One block: the matrix chain's rounds when its form is printed, else the differential
    chain."""
    if form in ("matrix", "kron") and len(b.parts) == len(b.rounds):
        return _matrix_rounds(d, b)
    return _differential_chain(d, b, form)


def _matrix_rounds(d, b) -> list:
    rb = d.question.rulebook
    memo = b._simplifier[1] if b._simplifier else None     # the derivation's simplify cache
    steps: list = []
    k = len(b.parts)
    for r, part in enumerate(b.parts, 1):
        xshape = part.engine.x.shape
        column = r == 1 and k > 1 and d.expr.shape == SCALAR and xshape[1] == 1 and \
            xshape != SCALAR
        if k > 1:
            steps.append(Step("header", _round_header(d, b, r, part, column)))
        steps += explain_one(part, simplify(part.raw, None, rb, memo), transpose=column,
                             user=names_of(d.question.definitions), memo=memo)
    return steps


def _round_header(d, b, r: int, part, column: bool) -> str:
    x, y = part.engine.x.value, d.y
    names = [v for v, _ in b.rounds]
    if r == 1:
        if d.expr.shape == SCALAR and column:
            return f"round 1: the gradient g = ∇{x} {y} = (∂{y}/∂{x})ᵀ, a column"
        if d.expr.shape == SCALAR and part.engine.x.shape != SCALAR:
            return f"round 1: the gradient g = ∂{y}/∂{x}, shaped like {x}"
        return f"round 1: the derivative g = ∂{y}/∂{x}"
    g = present(part.y)
    prev = "g" if r == 2 else f"g{_sub(r - 1)}"
    what = _op(names[:r], r, y)
    if r == 2 and len(b.parts) == 2 and d.expr.shape == SCALAR and len(set(names)) == 1:
        return f"round 2: the Hessian H = ∂g/∂{x} = {what}: the Jacobian of the gradient, " \
               f"g = {g}"
    return f"round {r}: {what} = ∂{prev}/∂{x}, the derivative of {prev} = {g}"


def _differential_chain(d, b, form: str) -> list:
    """d y, d²y, …: each round differentiates the last by the rules of `d` (the directions
    of earlier rounds held constant: d(dx) = 0)."""
    from .forms import _merged
    rb = d.question.rulebook
    steps: list = [Step("header", "the differential, taken once per round (earlier "
                                  "directions held constant: d(dx) = 0); the derivative is "
                                  "what multiplies the directions (Magnus & Neudecker's "
                                  "identification)")]
    y = d.y
    for r, (L, eng) in enumerate(zip(b.chain, b.engines), 1):
        if L is None:
            steps.append(Step("differential", f"{differential_operator(r)}{y} = 0"))
            break
        if r == len(b.chain) and len(d.blocks) == 1:
            break                                   # the result states the last one
        rules = sorted({rule.id for rule in eng.used.values() if rule is not None})
        shown = _merged(L, rb)
        text = str(shown) if len(str(shown)) < 600 else str(shown)[:600] + " …"
        steps.append(Step("differential", f"{differential_operator(r)}{y} = {text}",
                          f"{_dtex(r)}{y} &= {_latex(shown)}" if len(str(shown)) < 600 else None,
                          ", ".join(rules) if rules else None, expr=shown,
                          lhs=f"{_dtex(r)}{y}"))
    if form == "index":
        L = b.chain[-1]
        steps.append(Step("differential", f"{differential_operator(len(b.chain))}{y} = "
                                          f"{_merged(L, rb) if L is not None else 0}"))
        steps.append(Step("identify", "each direction's entries named by an index and the "
                                      "coefficient of their product read off (einsum form)"))
    return steps


def _result(d) -> Step:
    names = d.question.blocks[0] if d.question.mixed else d.wrt
    if d.form == "differential":
        array = "×".join(format_dim(x, grouped=True) for x in d.array_shape) or "scalar"
        kind = {1: "linear", 2: "bilinear", 3: "trilinear"}.get(d.order, f"{d.order}-linear")
        return Step("result", f"{differential_operator(d.order)}{d.y} = {d.result}   (the "
                              f"derivative is the {array} array of this {kind} form)",
                    f"{_dtex(d.order)}{d.y} &= {_latex(d.result)}", expr=d.result,
                    lhs=f"{_dtex(d.order)}{d.y}")
    if d.form == "index":
        from .tensor.notation import index_text
        return Step("result", index_text(d.index, "f", d.order))
    op = operator(names, d.order, d.question.mixed)
    text = f"{op} = {d.result}   ({d.shape_text}{layout_note(d)})"
    blocks = _block_rows(d)
    if blocks is not None:                 # a block matrix: a row per block (it cannot break)
        return Step("result", text, blocks)
    return Step("result", text, f"&= {_latex(d.result)}", expr=d.result)


def _block_rows(d):
    """A joint Hessian's blocks in LaTeX, one align row each, or None."""
    n, r = len(d.wrt), d.result
    if len(d.blocks) == 1 or d.order != 2 or r.op != "vcat" or len(r.args) != n or \
            any(row.op != "hcat" or len(row.args) != n for row in r.args):
        return None
    from .printing.latex import latex_name
    from .printing.latex_doc import rows_for
    rows: list = []
    for a, row in zip(d.wrt, r.args):
        for b, block in zip(d.wrt, row.args):
            den = f"\\partial {latex_name(a)}^2" if a == b else \
                f"\\partial {latex_name(a)} \\partial {latex_name(b)}"
            rows += rows_for(f"\\frac{{\\partial^2 {d.y}}}{{{den}}}", block)
    return " \\\\\n".join(rows)


def layout_note(d) -> str:
    """`, numerator layout` only where the layout changes the answer (a vector by a scalar
    or a vector, a scalar by a vector); a scalar by a scalar or by a matrix has one form."""
    from .conventions import is_vector_case
    xs = [d.var_shapes[w] for w in d.wrt]
    if not is_vector_case(d.expr.shape, xs) or d.order != 1 or \
            all(s == SCALAR for s in [d.expr.shape, *xs]):
        return ""
    return f", {d.layout} layout"


class _Named:
    """The derivation with the name its function goes by in the steps (y, or f where the
    expression has a y)."""

    def __init__(self, d, y: str):
        self._d, self.y = d, y

    def __getattr__(self, name):
        return getattr(self._d, name)


def _op(names: list, order: int, y: str) -> str:
    """∂²y/∂x², ∂²y/∂x∂z, ∂y/∂(x, z)."""
    one = len(set(names)) == 1
    return operator(names[:1] if one else names, order, not one).replace("/", f"{y}/", 1)


def _dtex(r: int) -> str:
    return "d" if r == 1 else f"d^{{{r}}}"


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
