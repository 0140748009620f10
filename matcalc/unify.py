"""Sizes as union-find variables, and the handles shape inference works on.

Owns: `_Dim` (a size: a value or a variable), `_unify`, `_Slot` (a variable or constant not
yet known to be a scalar or an array), `_Lazy` (a broadcast none of whose operands is known
yet), and how a size or a shape not yet settled is shown (`_show`, `_show_shape`).
Invariant: unifying two sizes with different values fails (returns False) and changes
nothing; the root of a class carries its value.  Imports nothing of matcalc but `sizes`.

>>> a, b = _Dim(None, "size"), _Dim("n")
>>> _unify(a, b), a.find().value, _unify(a, _Dim(3))
(True, 'n', False)
"""
from __future__ import annotations

from .sizes import same_size

FRESH_NAMES = ["n", "m", "k", "p", "q", "r", "s", "t", "h", "j", "l", "u", "v"]


# -- union-find sizes ----------------------------------------------------------------------

class _Dim:
    __slots__ = ("parent", "value", "pref")

    def __init__(self, value=None, pref=None):
        self.parent = self
        self.value = value      # int | str | None
        self.pref = pref        # "size" (becomes a name) | "one" | None

    def find(self) -> "_Dim":
        root = self
        while root.parent is not root:
            root = root.parent
        node = self
        while node.parent is not root:
            node.parent, node = root, node.parent
        return root


def _unify(a: _Dim, b: _Dim) -> bool:
    ra, rb = a.find(), b.find()
    if ra is rb:
        return True
    if ra.value is not None and rb.value is not None and not same_size(ra.value, rb.value):
        return False
    rb.parent = ra
    if ra.value is None:
        ra.value = rb.value
    if rb.pref == "size" or ra.pref is None:
        ra.pref = rb.pref if rb.pref == "size" or ra.pref is None else ra.pref
    return True


def _one() -> _Dim:
    return _Dim(1)


def _show(d: _Dim) -> str:
    v = d.find().value
    return "?" if v is None else str(v)


def _show_shape(dims) -> str:
    r, c = dims
    if r.find().value == 1 and c.find().value == 1:
        return "scalar"
    return f"{_show(r)}×{_show(c)}"


# -- shape handles -----------------------------------------------------------------------

class _Slot:
    """A shape not yet known to be scalar or array: a variable, or a constant 𝟏 / 𝟎 / I."""

    def __init__(self, rows_pref, cols_pref, follow=False, square=False, node=None):
        self.node = node
        self.dims = (_Dim(None, rows_pref), _Dim(None, cols_pref))
        if square:
            _unify(self.dims[0], self.dims[1])
        self.state = "?"          # "?" | "array" | "scalar"
        self.follow = follow      # constants take the other operand's shape in a broadcast


class _Lazy:
    """The result of a broadcast between operands none of which is known to be an array."""

    def __init__(self, operands, node):
        self.operands = operands
        self.node = node
        self.result = None
