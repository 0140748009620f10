"""The typed expression tree: one immutable node class over a closed set of operators.

Owns: `Expr`, shapes `(rows, cols)` over sizes `Dim = int | str`, and the constructors the
engine uses.  What each op means is the operator registry's (`matcalc.ops`).
Invariants: nodes never simplify on construction; `e.rebuild(*e.args) == e`; equality is
structural (op, value, shape, args) and the hash is computed once.  Imports nothing of
matcalc: the text printer registers itself as `Expr`'s `str` (`set_text_printer`), so the
tree does not import the printers that import it.

>>> x = Expr("var", (), ("n", 1), "x")
>>> Expr("T", (x,), (1, "n")).rebuild(x) == Expr("T", (x,), (1, "n"))
True
"""
from __future__ import annotations

from fractions import Fraction
from collections.abc import Iterator

Dim = int | str
Shape = tuple  # (Dim, Dim)
SCALAR: Shape = (1, 1)

class Expr:
    """One node: operator `op`, children `args`, `shape`, and a leaf `value`.

    `value` is the name of a variable / pattern variable, a `Fraction` for a number,
    or the size named by a `size` leaf.  `span` (start, end) in the source text is kept
    for error messages and takes no part in equality.
    """

    __slots__ = ("op", "args", "shape", "value", "span", "_hash", "_rep")

    def __init__(self, op: str, args: tuple = (), shape: Shape = SCALAR, value=None, span=None):
        args = args if type(args) is tuple else tuple(args)
        _set_op(self, op)             # the slots' own setters: __setattr__ refuses
        _set_args(self, args)
        _set_shape(self, shape)
        _set_value(self, value)
        _set_span(self, span)
        _set_hash(self, hash((op, value, shape, args)))
        _set_rep(self, None)

    def __setattr__(self, name, value):
        raise AttributeError("Expr is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        if self is other:
            return True
        if not isinstance(other, Expr) or self._hash != other._hash:
            return False
        a, b = self._root(), other._root()
        if a is b:
            return True
        if (a.op == b.op and a.value == b.value and a.shape == b.shape
                and a.args == b.args):
            # Remember the answer: two equal trees are compared in full once, after that by
            # identity of their representatives (a cache only: equality is unchanged).
            object.__setattr__(b, "_rep", a)
            return True
        return False

    def _root(self) -> "Expr":
        """The representative of the class of trees found equal to this one so far."""
        r = self._rep
        if r is None:
            return self
        while r._rep is not None:
            r = r._rep
        n = self
        while n._rep is not r:       # path compression along the whole path (each tree
            nxt = n._rep             # rebuilt pass after pass adds a link: without it, a
            object.__setattr__(n, "_rep", r)      # deep derivation's lookups go quadratic)
            n = nxt
        return r

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
        add = seen.add
        stack: list[tuple[Expr, bool]] = [(self, False)]
        pop, push = stack.pop, stack.append
        while stack:
            node, done = pop()
            if done:
                yield node
                continue
            i = id(node)
            if i in seen:
                continue
            add(i)
            args = node.args
            if not args:                # a leaf: no children to wait for
                yield node
                continue
            push((node, True))
            for a in reversed(args):
                push((a, False))

    def contains(self, other: "Expr") -> bool:
        return any(n == other for n in self.walk())

    def free_vars(self) -> set[str]:
        return {n.value for n in self.walk() if n.op == "var"}

    def __repr__(self) -> str:
        try:
            return f"Expr({_TEXT[0](self)!r}, shape={self.shape})"
        except Exception:  # a pattern, a malformed node, or no printer registered
            return f"Expr({self.op}, {self.args!r}, {self.shape}, {self.value!r})"

    def __str__(self) -> str:
        return _TEXT[0](self)

    def _repr_latex_(self) -> str:
        return f"${_TEXT[1](self)}$"


_set_op, _set_args, _set_shape, _set_value, _set_span, _set_hash, _set_rep = (
    Expr.__dict__[name].__set__ for name in Expr.__slots__)


def _unprinted(e: Expr) -> str:
    return f"{e.op}({', '.join(map(str, e.args))})" if e.args else f"{e.op}:{e.value}"


_TEXT = [_unprinted, _unprinted]


def set_text_printer(text, latex) -> None:
    """Called once by `matcalc.printing`: how `str(expr)` and Jupyter render a tree."""
    _TEXT[0], _TEXT[1] = text, latex


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
