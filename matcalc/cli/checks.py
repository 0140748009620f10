"""Reading and checking what the command line says beside the expression: `--shape`,
`--check-sizes`, `--wrt` — each mistake a clear message, never a silent no-op.

Owns: `parse_shapes`, `parse_sizes`, `check_declared` (a --shape for a name the expression
does not have is an error, with "did you mean"), `check_sizes` (a --check-sizes name that is
not a size of the problem is an error), `check_wrt` (a --wrt naming no variable: an error
when a variable of the expression is spelled nearly so, else a note — d/dx 99 = 0 is the
paper's first example).
"""
from __future__ import annotations

import difflib
import re

from ..errors import ShapeError, UsageError
from .output import note


def parse_shapes(items) -> dict:
    """['w:n', 'A:m,n', 'b:scalar'] -> {'w': (n, 1), ...}; a clear error for anything else."""
    from ..sizes import format_shape, parse_decl
    shapes: dict = {}
    for item in items:
        name, sep, dims = item.partition(":")
        name, dims = name.strip(), dims.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_\u0370-\u03ff][\w\u0370-\u03ff]*", name) \
                or not dims:
            raise ShapeError(f"cannot read --shape {item!r}",
                             hint="write NAME:DIMS, e.g. --shape w:n --shape A:m,n "
                                  "--shape b:scalar", label="bad-declaration")
        shape = parse_decl(dims, name)
        if name in shapes and shapes[name] != shape:
            raise ShapeError(f"--shape declares {name} twice, as {format_shape(shapes[name])} "
                             f"and {format_shape(shape)}", label="bad-declaration")
        shapes[name] = shape
    return shapes


def parse_sizes(spec: str) -> dict:
    """'n=5,m=2' -> {'n': 5, 'm': 2}."""
    sizes = {}
    for part in spec.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip().isdigit() or int(value) < 1:
            raise UsageError(f"cannot read --check-sizes {spec!r}",
                             hint="write sizes as n=5,m=2 (positive integers)",
                             label="bad-check-sizes")
        sizes[name.strip()] = int(value)
    return sizes


def _did_you_mean(name: str, names) -> str | None:
    names = sorted(names)
    same = [n for n in names if n.lower() == name.lower()]
    close = same or difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return close[0] if close else None


def _known(names) -> str:
    return ("its variables are " + ", ".join(sorted(names))) if names else \
        "it has no variables"


def check_declared(declared: dict, names: set, wrt=()) -> None:
    """Every --shape names a variable of the expression (or of --wrt)."""
    for name in declared:
        if name in names or name in wrt:
            continue
        close = _did_you_mean(name, names)
        raise UsageError(f"--shape {name}: {name} does not appear in the expression "
                         f"({_known(names)})", label="unknown-shape-name",
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


def check_wrt(q) -> None:
    """A --wrt that names no variable of the expression is a mistake, unless nothing near it
    is there (then the derivative is 0 and a note says why); `x'Ax` read as the name Ax when
    --wrt A was meant is spotted."""
    from ..reading import run_together
    names = q.expr.free_vars()
    for w in q.absent:
        for n in sorted(names):
            parts = run_together(n, names | set(q.wrt) | set(q.declared))
            if parts and w in parts:
                raise UsageError(f"--wrt {w}: {w} does not appear in the expression",
                                 text=q.text, span=(0, len(q.text)), label="unknown-wrt",
                                 hint=f"'{n}' is read as one name; write {' '.join(parts)} "
                                      f"(or {' @ '.join(parts)}) for the product")
        close = _did_you_mean(w, names)
        if close is not None:
            raise UsageError(f"--wrt {w}: {w} does not appear in the expression "
                             f"({_known(names)})", label="unknown-wrt",
                             hint=f"did you mean --wrt {close}? (names are case-sensitive)")
        note(f"{w} does not appear in the expression ({_known(names)}): the derivative by "
             f"{w} is 0")
