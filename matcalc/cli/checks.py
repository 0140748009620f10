"""Reading and checking what the command line says beside the expression: `--shape`,
`--check-sizes`, `--wrt` — each mistake a clear message, never a silent no-op.

Owns: `check_declared` (a --shape for a name the expression does not have is an error, with
"did you mean"), `check_sizes` (a --check-sizes name that is not a size of the problem is an
error), and `did_you_mean`.  (`--shape`/`--check-sizes` are read by `matcalc.sizes`; a --wrt
naming no variable is `matcalc.answer.wrt_notes`'s.)
"""
from __future__ import annotations

import re

from ..answer import did_you_mean, known
from ..errors import UsageError
from ..sizes import parse_shape_options as parse_shapes, parse_sizes  # noqa: F401  (the CLI's)


def check_declared(declared: dict, names: set, wrt=()) -> None:
    """Every --shape names a variable of the expression (or of --wrt)."""
    for name in declared:
        if name in names or name in wrt:
            continue
        close = did_you_mean(name, names)
        raise UsageError(f"--shape {name}: {name} does not appear in the expression "
                         f"({known(names)})", label="unknown-shape-name",
                         hint=f"did you mean --shape {close}:…?" if close else
                         "declare only the names the expression uses")


def check_sizes(sizes: dict, var_shapes: dict) -> None:
    """Every --check-sizes name is a size of the problem."""
    from ..sizes import size_names
    known = set()
    for shape in var_shapes.values():
        known |= set(size_names(shape))
    for name in sizes:
        if name not in known:
            have = ("its sizes are " + ", ".join(sorted(known))) if known else \
                "every shape in it is a scalar or a number"
            raise UsageError(f"--check-sizes {name}: {name} is not a size of this problem "
                             f"({have})", label="unknown-size",
                             hint="give the sizes printed after 'shape', e.g. "
                                  f"--check-sizes {next(iter(sorted(known)), 'n')}=5")
