"""The oracle's own expression representation: small frozen dataclasses with 2-D shapes.

Owns: `Var`, `Num`, `Lit`, `Ones`, `Op` (and their typing rules), sizes (`resolve`,
`np_shape`, `declare`) and tree walks.  A shape is (rows, cols); a dimension is 1, a literal
integer (the 2 of a literal `[a, b]`), a size key ('n', 'm': printed as a name or an integer
by the problem's size mode) or a pair (d1, d2) meaning the product d1·d2 (Kronecker sizes).
Nothing here knows matcalc: typing follows the language table of the README.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

SCALAR = (1, 1)
EWISE = ("add", "sub", "mul", "div", "max", "min")          # same shapes, or one scalar
UNARY_SAME = ("neg", "fn", "pow", "softmax", "inv")
REDUCE = ("sum", "mean", "norm", "logsumexp")
SQUARE_TO_SCALAR = ("tr", "det", "logdet")
FUNCS = ("exp", "log", "sin", "cos", "tanh", "sigmoid", "softplus", "sqrt", "abs", "relu")


class IllTyped(TypeError):
    """An operator applied to operands of the wrong shapes (a generator or shrinker bug)."""


def dmul(a, b):
    """The product of two dimensions (1 is neutral)."""
    if a == 1:
        return b
    if b == 1:
        return a
    return (a, b)


def is_square(s) -> bool:
    return s[0] == s[1] and s != SCALAR


def is_column(s) -> bool:
    return s[1] == 1 and s[0] != 1


@dataclass(frozen=True)
class Var:
    name: str
    shape: tuple


@dataclass(frozen=True)
class Num:
    value: float
    shape: tuple = SCALAR


@dataclass(frozen=True)
class Ones:
    """`𝟏`: its shape comes from the operand it meets (only used as a right operand)."""
    shape: tuple


@dataclass(frozen=True)
class Lit:
    """`[a, b]` (one column) or `[a, b; c, d]` (rows): entries are scalar expressions."""
    rows: tuple
    shape: tuple = field(init=False)

    def __post_init__(self):
        if any(e.shape != SCALAR for row in self.rows for e in row):
            raise IllTyped("literal entries are scalars")
        if len({len(r) for r in self.rows}) != 1:
            raise IllTyped("ragged literal")
        if len(self.rows) == 1:                     # `[a, b]` is a column
            object.__setattr__(self, "shape", (len(self.rows[0]), 1))
        else:
            object.__setattr__(self, "shape", (len(self.rows), len(self.rows[0])))

    @property
    def entries(self):
        return [e for row in self.rows for e in row]


@dataclass(frozen=True)
class Op:
    """An operator: `op` one of EWISE, UNARY_SAME, REDUCE, SQUARE_TO_SCALAR, 'T', 'matmul',
    'dot', 'diag', 'kron'; `param` a function name, an exponent or a printing style."""
    op: str
    args: tuple
    param: object = None
    shape: tuple = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "shape", _shape_of(self.op, [a.shape for a in self.args]))


def _shape_of(op, shapes):
    if op in EWISE:
        a, b = shapes
        if a == b or b == SCALAR:
            return a
        if a == SCALAR:
            return b
        raise IllTyped(f"{op} of {a} and {b}")
    (a, *rest) = shapes
    if op in UNARY_SAME:
        if op == "softmax" and not is_column(a):
            raise IllTyped("softmax of a column")
        if op == "inv" and not is_square(a):
            raise IllTyped("inv of a square matrix")
        return a
    if op == "T":
        return (a[1], a[0])
    if op in REDUCE:
        return SCALAR
    if op in SQUARE_TO_SCALAR:
        if not is_square(a):
            raise IllTyped(f"{op} of a square matrix")
        return SCALAR
    if op == "matmul":
        if a[1] != rest[0][0]:
            raise IllTyped(f"matmul of {a} and {rest[0]}")
        return (a[0], rest[0][1])
    if op == "dot":
        if not is_column(a) or a != rest[0]:
            raise IllTyped("dot of two columns of one length")
        return SCALAR
    if op == "diag":
        if is_column(a):
            return (a[0], a[0])
        if is_square(a):
            return (a[0], 1)
        raise IllTyped("diag of a column or a square matrix")
    if op == "kron":
        return (dmul(a[0], rest[0][0]), dmul(a[1], rest[0][1]))
    raise IllTyped(f"unknown operator {op}")


def children(e) -> list:
    if isinstance(e, Op):
        return list(e.args)
    if isinstance(e, Lit):
        return e.entries
    return []


def rebuild(e, new_children):
    """`e` with its children replaced (same count); raises IllTyped if shapes no longer fit."""
    if isinstance(e, Op):
        return Op(e.op, tuple(new_children), e.param)
    if isinstance(e, Lit):
        it = iter(new_children)
        return Lit(tuple(tuple(next(it) for _ in row) for row in e.rows))
    return e


def walk(e):
    """Pre-order, left to right."""
    yield e
    for c in children(e):
        yield from walk(c)


def variables(e) -> list[str]:
    """Variable names in order of first appearance."""
    seen: list[str] = []
    for n in walk(e):
        if isinstance(n, Var) and n.name not in seen:
            seen.append(n.name)
    return seen


def var_shapes(e) -> dict:
    return {n.name: n.shape for n in walk(e) if isinstance(n, Var)}


def size(e) -> int:
    return sum(1 for _ in walk(e))


def resolve(d, sizes: dict) -> int:
    if isinstance(d, int):
        return d
    if isinstance(d, tuple):
        return math.prod(resolve(x, sizes) for x in d)
    return sizes[d]


def np_shape(shape, sizes: dict) -> tuple:
    """The NumPy shape of the contract: scalar (), vector (n,) (column or row), matrix (m, n)."""
    r, c = (resolve(d, sizes) for d in shape)
    if shape == SCALAR:
        return ()
    if shape[1] == 1:
        return (r,)
    if shape[0] == 1:
        return (c,)
    return (r, c)


def declare(shape, tokens: dict) -> str:
    """A variable's shape as matcalc declares it: 'scalar', 'n', 'm,n', '3', 'N,4'."""
    if shape == SCALAR:
        return "scalar"
    tok = [tokens[d] if isinstance(d, str) else str(d) for d in shape]
    return tok[0] if shape[1] == 1 else f"{tok[0]},{tok[1]}"
