"""matcalc: symbolic matrix calculus in the notation of Parr & Howard.

>>> import matcalc
>>> str(matcalc.derive("w.x", wrt="w", shapes={"w": "n", "x": "n"}))
'xᵀ'
"""
from __future__ import annotations

import sys as _sys

from .errors import (CheckError, InternalError, MatcalcError, ParseError, RuleFileError,
                     ShapeError, UnsupportedError, UsageError)
from .api import parse, parse_with_shapes

# Derivation walks trees recursively; the parser bounds their depth, this gives it room.
if _sys.getrecursionlimit() < 20000:
    _sys.setrecursionlimit(20000)

__version__ = "0.1.0"


def derive(expr, wrt, shapes=None, order: int = 1, layout: str = "numerator"):
    """Differentiate `expr` by `wrt` (a name or a list of names); see `matcalc.derivation.derive`."""
    from .derivation import derive as _derive
    return _derive(expr, wrt, shapes=shapes, order=order, layout=layout)


def hessian(expr, wrt, shapes=None):
    """The Hessian (order-2 derivative) of a scalar expression."""
    return derive(expr, wrt, shapes=shapes, order=2)


__all__ = ["parse", "parse_with_shapes", "derive", "hessian", "MatcalcError", "ParseError",
           "ShapeError", "UnsupportedError", "RuleFileError", "CheckError", "UsageError",
           "InternalError", "__version__"]
