"""The derivative of one question by a sequence of variables (one per round), in every form
it can be read in.

Owns: `Forms` and `compute(question, names)`.  Two chains are run:
- the **matrix chain**: round by round, `identify` reads the derivative off the differential
  of the previous round's closed form (a gradient is carried on as a column), so the result
  is the paper's matrix where one exists and otherwise the vec/Kronecker Jacobian
  ∂vec(J)/∂vec(x)ᵀ (row-major vec) — or nothing, where no sweep rule passes;
- the **differential chain**: dᵏY, each round with its own direction d(x_r), earlier ones held
  constant — always there; printed as the differential, and read into the index form, which
  evaluates to the derivative array whatever else exists.
Invariant: every form of a `Forms` is the same derivative (the checker proves the printed
one; the tests prove each against the others).
"""
from __future__ import annotations

from .records import field, record

from .conventions import rank, transposes
from .engine import Engine, identify
from .errors import UnsupportedError
from .rewrite import replace
from .shaperules import mk
from .simplify import present, simplify
from .structure import strip_symmetric
from .sizes import SCALAR
from .trace import Part
from .tree import Expr

from .conventions import FORMS  # noqa: F401  (the forms a question may ask for)


@record
class Forms:
    rounds: list                       # [(name, shape)] in the order of differentiation
    matrix: Expr | None = None         # the matrix / vec-Kronecker form, simplified
    matrix_raw: Expr | None = None     # as read off, before simplification
    kind: str = ""                     # "matrix" (the paper's conventions) | "kron"
    why_not: str = ""                  # why there is no matrix form
    parts: list = field(default_factory=list)     # the matrix chain, for the steps
    engines: list = field(default_factory=list)   # the differential chain's engines
    chain: list = field(default_factory=list)     # d y, d²y, … as taken, for the steps
    simplifications: list = field(default_factory=list)
    from_index: bool = False           # the matrix form was read back from the index form
    _index: object = None
    _simplified: tuple | None = None   # (multilinear, differential) once simplified
    _simplifier: tuple | None = None   # (rulebook, simplify's memo) to simplify them with

    structure: dict = field(default_factory=dict)   # round -> ("sym"|"diag", convention)

    # The differential chain is simplified on first use: an answer printed as the paper's
    # matrix (most gradients and Hessians) never reads it.
    @property
    def multilinear(self) -> Expr | None:
        """dᵏY, a direction per round, simplified (None: the derivative is 0)."""
        return self._simplify_chain()[0]

    @property
    def differential(self) -> Expr | None:
        """dᵏY for reading: one d(x) per variable, simplified."""
        return self._simplify_chain()[1]

    def _simplify_chain(self) -> tuple:
        if self._simplified is None:
            rb, memo = self._simplifier
            L = self.chain[-1] if self.chain else None
            m = simplify(L, None, rb, memo) if L is not None else None
            if m is not None and not any(n.op == "d" for n in m.walk()):
                m = None                                  # it simplified to 0
            self._simplified = (m, _merged(m, rb, memo))
        return self._simplified

    def index(self, yshape):
        """The index form (built on first use: it can be large), structured rounds
        projected."""
        if self._index is None:
            from .tensor.translate import index_form
            form = index_form(self.multilinear, yshape, self.rounds)
            if self.structure:
                from .structure import project_index
                from .tensor.ir import Indices, simplify_terms
                for role, (kind, conv) in self.structure.items():
                    form = project_index(form, role, kind, conv)
                ix = Indices()
                ix.sizes = dict(form.sizes)
                form = simplify_terms(form, ix)
            self._index = form
        return self._index


