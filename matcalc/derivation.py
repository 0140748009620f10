"""derive(): a question in, a `Derivation` out — the closed form, its shape, the trace of how
it was found, the steps, the proof and the conversions.

Owns: `derive`, `Derivation`, `Trace`, `Part`.  Each round of differentiation takes every
variable of `wrt` in turn: the engine builds dy by the differential rules and `identify`
reads the derivative off it (conventions: `matcalc.conventions`); order 2 differentiates the
gradient (as a column) once more.  The trace keeps what the engine did, for the steps.
Invariant: `Derivation.result` is simplified, presented, and has the shape the conventions
promise (`conventions.matrix_form_shape`) — else InternalError.

>>> str(derive("max(0, w.x + b)", "w", {"w": "n", "x": "n", "b": "scalar"}))
'step(w·x + b) xᵀ'
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .conventions import matrix_form_shape, transposes
from .engine import Engine, identify
from .errors import InternalError, UnsupportedError
from .question import Question
from .shaperules import mk
from .simplify import present, simplify
from .sizes import SCALAR, format_shape, same_size


@dataclass
class Part:
    """One derivative by one variable: what was differentiated, by which engine, what was
    read off its differential (before simplification) and how (scalar|forward|reverse)."""
    engine: Engine
    y: object
    raw: object
    how: str
    label: str = "y"


@dataclass
class Trace:
    """What the derivation did: its rounds (one per order, each a Part per variable) and
    every simplification (rule id, before, after) of the final closed form."""
    rounds: list = field(default_factory=list)
    simplifications: list = field(default_factory=list)

    @property
    def engines(self) -> list:
        return [p.engine for r in self.rounds for p in r]

    def rules_used(self) -> set:
        """Ids of every rule that took part: differentials, sweeps, simplifications."""
        ids = {r.id for e in self.engines for r in e.used.values() if r is not None}
        ids |= {r.id for e in self.engines for r, _ in e.trace}
        return ids | {rid for rid, _, _ in self.simplifications}


class Derivation:
    """The result of `derive`: closed form, shape, trace, steps, check and conversions."""

    def __init__(self, question: Question, result, raw, trace: Trace):
        self.question = question
        self.result = result
        self.raw = raw
        self.trace = trace

    # the question, as attributes
    input = property(lambda self: self.question.text)
    expr = property(lambda self: self.question.expr)
    wrt = property(lambda self: list(self.question.wrt))
    var_shapes = property(lambda self: dict(self.question.shapes))
    order = property(lambda self: self.question.order)
    layout = property(lambda self: self.question.layout)

    def __str__(self) -> str:
        return str(self.result)

    def __repr__(self) -> str:
        return (f"<Derivation ∂/∂{','.join(self.wrt)} {self.input!r} = {self.result} "
                f"({self.shape_text}, {self.layout} layout)>")

    def display(self, threshold: int = 160):
        """(main text, [(name, definition)]): the result with shared subexpressions named
        once (h₁ = tanh(W1 x), …) when that is shorter — printed size linear in the DAG."""
        plain = str(self.result)
        if len(plain) <= threshold:
            return plain, []
        from .printing.cse import cse_text_size, to_text_cse
        main, defs = to_text_cse(self.result)
        if not defs or cse_text_size(main, defs) > 0.8 * len(plain):
            return plain, []
        return main, defs

    @property
    def shape(self) -> tuple:
        return tuple(str(d) for d in self.result.shape)

    @property
    def shape_text(self) -> str:
        return format_shape(self.result.shape)

    @property
    def latex(self) -> str:
        from .printing.latex import to_latex
        return to_latex(self.result)

    def _repr_latex_(self) -> str:
        from .printing.latex import to_latex
        from .tree import Expr
        var = ", ".join(to_latex(Expr("var", (), self.var_shapes[w], w)) for w in self.wrt)
        k = self.order
        d = "\\partial" if k == 1 else f"\\partial^{k}"
        den = f"\\partial {var}" if k == 1 else f"\\partial {var}^{k}"
        return f"$\\frac{{{d}}}{{{den}}} {to_latex(self.expr)} = {self.latex}$"

    @functools.cached_property
    def steps(self) -> list:
        from .steps import explain
        return explain(self)

    def steps_text(self) -> str:
        from .steps import steps_text
        return steps_text(self.steps)

    def steps_latex(self) -> str:
        from .steps import steps_latex
        return steps_latex(self.steps)

    # -- proof and conversions -----------------------------------------------------------
    def check(self, sizes=None, methods=("exact", "numeric"), seed: int = 0):
        from .check import check_derivative
        return check_derivative(self.expr, self.result, self.wrt, self.var_shapes,
                                order=self.order, layout=self.layout, methods=methods,
                                sizes=sizes, seed=seed)

    def lambdify(self, backend: str = "numpy"):
        if backend != "numpy":
            raise UnsupportedError(f"lambdify backend {backend!r}: only 'numpy' (use "
                                   f"--format pytorch/jax for code)", label="backend")
        from .evaluate import lambdify
        return lambdify(self.result, self.wrt, self.var_shapes, layout=self.layout,
                        order=self.order, out_shape=self.expr.shape)

    def to_sympy(self, sizes=None):
        from .sympy_bridge import to_sympy
        return to_sympy(self.result, sizes)

    def to_dict(self, check=None) -> dict:
        out = {
            "input": self.input,
            "wrt": list(self.wrt),
            "order": self.order,
            "shapes": {k: format_shape(v) for k, v in self.var_shapes.items()},
            "result": _result_dict(self),
            "shape": list(self.shape),
            "layout": self.layout,
            "steps": [s.to_dict() for s in self.steps],
        }
        if check is not None:
            out["check"] = check.to_dict()
        return out


def _result_dict(d) -> dict:
    out = {"text": str(d.result), "latex": _safe_latex(d.result)}
    main, where = d.display()
    if where:
        out["shared"] = {"text": main, "where": [{"name": n, "text": t} for n, t in where]}
    return out


def _safe_latex(e):
    try:
        from .printing.latex import to_latex
        return to_latex(e)
    except Exception:       # the LaTeX printer is optional for the text/JSON paths
        return None


def derive(text, wrt=None, shapes=None, order: int = 1, layout: str = "numerator",
           rulebook=None) -> Derivation:
    """Differentiate `text` (or a `Question`) by `wrt`; see docs/design.md, Conventions."""
    q = text if isinstance(text, Question) else \
        Question.ask(text, wrt, shapes, order, layout, rulebook)
    rb, names = q.rulebook, list(q.wrt)
    trace = Trace()
    if q.order == 2:
        raw = _hessian(q, trace)
    elif q.order > 2:
        raise UnsupportedError(f"order {q.order}: matcalc derives first and second "
                               f"derivatives", label="bad-order")
    else:
        parts = []
        for x in names:
            eng = Engine(rb, x, q.shapes[x])
            J, how = identify(eng, q.expr, eng.differential(q.expr))
            parts.append(Part(eng, q.expr, J, how))
        trace.rounds.append(parts)
        if len(parts) == 1:
            raw = parts[0].raw
        else:
            if any(q.shapes[n][1] != 1 for n in names) or q.expr.shape[1] != 1:
                raise UnsupportedError("several variables at once: each must be a scalar or a "
                                       "column vector, and the expression a scalar or a "
                                       "column", label="multi-wrt")
            raw = mk("hcat", *(p.raw for p in parts))
    record = trace.simplifications
    result = simplify(raw, record, rb)
    if transposes(q.expr.shape, q.wrt_shapes, q.layout):
        result = simplify(mk("T", result), record, rb)
    result = present(result)
    _assert_shape(result, q)
    return Derivation(q, result, raw, trace)


def _hessian(q: Question, trace: Trace):
    """The derivative of the gradient (as a column): the Hessian by a scalar or a vector."""
    x, xs = q.wrt[0], q.shapes[q.wrt[0]]
    if len(q.wrt) != 1 or q.expr.shape != SCALAR:
        raise UnsupportedError("a Hessian needs a scalar expression and one variable",
                               label="bad-hessian")
    if xs[0] != 1 and xs[1] != 1:
        raise UnsupportedError(f"the Hessian by the {format_shape(xs)} variable {x} is a "
                               f"tensor of order 4; matcalc takes Hessians by scalars and "
                               f"vectors", label="tensor-derivative")
    eng = Engine(q.rulebook, x, xs)
    J, how = identify(eng, q.expr, eng.differential(q.expr))
    grad = simplify(mk("T", J) if xs[1] == 1 and xs != SCALAR else J, None, q.rulebook)
    eng2 = Engine(q.rulebook, x, xs)
    H, how2 = identify(eng2, grad, eng2.differential(grad))
    trace.rounds = [[Part(eng, q.expr, grad, how)], [Part(eng2, grad, H, how2, "g")]]
    return H


def _assert_shape(result, q: Question) -> None:
    if len(q.wrt) > 1:
        return                                   # blocks side by side: checked per block
    want = matrix_form_shape(q.expr.shape, q.wrt_shapes, q.order, q.layout)
    if not all(same_size(a, b) for a, b in zip(result.shape, want)):
        raise InternalError(f"the derivative has shape {format_shape(result.shape)}, expected "
                            f"{format_shape(want)}", label="internal")
