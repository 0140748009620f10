"""derive(): a question in, a `Derivation` out — the closed form, its shape, the trace of how
it was found, the steps, the proof and the conversions.

Owns: `derive`, `Derivation`, `Trace`, `Part`.  Each round of differentiation takes every
variable of `wrt` in turn: the engine builds dy by the differential rules and `identify`
reads the derivative off it (conventions: `matcalc.conventions`); order 2 differentiates the
gradient (as a column) once more.  The trace keeps what the engine did, for the steps.
Invariant: `Derivation.result` is simplified, presented, and has the shape the conventions
promise (`conventions.matrix_form_shape`) — else InternalError.
Size: over 300 lines because the joint (block) assembly `_joint` shares `derive`'s state;
it is the next piece to move out (a `joint` module).

>>> str(derive("max(0, w.x + b)", "w", {"w": "n", "x": "n", "b": "scalar"}))
'step(w·x + b) xᵀ'
"""
from __future__ import annotations

import functools

from .conventions import matrix_form_shape, transposes
from .engine import Engine
from .errors import InternalError, MatcalcError, UnsupportedError, UsageError
from .forms import compute, joint_gradients
from .trace import Part, Trace  # noqa: F401  (Part: part of the public trace)
from .question import Question
from .shaperules import mk
from .simplify import present, simplify
from .sizes import SCALAR, format_shape, same_size


class Derivation:
    """The result of `derive`: closed form, shape, trace, steps, check and conversions."""

    def __init__(self, question: Question, result, raw, trace: Trace, form: str = "matrix",
                 blocks=None):
        self.question = question
        self.result = result
        self.raw = raw
        self.trace = trace
        self.form = form               # matrix | kron | differential | index
        self.blocks = blocks or []

    # the question, as attributes
    input = property(lambda self: self.question.text)
    expr = property(lambda self: self.question.expr)
    wrt = property(lambda self: list(self.question.wrt))
    var_shapes = property(lambda self: dict(self.question.shapes))
    order = property(lambda self: self.question.order)
    layout = property(lambda self: self.question.layout)

    def __str__(self) -> str:
        """The result's text; one too large to write out in full (a deep chain's derivative)
        is written with its shared parts named, as `display()` writes it."""
        from .printing.base import MAX_WRITTEN, written_size
        if written_size(self.result, MAX_WRITTEN) <= MAX_WRITTEN:
            return str(self.result)
        main, where = self.display()
        return "\n".join([main] + [f"  where {name} = {text}" for name, text in where])

    def __repr__(self) -> str:
        return (f"<Derivation ∂/∂{','.join(self.wrt)} {self.input!r} = {self} "
                f"({self.shape_text}, {self.layout} layout)>")

    def display(self, threshold: int = 160):
        """(main text, [(name, definition)]): the result with shared subexpressions named
        once (h₁ = tanh(W1 x), …) when that is shorter — printed size linear in the DAG;
        the names the text defines are used where their values occur (`matcalc.naming`)."""
        from .rewrite import deep_recursion
        with deep_recursion():             # deep trees: room to compare; no GC passes
            return self._display(threshold)

    def _display(self, threshold: int):
        if self.question.definitions:
            from .naming import display
            return display(self.result, self.question.definitions, threshold, self.expr,
                           self.question.rulebook)
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
        from .display import Steps
        from .explain import explain
        return Steps(explain(self))

    def steps_text(self) -> str:
        from .steps import steps_text
        return steps_text(self.steps)

    def steps_latex(self) -> str:
        from .steps import steps_latex
        return steps_latex(self.steps)

    @property
    def tensor(self) -> bool:
        """The printed form is not a matrix of the derivative (a differential or an index
        form): its array is computed from the index form."""
        return self.form in ("differential", "index")

    @functools.cached_property
    def index(self):
        """The index form of the derivative (`matcalc.tensor.ir.IndexForm`)."""
        if len(self.blocks) != 1:
            raise UnsupportedError("the index form is given for one variable per round",
                                   label="index-form")
        return self.blocks[0].index(self.expr.shape)

    @property
    def array_shape(self) -> tuple:
        """The derivative array's shape, symbolic: the output's axes, then each round's
        variable's (sizes as strings; a scalar output adds none)."""
        out = [str(x) for x in self.expr.shape if x != 1]
        if len(self.wrt) > 1 and not self.question.mixed:
            from .sizes import add_sizes, count
            total = count(self.var_shapes[self.wrt[0]])
            for n in self.wrt[1:]:
                total = add_sizes(total, count(self.var_shapes[n]))
            return tuple(out + [str(total)] * self.order)
        for n in self.question.blocks[0]:
            out += [str(x) for x in self.var_shapes[n] if x != 1]
        return tuple(out)

    # -- proof and conversions -----------------------------------------------------------
    def check(self, sizes=None, methods=("exact", "numeric"), seed: int = 0):
        from .check import check_derivative
        expr, result = self.expr, self.index if self.tensor else self.result
        if self.question.structure:       # proved as f(P(Y)) by an unstructured Y
            from .structure import substitute_for_check
            expr, result = substitute_for_check(expr, result, dict(self.question.structure),
                                                self.question.sym, self.wrt)
        return check_derivative(expr, result,
                                self.question.blocks[0] if self.question.mixed else self.wrt,
                                self.var_shapes, order=self.order, layout=self.layout,
                                methods=methods, sizes=sizes, seed=seed,
                                mixed=self.question.mixed,
                                vec=self.question.vec if self.form == "kron" else "row")

    def lambdify(self, backend: str = "numpy"):
        if backend != "numpy":
            raise UnsupportedError(f"lambdify backend {backend!r}: only 'numpy' (use "
                                   f"--format pytorch/jax for code)", label="backend")
        from .evaluate import lambdify, lambdify_index
        if self.tensor or self.question.mixed:
            return lambdify_index(self.index, self.wrt, self.var_shapes)
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
            "mixed": self.question.mixed,
            "shapes": {k: format_shape(v) for k, v in self.var_shapes.items()},
            "inferred": list(self.question.inferred),
            "notes": list(self.question.notes),
            "form": self.form,
            "result": _result_dict(self),
            "shape": list(self.shape),
            "array_shape": list(self.array_shape),
            "layout": self.layout,
            "vec": self.question.vec,
            "forms": _forms_dict(self),
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


