"""matcalc: symbolic matrix calculus in the notation of Parr & Howard.

The public API: `derive`, `hessian`, `parse`, `parse_with_shapes`, `Question`, the error
classes and `__version__` (`dir(matcalc)` lists just these).

>>> import matcalc
>>> str(matcalc.derive("w.x", wrt="w", shapes={"w": "n", "x": "n"}))
'xᵀ'
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

TYPE_CHECKING = False          # typing.TYPE_CHECKING, without importing typing on every start

from . import printing as _printing  # noqa: F401  (str(expr) is the text printer)
from .api import parse, parse_with_shapes
from .errors import (CheckError, InternalError, MatcalcError, ParseError, PrintError,
                     RuleFileError, ShapeError, UnsupportedError, UsageError)
from .question import Question

if TYPE_CHECKING:
    from .derivation import Derivation

__version__ = "0.2.0"


def derive(expr: str | Question, wrt: str | Sequence[str] | None = None,
           shapes: Mapping | None = None, order: int = 1, layout: str = "numerator",
           rulebook=None, form: str = "auto", mixed: bool = False,
           dialect: str | None = None, sym: str = "sym", vec: str = "row") -> "Derivation":
    """Differentiate `expr` (text, or a `Question`) by `wrt` (a name or a list of names),
    `order` times.

    `shapes` declares variables ({"w": "n", "A": "m,n", "b": "scalar"}); `dialect` is
    'matcalc' (the default) or 'matrixcalculus' (matrixcalculus.org's syntax).  `form`
    chooses how the answer is written: "auto" (the paper's matrix where there is one, else
    the vec/Kronecker Jacobian or the differential, whichever reads better), "matrix",
    "kron", "differential" or "index".  `mixed=True` differentiates by the names of `wrt` in
    turn (wrt=["x", "y"] is ∂²f/∂x∂y).  By a symmetric matrix (declared "n,n,sym") the
    gradient is the one on symmetric matrices, (G + Gᵀ)/2; `sym="cookbook"` gives the
    Matrix Cookbook's G + Gᵀ − I ⊙ G.  A Kronecker form stacks vec row by row (C order,
    NumPy's reshape); `vec="column"` writes it in Magnus & Neudecker's and the Cookbook's
    column-major vec (∂vec(AXB)/∂vec(X)ᵀ = Bᵀ ⊗ A).  Returns a `Derivation`: `.result`, `.form`,
    `.shape`, `.array_shape`, `.steps`, `.check()`, `.lambdify()`, `.latex`, `.to_dict()`.
    See docs/design.md for the conventions.
    """
    from .derivation import derive as _derive
    from .rewrite import deep_recursion
    with deep_recursion():
        q = expr if isinstance(expr, Question) else \
            Question.ask(expr, wrt, shapes, order, layout, rulebook, form=form, mixed=mixed,
                         dialect=dialect, sym=sym, vec=vec)
        return _derive(q)


def hessian(expr: str | Question, wrt: str | Sequence[str], shapes: Mapping | None = None,
            rulebook=None, form: str = "auto", dialect: str | None = None) -> "Derivation":
    """The Hessian (order-2 derivative) by one variable of any shape, or by several (their
    concatenation)."""
    return derive(expr, wrt, shapes=shapes, order=2, rulebook=rulebook, form=form,
                  dialect=dialect)


def partial(expr: str, *wrt: str, shapes: Mapping | None = None, rulebook=None,
            form: str = "auto", dialect: str | None = None) -> "Derivation":
    """The mixed partial derivative by the variables in turn: partial(f, "x", "y") is
    ∂²f/∂x∂y, the array of shape f + x + y."""
    return derive(expr, list(wrt), shapes=shapes, rulebook=rulebook, form=form, mixed=True,
                  dialect=dialect)


__all__ = ["parse", "parse_with_shapes", "derive", "hessian", "partial", "Question",
           "MatcalcError", "ParseError", "ShapeError", "UnsupportedError", "RuleFileError", "CheckError",
           "UsageError", "InternalError", "PrintError", "__version__"]


def __dir__() -> list[str]:
    """The public API only (the submodules stay importable: `matcalc.ops`, …)."""
    return sorted(__all__)
