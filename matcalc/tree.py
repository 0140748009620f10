"""The typed expression tree: one immutable node class over a closed set of operators.

Owns: `Expr`, the operator table `OPS`, shapes `(rows, cols)` over sizes `Dim = int | str`.
Invariants: nodes never simplify on construction; `e.rebuild(*e.args) == e`; equality is
structural (op, value, shape, args) and the hash is computed once. Imports nothing of matcalc.

>>> x = Expr("var", (), ("n", 1), "x")
>>> Expr("T", (x,), (1, "n")).rebuild(x) == Expr("T", (x,), (1, "n"))
True
"""
from __future__ import annotations

from fractions import Fraction
from typing import Iterator, Union

Dim = Union[int, str]
Shape = tuple  # (Dim, Dim)
SCALAR: Shape = (1, 1)

# op -> (arity, kind).  arity None = variadic.  Kinds:
#   leaf      no children; `value` carries the name / number / size
#   binary    element-wise with scalar expansion (NumPy broadcasting of a 1×1 operand)
#   linear    products and structural operators
#   ewise     element-wise function of one argument
#   reduce    array -> scalar
#   func      other functions
OPS: dict[str, tuple] = {
    # leaves
    "var": (0, "leaf"), "num": (0, "leaf"), "pvar": (0, "leaf"),
    "ones": (0, "leaf"), "zeros": (0, "leaf"), "eye": (0, "leaf"),
    "size": (0, "leaf"),     # the number of entries along a size, e.g. N, as a scalar
    # arithmetic
    "add": (2, "binary"), "sub": (2, "binary"), "mul": (2, "binary"), "div": (2, "binary"),
    "pow": (2, "binary"), "max": (2, "binary"), "min": (2, "binary"),
    "neg": (1, "linear"), "T": (1, "linear"), "matmul": (2, "linear"), "dot": (2, "linear"),
    "kron": (2, "linear"),
    # element-wise functions
    "exp": (1, "ewise"), "log": (1, "ewise"), "sin": (1, "ewise"), "cos": (1, "ewise"),
    "tan": (1, "ewise"), "tanh": (1, "ewise"), "sigmoid": (1, "ewise"), "softplus": (1, "ewise"),
    "sqrt": (1, "ewise"), "abs": (1, "ewise"), "step": (1, "ewise"), "sign": (1, "ewise"),
    # reductions
    "sum": (1, "reduce"), "mean": (1, "reduce"), "norm": (1, "reduce"),
    "logsumexp": (1, "reduce"), "tr": (1, "reduce"), "det": (1, "reduce"),
    "logdet": (1, "reduce"),
    # other functions
    "softmax": (1, "func"), "diag": (1, "func"), "inv": (1, "func"),
    "vcat": (None, "linear"), "hcat": (None, "linear"),
    # the differential of a variable, d(x): a leaf of the linear expressions the engine builds
    "d": (1, "linear"),
}

EWISE_FUNCS = frozenset(k for k, (_, kind) in OPS.items() if kind == "ewise")


class Expr:
    """One node: operator `op`, children `args`, `shape`, and a leaf `value`.

    `value` is the name of a variable / pattern variable, a `Fraction` for a number,
    or the size named by a `size` leaf.  `span` (start, end) in the source text is kept
    for error messages and takes no part in equality.
    """

    __slots__ = ("op", "args", "shape", "value", "span", "_hash")

    def __init__(self, op: str, args: tuple = (), shape: Shape = SCALAR, value=None, span=None):
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "args", tuple(args))
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "span", span)
        object.__setattr__(self, "_hash", hash((op, value, shape, self.args)))

    def __setattr__(self, name, value):
        raise AttributeError("Expr is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        if self is other:
            return True
        if not isinstance(other, Expr) or self._hash != other._hash:
            return False
        return (self.op == other.op and self.value == other.value
                and self.shape == other.shape and self.args == other.args)

    def __reduce__(self):
        return (Expr, (self.op, self.args, self.shape, self.value))

    def rebuild(self, *args: Expr) -> "Expr":
        """The same node over new children (shape and value kept)."""
        return Expr(self.op, args, self.shape, self.value, self.span)

    # -- convenience ------------------------------------------------------------
    @property
    def is_scalar(self) -> bool:
        return self.shape == SCALAR

    @property
    def is_vector(self) -> bool:
        """A column or a row vector (not a scalar)."""
        r, c = self.shape
        return (r == 1) != (c == 1)

    @property
    def is_column(self) -> bool:
        return self.shape[1] == 1 and self.shape[0] != 1

    @property
    def is_row(self) -> bool:
        return self.shape[0] == 1 and self.shape[1] != 1

    @property
    def is_matrix(self) -> bool:
        return self.shape[0] != 1 and self.shape[1] != 1

    def walk(self) -> Iterator["Expr"]:
        """Every node once (post-order, shared subtrees visited once), without recursion."""
        seen: set[int] = set()
        stack: list[tuple[Expr, bool]] = [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                yield node
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for a in reversed(node.args):
                stack.append((a, False))

    def contains(self, other: "Expr") -> bool:
        return any(n == other for n in self.walk())

    def free_vars(self) -> set[str]:
        return {n.value for n in self.walk() if n.op == "var"}

    def __repr__(self) -> str:
        from .printing.text import to_text  # late: printing sits above the tree
        try:
            return f"Expr({to_text(self)!r}, shape={format_shape(self.shape)})"
        except Exception:  # a pattern or malformed node still gets a repr
            return f"Expr({self.op}, {self.args!r}, {self.shape}, {self.value!r})"

    def __str__(self) -> str:
        from .printing.text import to_text
        return to_text(self)

    def _repr_latex_(self) -> str:
        from .printing.latex import to_latex
        return f"${to_latex(self)}$"


# -- constructors used by the engine (no simplification, only shape bookkeeping) --------

def var(name: str, shape: Shape = SCALAR) -> Expr:
    return Expr("var", (), shape, name)


def num(value, shape: Shape = SCALAR) -> Expr:
    return Expr("num", (), SCALAR, Fraction(value))


def ones(shape: Shape) -> Expr:
    return Expr("ones", (), shape)


def zeros(shape: Shape) -> Expr:
    return Expr("zeros", (), shape)


def eye(n: Dim) -> Expr:
    return Expr("eye", (), (n, n))


def size(d: Dim) -> Expr:
    if isinstance(d, int):
        return num(d)
    return Expr("size", (), SCALAR, d)


def is_num(e: Expr, value=None) -> bool:
    return e.op == "num" and (value is None or e.value == value)


def is_zero(e: Expr) -> bool:
    return e.op == "zeros" or (e.op == "num" and e.value == 0)


def format_dim(d: Dim) -> str:
    return str(d)


def format_shape(shape: Shape) -> str:
    if shape == SCALAR:
        return "scalar"
    return f"{shape[0]}×{shape[1]}"


def count(shape: Shape):
    """Number of entries, as an int or a tuple of symbolic factors."""
    r, c = shape
    if isinstance(r, int) and isinstance(c, int):
        return r * c
    return tuple(d for d in (r, c) if d != 1)