def compute(q, names: list, record: list | None = None, memo: dict | None = None) -> Forms:
    """The forms of the derivative by `names`, one per round; `memo` (simplify's cache of
    steps) may be shared by the blocks of one question: their gradients share the backward
    parts of the sweep."""
    rb = q.rulebook
    rounds = [(v, q.shapes[v]) for v in names]
    f = Forms(rounds)
    f.structure = {r: (q.structure[v], q.sym) for r, v in enumerate(names, 1)
                   if v in q.structure}
    sym = set(q.structure)
    if memo is None:
        memo = {}                   # the simplifier's steps taken so far (simplify's memo)
    # the differential chain
    L = q.expr
    for r, (v, shape) in enumerate(rounds, 1):
        eng = Engine(rb, v, shape, r)
        f.engines.append(eng)
        L = eng.differential(L) if L is not None else None
        f.chain.append(L)
    f._simplifier = (rb, memo)                    # simplified when first read
    # the matrix chain
    Y, J = q.expr, None
    for r, (v, shape) in enumerate(rounds, 1):
        # round 1 differentiates the same y by the same d(x) as the differential chain did
        eng = f.engines[0].copy() if r == 1 else Engine(rb, v, shape)
        try:
            J, how = identify(eng, Y, eng.differential(Y))
        except UnsupportedError as e:
            f.why_not, J = e.message, None
            break
        if r in f.structure:
            J = _structured(J, eng.x, Y, *f.structure[r])
        f.parts.append(Part(eng, Y, J, how, "y" if r == 1 else f"g{_sub(r - 1)}"))
        if r < len(rounds):
            column = rank(q.expr.shape) == 0 and shape[1] == 1 and shape != SCALAR and \
                J.shape[0] == 1
            Y = simplify(mk("T", J) if column else J, None, rb, memo)
    paper = _paper_shaped(q.expr.shape, rounds)
    if J is not None:
        f.matrix_raw = J
        out = simplify(J, record, rb, memo)
        if sym:
            out = simplify(strip_symmetric(out, sym), record, rb, memo)
        if transposes(q.expr.shape, [s for _, s in rounds], q.layout):
            out = simplify(mk("T", out), record, rb, memo)
        f.matrix = present(out, memo)
        f.kind = "matrix" if paper else "kron"
    if paper and (J is None or _machinery(f.matrix)):
        _from_index(f, q, rb, memo)
    return f


def _structured(J: Expr, x: Expr, y: Expr, kind: str, convention: str) -> Expr:
    """The derivative by a symmetric or diagonal x from the unstructured one."""
    from .structure import project_gradient, projector
    if y.shape == SCALAR and J.shape == x.shape:           # a gradient, shaped like x
        return project_gradient(J, x, kind, convention)
    return mk("matmul", J, projector(x, kind, convention))


def _machinery(e: Expr) -> bool:
    """A matrix form that went through vec/Kronecker identities to reach a matrix."""
    return any(n.op in ("kron", "commutation", "vec", "unvec") for n in e.walk())


def _from_index(f: Forms, q, rb, memo: dict | None = None) -> None:
    """The paper's matrix read back from the index form, where the sweeps reached it only
    through Kronecker identities (or not at all) and the index form reads as a matrix."""
    from .tensor.to_matrix import matrix_of
    from .conventions import matrix_form_shape
    xs = [s for _, s in f.rounds]
    if any(x != xs[0] for x in xs):
        return                                    # mixed: no paper matrix to read back
    shape = matrix_form_shape(q.expr.shape, xs[:1], len(xs), "numerator")
    try:
        m = matrix_of(f.index(q.expr.shape), shape)
    except UnsupportedError:
        return
    if m is None:
        return
    if transposes(q.expr.shape, [s for _, s in f.rounds], q.layout):
        m = mk("T", m)
    m = present(simplify(m, None, rb, memo))
    if f.matrix is None or len(str(m)) < len(str(f.matrix)):
        f.matrix, f.matrix_raw, f.kind = m, m, "matrix"
        f.from_index = True


def _paper_shaped(yshape, rounds) -> bool:
    """Where the paper's (and the Cookbook's) conventions give a matrix: y and x scalars or
    vectors at order 1, a scalar's gradient by a matrix, a scalar's Hessian by a vector, any
    order by scalars (which add no axes): at most two axes in all."""
    return rank(yshape) + sum(rank(s) for _, s in rounds) <= 2


def _merged(L: Expr | None, rb, memo: dict | None = None):
    """dᵏY as it is read: every round's d(x) of one variable written as the one dx (the k-th
    differential as a form in dx: d²f = dxᵀ (A + Aᵀ) dx), simplified."""
    if L is None:
        return None
    one = {n: Expr("d", n.args, n.shape, 1) for n in L.walk() if n.op == "d" and n.value != 1}
    return present(simplify(replace(L, one) if one else L, None, rb, memo), memo)


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