def _forms_dict(d) -> dict:
    """Every form the derivative can be read in (text), where it exists."""
    out: dict = {}
    if len(d.blocks) != 1:
        return out
    b = d.blocks[0]
    if b.matrix is not None:                   # the Kronecker form in the vec order asked
        out[b.kind] = str(d.result if d.form == b.kind else b.matrix)
    out["differential"] = str(b.differential) if b.differential is not None else "0"
    try:
        from .tensor.notation import einsum_text, index_text
        out["index"] = index_text(d.index, "f", d.order)
        out["einsum"] = einsum_text(d.index)
    except MatcalcError:            # an index form too large to write out
        pass
    return out


def _safe_latex(e):
    try:
        from .printing.latex import to_latex
        return to_latex(e)
    except Exception:       # the LaTeX printer is optional for the text/JSON paths
        return None


def derive(text, wrt=None, shapes=None, order: int = 1, layout: str = "numerator",
           rulebook=None, form: str = "auto", mixed: bool = False) -> Derivation:
    """Differentiate `text` (or a `Question`) by `wrt`; see docs/design.md, Conventions."""
    q = text if isinstance(text, Question) else \
        Question.ask(text, wrt, shapes, order, layout, rulebook, form, mixed)
    record: list = []
    steps: dict = {}           # the simplifier's steps, shared by the blocks and their joint
    joint = joint_gradients(q)          # several matrices at once: one reverse sweep
    blocks = [compute(q, names, record if len(q.blocks) == 1 else None, steps,
                      lazy=len(q.blocks) > 1, gradient=joint and joint[names[0]])
              for names in q.blocks]
    trace = Trace(blocks, simplifications=record)
    if len(blocks) == 1:
        f = blocks[0]
        chosen = _choose(q, f)
        result = f.matrix if chosen in ("matrix", "kron") else f.differential
        raw = f.matrix_raw if chosen in ("matrix", "kron") else f.multilinear
        if chosen in ("matrix", "kron"):
            _assert_shape(result, q)
        if chosen == "kron" and q.vec == "column":
            from .colmajor import column_major
            result = present(column_major(result, q))
        if result is None:                        # the derivative is 0
            from .tree import zeros
            result = zeros(q.expr.shape)
        return Derivation(q, result, raw, trace, chosen, blocks)
    return _joint(q, blocks, trace, record, steps)


