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
           rulebook=None):
    """Differentiate `expr` (text, or a `Question`) by `wrt` (a name or a list of names).

    Returns a `Derivation`: `.result` (the closed form), `.shape`, `.steps`, `.check()`,
    `.lambdify()`, `.latex`, `.to_dict()`.  See docs/design.md for the conventions.
    """
    from .derivation import derive as _derive
    from .rewrite import deep_recursion
    with deep_recursion():
        return _derive(expr, wrt, shapes=shapes, order=order, layout=layout,
                       rulebook=rulebook)


def hessian(expr, wrt, shapes=None, rulebook=None):
    """The Hessian (order-2 derivative) of a scalar expression."""
    return derive(expr, wrt, shapes=shapes, order=2, rulebook=rulebook)


__all__ = ["parse", "parse_with_shapes", "derive", "hessian", "Question", "MatcalcError",
           "ParseError", "ShapeError", "UnsupportedError", "RuleFileError", "CheckError",
           "UsageError", "InternalError", "PrintError", "__version__"]
