"""matcalc: symbolic matrix calculus in the notation of Parr & Howard.

>>> import matcalc
>>> str(matcalc.derive("w.x", wrt="w", shapes={"w": "n", "x": "n"}))
'xᵀ'
"""
from __future__ import annotations

from . import printing as _printing  # noqa: F401  (str(expr) is the text printer)
from .api import parse, parse_with_shapes
from .errors import (CheckError, InternalError, MatcalcError, ParseError, PrintError,
                     RuleFileError, ShapeError, UnsupportedError, UsageError)
from .question import Question

__version__ = "0.2.0"


def derive(expr, wrt=None, shapes=None, order: int = 1, layout: str = "numerator",
           rulebook=None, form: str = "auto", mixed: bool = False):
    """Differentiate `expr` (text, or a `Question`) by `wrt` (a name or a list of names),
    `order` times.

    `form` chooses how the answer is written: "auto" (the paper's matrix where there is one,
    else the vec/Kronecker Jacobian or the differential, whichever reads shorter), "matrix",
    "kron", "differential" or "index".  `mixed=True` differentiates by the names of `wrt`
    in turn (wrt=["x", "y"] is ∂²f/∂x∂y).  Returns a `Derivation`: `.result`, `.form`,
    `.shape`, `.array_shape`, `.steps`, `.check()`, `.lambdify()`, `.latex`, `.to_dict()`.
    See docs/design.md for the conventions.
    """
    from .derivation import derive as _derive
    from .rewrite import deep_recursion
    with deep_recursion():
        return _derive(expr, wrt, shapes=shapes, order=order, layout=layout,
                       rulebook=rulebook, form=form, mixed=mixed)


def hessian(expr, wrt, shapes=None, rulebook=None, form: str = "auto"):
    """The Hessian (order-2 derivative) by one variable of any shape, or by several (their
    concatenation)."""
    return derive(expr, wrt, shapes=shapes, order=2, rulebook=rulebook, form=form)


def partial(expr, *wrt, shapes=None, rulebook=None, form: str = "auto"):
    """The mixed partial derivative by the variables in turn: partial(f, "x", "y") is
    ∂²f/∂x∂y, the array of shape f + x + y."""
    return derive(expr, list(wrt), shapes=shapes, rulebook=rulebook, form=form, mixed=True)


__all__ = ["parse", "parse_with_shapes", "derive", "hessian", "partial", "Question", "MatcalcError",
           "ParseError", "ShapeError", "UnsupportedError", "RuleFileError", "CheckError",
           "UsageError", "InternalError", "PrintError", "__version__"]
