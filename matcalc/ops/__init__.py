"""The operator registry: one record per operator, read by every stage.

Owns: `Op` (the record), `REGISTRY` (op name -> Op), `FUNCTIONS` (what a user may call:
name or alias -> Op), `CONSTANTS` (π, e), `functions(dialect)` (the calls of one dialect:
records with `dialect` set are visible only there) and the lookups `op(name)`, `ewise_ops()`.
A record says everything matcalc knows about an operator that is not calculus: its names,
arity and kind, whether it commutes, the shape rule it obeys (a name from
`matcalc.shapes.SHAPE_RULES`), its domain (where the sampler must stay), its NumPy and SymPy
meaning, and how every printer and code backend spells it.  Its calculus is in `rules/`.
Adding an element-wise function is one record here, one rule in `rules/`, one test row.

Invariant: nothing here imports NumPy or SymPy; their modules are passed to the callables
(`numpy(np, *args)`, `sympy(sp, *args)`), so the registry costs nothing to import.

>>> op("ln").name, op("exp").kind, op("add").commutative, op("matmul").commutative
('log', 'ewise', True, False)
"""
from __future__ import annotations

from ..records import field, record
from collections.abc import Callable, Mapping


@record(frozen=True)
class Op:
    name: str                          # the tree's op
    kind: str                          # leaf const binary ewise reduce func linear internal
    arity: int | None = 1              # None: variadic
    names: tuple = ()                  # how users call it; names[0] is how it prints
    shape: str = "same"                # shape rule: matcalc.shapes.SHAPE_RULES
    commutative: bool = False          # rules match its operands in either order
    domain: str = ""                   # "positive" | "invertible" | "" (the sampler obeys it)
    real: str = ""                     # where a number has a real value under it: "positive"
    #                                    (log), "nonnegative" (sqrt), "" (every number)
    kink: str = ""                     # "arg" | "diff" | "divisor": what must stay away from 0
    numpy: Callable | None = None      # (np, *dense 2-D arrays) -> 2-D array
    sympy: Callable | None = None      # ewise/binary: (sp, *scalars); else (sp, *Matrices)
    sympy_matrix: Callable | None = None   # (sp, M, *operands) -> SymPy MatrixExpr / scalar
    latex: str | None = None           # r"\exp"; None: \operatorname{names[0]}
    mathml: str | None = None          # the name MathML shows; None: names[0]
    code: Mapping = field(default_factory=dict)   # backend -> spelling ("{0}" = argument)
    value: float | None = None         # a constant's value
    expand: Callable | None = None     # a macro: (*operands) -> (op, operands); 0 is num 0
    doc: str = ""                      # one line for the language table and --help
    dialect: str = ""                  # "": every dialect; else the only dialect it is in

    @property
    def spelling(self) -> str:
        """How text prints it: its first user name, else its op name."""
        return self.names[0] if self.names else self.name


REGISTRY: dict[str, Op] = {}


def register(*records: Op) -> None:
    for r in records:
        if r.name in REGISTRY:
            raise ValueError(f"operator {r.name!r} registered twice")
        REGISTRY[r.name] = r


def op(name: str) -> Op:
    """The record of an op, or of a function a user may call (`ln` is `log`)."""
    rec = REGISTRY.get(name) or FUNCTIONS.get(name) or CONSTANTS.get(name)
    if rec is None:
        raise KeyError(name)
    return rec


def kind(name: str) -> str:
    rec = REGISTRY.get(name)
    return rec.kind if rec is not None else ""


def ewise_ops() -> frozenset:
    return frozenset(n for n, r in REGISTRY.items() if r.kind == "ewise")


from . import records as _records  # noqa: E402  (the records register themselves)

FUNCTIONS: dict[str, Op] = {n: r for r in REGISTRY.values()
                            if r.kind not in ("const",) and not r.dialect for n in r.names}
CONSTANTS: dict[str, Op] = {n: r for r in REGISTRY.values() if r.kind == "const"
                            for n in r.names}
EWISE = ewise_ops()


def functions(dialect: str = "matcalc") -> dict:
    """What a user may call in `dialect`: the common functions, and that dialect's own
    records (matrixcalculus.org's norm1, vector(c), …) in front of them."""
    key = (dialect, len(REGISTRY))          # records are only ever added
    got = _FUNCTIONS_OF.get(key)
    if got is None:
        own = {n: r for r in REGISTRY.values() if r.dialect and r.dialect == dialect
               for n in r.names}
        got = _FUNCTIONS_OF[key] = {**FUNCTIONS, **own} if own else FUNCTIONS
    return got


_FUNCTIONS_OF: dict = {}

__all__ = ["Op", "REGISTRY", "FUNCTIONS", "CONSTANTS", "EWISE", "op", "kind", "register",
           "ewise_ops", "functions", "_records"]