def _choose(q: Question, f) -> str:
    """The form to print: what was asked, else the paper's matrix where there is one, the
    vec/Kronecker Jacobian where it reads no longer than the differential, else the
    differential (the index form on request)."""
    want = q.form
    if want in ("matrix", "kron") and f.matrix is None:
        raise UnsupportedError(f"no {want} form here ({f.why_not}); the differential and "
                               f"index forms hold", label="no-matrix-form",
                               hint="use form='differential' or 'index'")
    if want == "auto":
        # the paper's matrix where there is one; the Kronecker form where it reads about as
        # short as the differential (first derivatives: up to 3×, as the vec convention is
        # what a Jacobian of a matrix is; higher orders: 1.5×); else the differential
        limit = 3 if q.order == 1 else 1
        # each form printed once, and only when the choice depends on it (printing a large
        # tree costs more than deriving it)
        m_text = str(f.matrix) if f.matrix is not None and f.kind != "matrix" else None
        if q.order == 1 and m_text is not None and len(m_text) <= 40:
            limit = 40
        if m_text is not None and "diag(vec(I))" in m_text:
            limit = 1          # a diagonal's selection matrices: the differential reads better
        short = f.matrix is not None and (f.kind == "matrix" or f.differential is None or
                                          len(m_text) <= limit * len(str(f.differential)))
        want = f.kind if short else "differential"
    elif want == "matrix":
        want = f.kind
    if q.layout == "denominator" and not _layout_means_something(q):
        raise UsageError("the denominator layout is the transpose of a Jacobian of vectors; "
                         "this derivative is a tensor, arranged by its vec convention",
                         label="bad-layout", hint="use the numerator layout")
    return want


def _layout_means_something(q: Question) -> bool:
    """The vector case (where denominator layout transposes) or a gradient by a matrix
    (which has the matrix's shape in either layout)."""
    from .conventions import is_vector_case
    shapes = q.rounds_shapes
    return is_vector_case(q.expr.shape, shapes) or \
        (q.order == 1 and q.expr.shape == SCALAR and len(shapes) == 1)


def _joint(q: Question, blocks, trace, record, steps: dict | None = None) -> Derivation:
    """By several variables at once (their concatenation): the Jacobian blocks side by side
    (the paper's R-J4; a matrix variable enters as its row-major vec), or a scalar's joint
    Hessian as the block matrix [∂²f/∂a∂b] of the mixed partials."""
    if q.order == 1 and all(b.has_matrix for b in blocks) and \
            all(q.shapes[n][1] == 1 for n in q.wrt) and q.expr.shape[1] == 1:
        raw = mk("hcat", *(b.matrix_raw for b in blocks))
        result = simplify(raw, record, q.rulebook, steps)
        if transposes(q.expr.shape, q.wrt_shapes, q.layout):
            result = simplify(mk("T", result), record, q.rulebook, steps)
        return Derivation(q, present(result), raw, trace, "matrix", blocks)
    if q.order > 2 or (q.order == 2 and q.expr.shape != SCALAR):
        raise UnsupportedError("by several variables at once, matcalc writes Jacobians and a "
                               "scalar's Hessian (in blocks); a higher derivative by several "
                               "variables is the set of its mixed partials",
                               label="multi-wrt", hint="take each block with mixed=True "
                                                       "(--mixed), e.g. wrt=['x', 'y', 'x']")
    missing = [names for b, names in zip(blocks, q.blocks) if not b.has_matrix]
    if missing:
        why = blocks[q.blocks.index(missing[0])].why_not
        raise UnsupportedError(f"the block by {', '.join(missing[0])} has no matrix form "
                               f"({why})", label="multi-wrt",
                               hint="take the blocks one at a time (mixed=True) and use "
                                    "form='differential' or 'index'")
    parts = [_as_jacobian(b.matrix_raw, q, names) for b, names in zip(blocks, q.blocks)]
    k = len(q.wrt)
    if q.order == 1:
        raw = mk("hcat", *parts)
    else:
        raw = mk("vcat", *(mk("hcat", *parts[i * k:(i + 1) * k]) for i in range(k)))
    if q.layout == "denominator":
        raise UsageError("the denominator layout transposes a Jacobian of vectors; by "
                         "several variables with a matrix among them the derivative is "
                         "arranged by the vec convention", label="bad-layout",
                         hint="use the numerator layout")
    result = simplify(raw, record, q.rulebook, steps)
    return Derivation(q, present(result), raw, trace, "kron", blocks)


def _as_jacobian(m, q: Question, names):
    """A block in the vec/Kronecker convention, count(y)·count(a) × count(b): a gradient by
    a matrix (the Cookbook's matrix of X's shape) becomes the row vec(G)ᵀ, a matrix's
    derivative by a scalar the column vec(·)."""
    from .sizes import count
    last = count(q.shapes[names[-1]])
    if same_size(m.shape[1], last) and (m.shape[0] == 1 or m.shape[1] != 1 or last == 1):
        return m
    if last == 1:
        return mk("vec", m)
    return mk("T", mk("vec", m))


def _assert_shape(result, q: Question) -> None:
    if q.mixed or len(q.wrt) > 1:
        return                                   # blocks / mixed: checked by their own rounds
    want = matrix_form_shape(q.expr.shape, q.wrt_shapes, q.order, q.layout)
    if not all(same_size(a, b) for a, b in zip(result.shape, want)):
        raise InternalError(f"the derivative has shape {format_shape(result.shape)}, expected "
                            f"{format_shape(want)}", label="internal")
