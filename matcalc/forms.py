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
from .engine import Engine, memo_any, identify
from .errors import UnsupportedError
from .rewrite import replace
from .shaperules import mk
from .simplify import present, simplify
from .structure import strip_symmetric
from .sizes import SCALAR
from .trace import Part
from .tree import Expr, num

from .conventions import FORMS  # noqa: F401  (the forms a question may ask for)


@record
class Forms:
    rounds: list                       # [(name, shape)] in the order of differentiation
    _matrix: Expr | None = None        # the matrix / vec-Kronecker form, simplified
    _pending: object = None            # what simplifies it, where that waits for a reader
    matrix_raw: Expr | None = None     # as read off, before simplification
    kind: str = ""                     # "matrix" (the paper's conventions) | "kron"
    why_not: str = ""                  # why there is no matrix form
    _parts: list = field(default_factory=list)    # the matrix chain, for the steps
    _engines: list = field(default_factory=list)  # the differential chain's engines
    _chain: list = field(default_factory=list)    # d y, d²y, … as taken, for the steps
    _chains_pending: object = None     # what takes the chains, where they wait for a reader
    simplifications: list = field(default_factory=list)
    from_index: bool = False           # the matrix form was read back from the index form
    _index: object = None
    _simplified: tuple | None = None   # (multilinear, differential) once simplified
    _simplifier: tuple | None = None   # (rulebook, simplify's memo) to simplify them with

    structure: dict = field(default_factory=dict)   # round -> ("sym"|"diag", convention)

    # The chains of a block whose gradient came from a joint sweep (`compute(gradient=…)`)
    # are taken the first time the steps or the differential form read them.
    def _chains(self, what: str) -> list:
        while self._chains_pending is not None:    # (taking them may leave rounds waiting)
            pending, self._chains_pending = self._chains_pending, None
            pending()
        return getattr(self, what)

    parts = property(lambda self: self._chains("_parts"))
    engines = property(lambda self: self._chains("_engines"))
    chain = property(lambda self: self._chains("_chain"))

    @property
    def matrix(self) -> Expr | None:
        """The matrix / vec-Kronecker form, simplified (on first read for a block of a joint
        derivative, whose answer is simplified from the blocks' raw forms at once)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending()
        return self._matrix

    @property
    def has_matrix(self) -> bool:
        """Whether there is a matrix form (without simplifying one that waits)."""
        return self._pending is not None or self.matrix is not None

    @matrix.setter
    def matrix(self, value: Expr | None) -> None:
        self._pending, self._matrix = None, value

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


def compute(q, names: list, record: list | None = None, memo: dict | None = None,
            lazy: bool = False, gradient: Expr | None = None) -> Forms:
    """The forms of the derivative by `names`, one per round; `memo` (simplify's cache of
    steps) may be shared by the blocks of one question: their gradients share the backward
    parts of the sweep.  `lazy`: a block of a joint derivative, whose own matrix form is
    simplified only if read; `gradient`: its raw gradient, read off a joint sweep (`Engine.
    joint`), and then its own chains are taken only if read (for the steps)."""
    rb = q.rulebook
    rounds = [(v, q.shapes[v]) for v in names]
    f = Forms(rounds)
    f.structure = {r: (q.structure[v], q.sym) for r, v in enumerate(names, 1)
                   if v in q.structure}
    sym = set(q.structure)
    if memo is None:
        memo = {}                   # the simplifier's steps taken so far (simplify's memo)
    f._simplifier = (rb, memo)                    # simplified when first read
    if gradient is not None:
        J = gradient
        f._chains_pending = lambda: _take_chains(f, q, rounds)
    else:
        J = _take_chains(f, q, rounds)
    paper = _paper_shaped(q.expr.shape, rounds)

    def finish():
        if J is not None:
            out = simplify(J, record, rb, memo)
            if sym:
                out = simplify(strip_symmetric(out, sym), record, rb, memo)
            if transposes(q.expr.shape, [s for _, s in rounds], q.layout):
                out = simplify(mk("T", out), record, rb, memo)
            f.matrix = present(out, memo)
        if paper and (J is None or _machinery(f.matrix)):
            _from_index(f, q, rb, memo)

    if J is not None:
        f.matrix_raw, f.kind = J, "matrix" if paper else "kron"
    if lazy and J is not None and not _machinery(J, memo.setdefault(_MACHINERY, {})):
        # a block of a joint derivative: its answer is simplified from the raw blocks at
        # once (their shared parts once), this block's own form only if something reads it;
        # it has a matrix form (J), and the index form is not needed (no machinery in J:
        # simplification does not bring any in)
        f._pending = finish
    else:
        finish()
    return f


def _take_chains(f: Forms, q, rounds: list) -> Expr | None:
    """The differential chain and the matrix chain of `f` (its engines, parts); the raw
    derivative read off the matrix chain, or None (then `f.why_not` says why)."""
    rb, memo = f._simplifier
    # the differential chain: its first round now (the matrix chain starts from it), the
    # others when the steps or the differential and index forms read them (an answer printed
    # as the paper's matrix, most Hessians, never does)
    def differentials(rounds_left):
        L = f._chain[-1] if f._chain else q.expr
        for r, (v, shape) in rounds_left:
            eng = Engine(rb, v, shape, r)
            f._engines.append(eng)
            L = eng.differential(L) if L is not None else None
            f._chain.append(L)

    numbered = list(enumerate(rounds, 1))
    differentials(numbered[:1])
    if len(numbered) > 1:
        f._chains_pending = lambda: differentials(numbered[1:])
    # the matrix chain
    Y, J = q.expr, None
    for r, (v, shape) in enumerate(rounds, 1):
        # round 1 differentiates the same y by the same d(x) as the differential chain did
        eng = f._engines[0].copy() if r == 1 else Engine(rb, v, shape)
        try:
            J, how = identify(eng, Y, eng.differential(Y))
        except UnsupportedError as e:
            f.why_not, J = e.message, None
            break
        if r in f.structure:
            J = _structured(J, eng.x, Y, *f.structure[r])
        f._parts.append(Part(eng, Y, J, how, "y" if r == 1 else f"g{_sub(r - 1)}"))
        if r < len(rounds):
            column = rank(q.expr.shape) == 0 and shape[1] == 1 and shape != SCALAR and \
                J.shape[0] == 1
            Y = simplify(mk("T", J) if column else J, None, rb, memo)
    return J


def joint_gradients(q) -> dict | None:
    """The raw gradients of a scalar by several matrices (each a block of its own, first
    order, unstructured), read off one reverse sweep (`Engine.joint`): {name: gradient}; None
    where the question is not of that kind or the sweep does not pass (then each block
    takes its own sweep and says why)."""
    if q.order != 1 or q.expr.shape != SCALAR or len(q.blocks) < 2 or q.structure or \
            any(len(names) != 1 for names in q.blocks):
        return None
    variables = [(names[0], q.shapes[names[0]]) for names in q.blocks]
    if len({v for v, _ in variables}) != len(variables) or \
            not all(len(s) == 2 and s[0] != 1 and s[1] != 1 for _, s in variables):
        return None                       # vectors: read off the forward sweep, one by one
    eng = Engine.joint(q.rulebook, variables)
    try:
        return eng.gradients(eng.differential(q.expr), num(1))
    except UnsupportedError:
        return None


def _structured(J: Expr, x: Expr, y: Expr, kind: str, convention: str) -> Expr:
    """The derivative by a symmetric or diagonal x from the unstructured one."""
    from .structure import project_gradient, projector
    if y.shape == SCALAR and J.shape == x.shape:           # a gradient, shaped like x
        return project_gradient(J, x, kind, convention)
    return mk("matmul", J, projector(x, kind, convention))


_MACHINERY = ("machinery",)     # the key of _machinery's memo in simplify's cache


def _machinery(e: Expr, memo: dict | None = None) -> bool:
    """A matrix form that went through vec/Kronecker identities to reach a matrix (or, raw,
    one whose simplification may bring them in: the Kronecker forms of matrix functions);
    `memo` (node -> bool) may be shared by the blocks of a joint derivative."""
    return memo_any(e, {} if memo is None else memo, _is_machinery)


def _is_machinery(n: Expr) -> bool:
    return n.op in ("kron", "commutation", "vec", "unvec") or \
        n.op.endswith(("_kron", "_frechet"))


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
