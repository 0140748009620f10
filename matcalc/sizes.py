"""Sizes and shapes: arithmetic, declarations, values and formatting, in one place.

Owns: size arithmetic (`add_sizes`, `mul_sizes`, `same_size`, `solve_size`, `count`), reading
a declaration (`parse_decl`: 'scalar', 'n', 'm,n', '3', '3,4', 'N,4'), the integer value of a
size at concrete sizes (`resolve_dim`, `resolve_shape`, `size_names`), and how shapes are
written (`format_dim`, `format_shape`, `format_decl`).
A size is an int, a name, or a sum of products of names and ints — `*` binds tighter than
`+`, so `(n+1)*k` is written `k*n+k`; a product is kept with its integer coefficient first
and its names sorted (`4*N`, `m*n`: one size, one spelling), and a product of an int and a
name is never reduced to either.  Imports nothing of
matcalc but `errors` and the tree's SCALAR.

>>> add_sizes("n", 1), mul_sizes("n", "m"), mul_sizes("n+1", "k"), same_size("m*n", "n*m")
('n+1', 'm*n', 'k*n+k', True)
>>> count(("N", 4)), count((3, 4)), count(("n", 1)), resolve_dim("4*N", {"N": 5})
('4*N', 12, 'n', 20)
>>> solve_size(mul_sizes, "m*n", ["n"]), solve_size(add_sizes, "n+3", ["n"])
('m', 3)
>>> parse_decl("m,n", "A"), format_shape(("n", "n*m")), format_decl(("n", 1))
(('m', 'n'), 'n×(n m)', 'n')
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter

from .errors import ShapeError, UsageError
from .tree import SCALAR

# a size: a name or a positive integer, or a sum / product of them (n+1, n*k: what
# literals and Kronecker products give, so that inferred shapes can be declared back)
_ATOM = r"(?:[A-Za-z\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff]*|[0-9]+)"
SIZE_RE = rf"{_ATOM}(?:[+*]{_ATOM})*"


# -- arithmetic --------------------------------------------------------------------------

def _monomials(v) -> list:
    """'2*n*k+1' -> [(2, ['n', 'k']), (1, [])]."""
    out = []
    for term in str(v).split("+"):
        coef, names = 1, []
        for f in term.split("*"):
            f = f.strip()
            if f.isdigit():
                coef *= int(f)
            else:
                names.append(f)
        out.append((coef, names))
    return out


def _key(v) -> Counter:
    out: Counter = Counter()
    for coef, names in _monomials(v):
        out[tuple(sorted(names))] += coef
    return out


def _format(monomials):
    """[(coef, names)] -> 'k*n+k' (like terms merged, each product's names sorted so that one
    size has one spelling), or an int."""
    merged: dict = {}
    for coef, names in monomials:
        names = sorted(names)
        c, first = merged.get(tuple(names), (0, names))
        merged[tuple(names)] = (c + coef, first)
    parts = [(c, names) for c, names in merged.values() if c]
    if all(not names for _, names in parts):
        return sum(c for c, _ in parts)
    return "+".join("*".join(([str(c)] if c != 1 or not names else []) + list(names))
                    for c, names in parts)


def same_size(a, b) -> bool:
    """'n+1' and '1+n', 'm*n' and 'n*m' name one size."""
    return a == b or _key(a) == _key(b)


def add_sizes(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    return f"{a}+{b}"


def mul_sizes(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if a == 1:
        return b
    if b == 1:
        return a
    return _format([(ca * cb, na + nb) for ca, na in _monomials(a) for cb, nb in _monomials(b)])


def count(shape):
    """The number of entries of a shape, as a size: 12, 'n', '4*N', 'm*n'."""
    r, c = shape
    return mul_sizes(r, c)


def solve_size(combine, total, known: list):
    """The size u with combine(*known, u) == total, or None when there is none or it is not
    one monomial away: m*n / n = m, 12 / 3 = 4, (n+3) - n = 3."""
    if combine is add_sizes:
        rest = _key(total)
        for k in known:
            rest.subtract(_key(k))
        if min(rest.values(), default=0) < 0 or not +rest:
            return None
        return _format([(c, list(names)) for names, c in rest.items() if c])
    if all(k == 1 for k in known):
        return total
    (coef, names), *more = _monomials(total)
    if more:
        return None
    for k in known:
        (kc, kn), *more = _monomials(k)
        if more or coef % kc:
            return None
        coef //= kc
        for name in kn:
            if name not in names:
                return None
            names.remove(name)
    return _format([(coef, names)]) if coef > 0 else None


# -- values at concrete sizes --------------------------------------------------------------

def resolve_dim(d, sizes: dict) -> int:
    """The integer value of a size: an int, a bound name, or a compound `n+m` / `4*n`."""
    from .errors import CheckError
    if isinstance(d, int):
        return d
    if d in sizes:
        return int(sizes[d])
    if d.isdigit():
        return int(d)
    if "+" in d:
        return sum(resolve_dim(part.strip(), sizes) for part in d.split("+"))
    if "*" in d:
        return math.prod(resolve_dim(part.strip(), sizes) for part in d.split("*"))
    raise CheckError(f"the size {d!r} has no value here",
                     hint=f"give it one, e.g. sizes={{{d!r}: 4}}", label="unknown-size")


def resolve_shape(shape, sizes: dict) -> tuple:
    return (resolve_dim(shape[0], sizes), resolve_dim(shape[1], sizes))


def size_names(dims) -> list:
    """The size names inside sizes, in order of appearance: ['n+1', 'm*n'] -> ['n', 'm']."""
    seen: dict = {}
    for d in dims:
        if isinstance(d, str):
            for part in re.split(r"[+*]", d):
                part = part.strip()
                if part and not part.isdigit():
                    seen.setdefault(part, None)
    return list(seen)


# -- declarations and formatting ---------------------------------------------------------------

STRUCTURES = {"sym": "sym", "symmetric": "sym", "diag": "diag", "diagonal": "diag"}


def decl_structure(decl):
    """The structure a declaration states: 'n,n,sym' (or 'n,sym') is a symmetric matrix,
    'n,n,diag' a diagonal one; None for any other declaration."""
    if not isinstance(decl, str):
        return None
    last = decl.replace("×", ",").split(",")[-1].strip().lower()
    return STRUCTURES.get(last)


def _without_structure(decl):
    """'n,n,sym' -> 'n,n'; 'n,sym' -> 'n,n' (a structured matrix is square)."""
    parts = [p.strip() for p in decl.replace("×", ",").split(",")][:-1]
    return ",".join(parts if len(parts) != 1 else parts * 2)


def parse_decl(decl, name: str = "?"):
    """'scalar' | 'n' | 'm,n' | '3' | '3,4' | (m, n) -> (rows, cols); 'n,n,sym' and
    'n,n,diag' declare a square matrix (its structure: `decl_structure`)."""
    # a text's reading is remembered (the same shapes= again and again: a loop, a server)
    return _parse_decl_text(decl, name) if type(decl) is str else _parse_decl(decl, name)


def _parse_decl(decl, name: str):
    if decl_structure(decl):
        shape = parse_decl(_without_structure(decl), name)
        if shape[0] != shape[1]:
            raise ShapeError(f"{name} is declared {decl_structure(decl)}metric but "
                             f"{format_shape(shape)}" if decl_structure(decl) == "sym" else
                             f"{name} is declared diagonal but {format_shape(shape)}",
                             hint="a symmetric or diagonal matrix is square: n,n,sym",
                             label="bad-declaration")
        return shape
    if isinstance(decl, (tuple, list)):
        parts = list(decl)
    elif not isinstance(decl, (str, int)) or isinstance(decl, bool):
        raise ShapeError(f"the shape declared for {name} is {decl!r}; write 'scalar', 'n' or "
                         f"'m,n'", label="bad-declaration")
    else:
        s = str(decl).strip()
        if s.lower() in ("scalar", "()", ""):
            return SCALAR
        parts = [p.strip() for p in re.split(r"[,×]|(?<=\d)x(?=\d)", s) if p.strip()] if \
            re.fullmatch(rf"{SIZE_RE}(\s*[,×]\s*{SIZE_RE})?|\d+x\d+", s) else None
        if parts is None:
            raise ShapeError(f"cannot read the shape {decl!r} declared for {name}",
                             hint="write 'scalar', 'n' (a vector of length n), 'm,n' (a matrix) "
                                  "or integers such as '3' or '3,4'", label="bad-declaration")
    if len(parts) == 1:
        parts.append(1)
    if len(parts) != 2:
        raise ShapeError(f"the shape declared for {name} has {len(parts)} sizes; at most 2",
                         label="bad-declaration")
    out = []
    for p in parts:
        if isinstance(p, int) or (isinstance(p, str) and p.isdigit()):
            v = int(p)
            if v < 1:
                raise ShapeError(f"sizes are positive; {name} was declared with {p}",
                                 label="bad-declaration")
            out.append(v)
        elif isinstance(p, str) and re.fullmatch(SIZE_RE, p):
            out.append(p)
        else:
            raise ShapeError(f"cannot read the size {p!r} declared for {name}",
                             label="bad-declaration")
    return tuple(out)


_parse_decl_text = functools.lru_cache(maxsize=4096)(_parse_decl)


def format_dim(d, grouped: bool = False) -> str:
    """A size as people write it: `4*N` is `4N`, `n*m` is `n m`; `grouped` parenthesises a
    compound size that stands beside others (`n×(n m)`, `1×(n+1)`)."""
    s = str(d)
    if "*" not in s and "+" not in s:
        return s
    s = "+".join(re.sub(r"^(\d+)\*", r"\1", t).replace("*", " ") for t in s.split("+"))
    return f"({s})" if grouped else s


def format_shape(shape) -> str:
    """'scalar', 'n×1', 'm×n', '1×(n+1)'."""
    if shape is None or tuple(shape) == SCALAR or not shape:
        return "scalar"
    return "×".join(format_dim(d, grouped=True) for d in shape)


def format_decl(shape) -> str:
    """The declaration syntax of a shape, which `parse_decl` reads back: 'scalar', 'n', 'm,n'."""
    if tuple(shape) == SCALAR:
        return "scalar"
    r, c = shape
    return str(r) if c == 1 else f"{r},{c}"


# -- the command line's spelling: --shape NAME:DIMS, --check-sizes n=5,m=2 -----------------

def parse_shape_options(items) -> dict:
    """['w:n', 'A:m,n', 'b:scalar'] -> {'w': (n, 1), ...}; a clear error for anything else."""
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
        if name in shapes and parse_decl(shapes[name], name) != shape:
            raise ShapeError(f"--shape declares {name} twice, as {format_shape(shapes[name])} "
                             f"and {format_shape(shape)}", label="bad-declaration")
        # a structured declaration keeps its word (the shape is its square matrix)
        shapes[name] = dims if decl_structure(dims) else shape
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
