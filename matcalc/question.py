"""The question: what is asked, read and checked once.

Owns: `Question` (frozen): the text, its typed tree, the variables to differentiate by and
every variable's shape (and which were inferred rather than declared), the order, the
layout, the dialect, the notes on how the text was read, and the rulebook that answers it;
`Question.ask(...)` builds it — the one place where text is parsed, `wrt` is read and
validated, and undeclared variables get their shapes; the names the text defines (`h = …;`)
are kept for display.  `derive`, the CLI, the checker,
`lambdify`, the steps and the code export all read the same object.
Invariant: a Question is consistent — every name of `wrt` has a shape, the tree is typed
with the shapes in `shapes`, the order is ≥ 1 and the layout one of `LAYOUTS`.

>>> q = Question.ask("w.x + b", "w", {"w": "n"})
>>> q.wrt, q.shapes["x"], q.order, q.inferred
(('w',), ('n', 1), 1, ('x', 'b'))
"""
from __future__ import annotations

import re
from .records import field, record
from types import MappingProxyType
from collections.abc import Mapping, Sequence

from .conventions import FORMS, LAYOUTS
from .dialect import DEFAULT
from .errors import UsageError
from .tree import Expr

NAME = re.compile(r"[A-Za-z_\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff\u2080-\u2089]*")
MAX_ORDER = 8


@record(frozen=True)
class Question:
    text: str
    expr: Expr
    wrt: tuple
    shapes: Mapping              # every variable (and every wrt) -> (rows, cols)
    declared: frozenset          # the names whose shapes were declared, not inferred
    order: int = 1
    layout: str = "numerator"
    rulebook: object = field(default=None, compare=False, repr=False)
    form: str = "auto"           # which form to print: auto matrix kron differential index
    mixed: bool = False          # wrt names successive rounds (∂²f/∂x∂y), not one variable
    dialect: str = DEFAULT
    notes: tuple = ()            # how the text was read, where a reader should know it
    structure: Mapping = field(default_factory=dict)   # name -> "sym" | "diag"
    sym: str = "sym"             # the gradient convention for a symmetric variable
    vec: str = "row"             # Kronecker forms: row-major vec (C order) or column-major
    definitions: tuple = ()      # (name, typed tree) of each name the text defines

    @classmethod
    def ask(cls, text: str, wrt: str | Sequence[str], shapes: Mapping | None = None,
            order: int = 1, layout: str = "numerator", rulebook=None, form: str = "auto",
            mixed: bool = False, dialect: str | None = None, sym: str = "sym",
            vec: str = "row") -> "Question":
        """Read `text` (in `dialect`: 'matcalc' or 'matrixcalculus') and `wrt` once."""
        from .reader import read, shapes_of_wrt
        from .rulebook import load
        if layout not in LAYOUTS:
            raise UsageError(f"layout must be 'numerator' or 'denominator', not {layout!r}",
                             label="bad-layout")
        from .structure import CONVENTIONS, structures
        if sym not in CONVENTIONS:
            raise UsageError(f"sym must be one of {', '.join(CONVENTIONS)}, not {sym!r}",
                             label="bad-sym", hint="sym: the gradient on symmetric matrices, "
                                                   "(G + Gᵀ)/2; cookbook: G + Gᵀ − I ⊙ G")
        from .colmajor import VEC_ORDERS
        if vec not in VEC_ORDERS:
            raise UsageError(f"vec must be 'row' or 'column', not {vec!r}", label="bad-vec",
                             hint="row: vec stacks rows (C order, NumPy); column: stacks "
                                  "columns (Magnus & Neudecker, the Matrix Cookbook)")
        if form not in FORMS:
            raise UsageError(f"form must be one of {', '.join(FORMS)}, not {form!r}",
                             label="bad-form")
        if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
            raise UsageError(f"order {order!r}: give an integer from 1 to {MAX_ORDER}",
                             label="bad-order")
        names = wrt_names(wrt, allow_repeats=mixed)
        if mixed and order != 1:
            raise UsageError("a mixed partial names its variables in order (wrt=['x', 'y'] "
                             "is ∂²/∂x∂y); give no order with it", label="bad-order")
        if mixed:
            order = len(names)
        reading = read(text, shapes, dialect)
        declared = dict(shapes or {})
        defined = {n for n, _ in reading.definitions}
        bad = next((n for n in names if n in defined), None)
        if bad is not None:
            raise UsageError(f"--wrt {bad}: {bad} is defined in the text, not a variable",
                             label="wrt-definition",
                             hint="differentiate by a variable its definition uses; the "
                                  f"answer writes {bad} where its value occurs")
        var_shapes = shapes_of_wrt(reading, names, declared)
        return cls(text, reading.expr, tuple(names), MappingProxyType(var_shapes),
                   frozenset(declared), order, layout,
                   rulebook if rulebook is not None else load(), form, mixed,
                   reading.dialect, reading.notes,
                   MappingProxyType(structures(declared)), sym, vec, reading.definitions)

    @property
    def inferred(self) -> tuple:
        """The variables whose shapes were inferred, not declared (in order of appearance)."""
        return tuple(n for n in self.shapes if n not in self.declared)

    @property
    def wrt_shapes(self) -> list:
        return [self.shapes[n] for n in self.wrt]

    @property
    def blocks(self) -> list:
        """The sequences of variables to differentiate by, one variable per round: a mixed
        partial is one sequence; k-th derivatives by several variables are every sequence
        (their blocks side by side make the derivative by the concatenation)."""
        if self.mixed:
            return [list(self.wrt)]
        import itertools
        return [list(p) for p in itertools.product(self.wrt, repeat=self.order)]

    @property
    def rounds_shapes(self) -> list:
        """The shape differentiated by in each round."""
        return [self.shapes[n] for n in self.blocks[0]] if len(self.wrt) == 1 or self.mixed \
            else self.wrt_shapes

    @property
    def absent(self) -> list:
        """The names of `wrt` that do not occur in the expression (their derivative is 0)."""
        present = self.expr.free_vars()
        return [n for n in self.wrt if n not in present]


def wrt_names(wrt, allow_repeats: bool = False) -> list[str]:
    """'x' | 'x,y' | ['x', 'y'] -> ['x', 'y'], each a variable name, none twice."""
    if isinstance(wrt, str):
        names = [w.strip() for w in wrt.split(",")]
    elif isinstance(wrt, (list, tuple)) and all(isinstance(w, str) for w in wrt):
        names = [w.strip() for w in wrt]
    else:
        raise UsageError(f"wrt must be a name or a list of names, not {type(wrt).__name__}",
                         label="bad-wrt")
    if len(names) == 1 and len(names[0].split()) > 1:
        raise UsageError(f"{names[0]!r} is not a variable name", label="bad-wrt",
                         hint="separate several variables with commas: "
                              f"{','.join(names[0].split())}")
    if not names or any(not n for n in names):
        raise UsageError("name the variable(s) to differentiate by, e.g. wrt='x' or "
                         "wrt=['x', 'y']", hint="e.g. --wrt w or --wrt x,y", label="no-wrt")
    bad = [n for n in names if not NAME.fullmatch(n)]
    if bad:
        raise UsageError(f"{bad[0]!r} is not a variable name", label="bad-wrt",
                         hint="a name starts with a letter: x, W1, x_i, β; several are "
                              "separated by commas: x,y")
    if len(set(names)) != len(names) and not allow_repeats:
        raise UsageError(f"a variable is named twice in wrt={names}", label="bad-wrt")
    return names
