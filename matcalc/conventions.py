"""The conventions of an answer, in one place: which shape the derivative has, how the
printed closed form is laid out, and how it becomes the derivative array.

The derivative of Y (2-D shape S₂, NumPy shape S) by X (T₂, T), order k, is the array of
NumPy shape S+T+…+T with entry [s…, t…] = ∂Y[s…]/∂X[t…] (jax.jacobian's convention); a
scalar is (), a vector (n,), a matrix (m, n).  The printed matrix form is that array
reshaped in C order to 2-D, by the paper's numerator layout:
- y and every x a scalar or a vector (the *vector case*): count(y) × count(x) — a 1×n row
  for a gradient, a column for a vector by a scalar, n×n for a Hessian — and the denominator
  layout prints its transpose;
- a scalar by a matrix (order 1): the matrix's own shape (the Matrix Cookbook's gradient);
- anything by a scalar (order 1): the shape of y;
- anything else: count(y)·count(x)^(k−1) × count(x) — the Jacobian of the row-major vec of
  the order k−1 derivative (so a Hessian by a vector is n×n); rows and columns by row-major
  vec, which is the C-order reshape of the array.
Imports nothing of matcalc but `sizes`.

>>> matrix_form_shape(("n", 1), [(1, 1)], 1, "denominator")
(1, 'n')
>>> matrix_form_shape((1, 1), [("m", "n")], 1, "numerator")
('m', 'n')
>>> numpy_shape(("m", 1), {"m": 3}), array_shape((3,), (2, 4), 2)
((3,), (3, 2, 4, 2, 4))
"""
from __future__ import annotations

import math

from .sizes import SCALAR, count, mul_sizes, resolve_dim, resolve_shape

LAYOUTS = ("numerator", "denominator")
FORMS = ("auto", "matrix", "kron", "differential", "index")   # how an answer may be written


def rank(shape) -> int:
    """How many axes the NumPy form of a 2-D shape has: 0, 1 or 2."""
    return sum(1 for d in shape if d != 1)


def is_vector_shape(shape) -> bool:
    """A scalar, a column or a row."""
    return rank(shape) <= 1


def is_vector_case(yshape, xshapes) -> bool:
    return is_vector_shape(yshape) and all(is_vector_shape(s) for s in xshapes)


def transposes(yshape, xshapes, layout: str) -> bool:
    """Whether the denominator layout prints the transpose of the numerator form."""
    return layout == "denominator" and is_vector_case(yshape, xshapes)


def matrix_form_shape(yshape, xshapes, order: int, layout: str):
    """The 2-D shape of the printed matrix form of ∂ᵏy/∂xᵏ (by the concatenation of xs)."""
    n = xshapes[0] if len(xshapes) == 1 else None
    cx = count(n) if n is not None else _total([count(s) for s in xshapes])
    if order == 1 and n is not None and rank(yshape) == 0 and rank(n) == 2:
        want = tuple(n)                               # the Cookbook gradient
    elif n is not None and rank(n) == 0:
        want = tuple(yshape)                          # by a scalar: y's own shape (any order)
    else:
        rows = count(yshape)
        for _ in range(order - 1):
            rows = mul_sizes(rows, cx)
        want = (rows, cx)
    if transposes(yshape, xshapes, layout):
        want = want[::-1]
    return want


def _total(counts):
    from .sizes import add_sizes
    out = counts[0]
    for c in counts[1:]:
        out = add_sizes(out, c)
    return out


# -- NumPy shapes -------------------------------------------------------------------------

def numpy_shape(shape, sizes: dict) -> tuple:
    """The NumPy shape of a 2-D typed shape: scalar (), vector (n,), matrix (m, n)."""
    r, c = shape
    if r == 1 and c == 1:
        return ()
    if c == 1:
        return (resolve_dim(r, sizes),)
    if r == 1:
        return (resolve_dim(c, sizes),)
    return resolve_shape(shape, sizes)


def wrt_shape(names, var_shapes: dict, sizes: dict) -> tuple:
    """T: the shape of one variable, or (total,) for the concatenation of several."""
    names = [names] if isinstance(names, str) else list(names)
    if len(names) == 1:
        return numpy_shape(var_shapes[names[0]], sizes)
    return (sum(math.prod(resolve_shape(var_shapes[n], sizes)) for n in names),)


def array_shape(S: tuple, T: tuple, order: int = 1) -> tuple:
    return tuple(S) + tuple(T) * order


def expected_matrix_shape(S: tuple, T: tuple, order: int, layout: str) -> tuple | None:
    """The 2-D shape of the closed form at concrete sizes for the vector case (where the
    layout decides it); None otherwise (any C-order reshape of the right size is accepted)."""
    full = array_shape(S, T, order)
    if len(full) > 2:
        return None
    if len(full) == 2:
        shape = full
    elif len(full) == 1:
        shape = (1, full[0]) if not S else (full[0], 1)
    else:
        shape = (1, 1)
    if layout == "denominator" and len(S) <= 1 and len(T) <= 1:
        shape = shape[::-1]
    return shape


def to_array(matrix, S: tuple, T: tuple, order: int = 1, layout: str = "numerator",
             vec: str = "row"):
    """The closed form's 2-D value as the derivative array S+T·order (C order; with
    vec="column" each axis group — y's, each round's — is stacked column-major)."""
    import numpy as np
    from .errors import ShapeError
    if not hasattr(matrix, "size"):
        matrix = np.array(matrix.tolist(), dtype=object)           # a SymPy matrix
    if layout == "denominator" and len(S) <= 1 and len(T) <= 1:
        matrix = matrix.T
    full = array_shape(S, T, order)
    if matrix.size != math.prod(full):
        raise ShapeError(f"the closed form has {matrix.size} entries; a derivative of shape "
                         f"{full} has {math.prod(full)}", label="jacobian-size")
    if vec == "column":
        groups = [tuple(S)] + [tuple(T)] * order
        flipped = np.ascontiguousarray(matrix).reshape([d for g in groups for d in g[::-1]])
        axes, at = [], 0
        for g in groups:
            axes += list(range(at + len(g) - 1, at - 1, -1))
            at += len(g)
        return flipped.transpose(axes).reshape(full)
    return np.ascontiguousarray(matrix).reshape(full)


__all__ = ["LAYOUTS", "SCALAR", "rank", "is_vector_shape", "is_vector_case", "transposes",
           "matrix_form_shape", "numpy_shape", "wrt_shape", "array_shape",
           "expected_matrix_shape", "to_array"]
