"""Every operator record, in one import: element-wise, arrays, the matrix functions, the
parse-time macros, and the matrixcalculus.org dialect's own macros."""
from __future__ import annotations

from . import Op, register
from . import arrays, dialect, elementwise, layers, matfun  # noqa: F401  (they register their records)

register(
    # relu(z) is max(0, z), the paper's spelling: the tree and every answer keep max(0, z)
    Op("relu", "macro", 1, names=("relu",), expand=lambda z: ("max", (0, z)),
       doc="relu(z) = max(0, z)"),
)
