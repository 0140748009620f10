"""One oracle problem (expression, variables, order, layout, sizes) and its sample points.

Owns: `Problem` — what is asked of matcalc (its text, declared shapes, the order, the form
asked for, a mixed partial or not, and the shapes of the answer by the contract: S for the
output, T for the variable(s), S+T·order for the derivative, S+T₁+T₂ for a mixed partial by
its variables in turn) — and `sample_point`, the domain-aware sampling of the variables: entries of
either sign or positive, square matrices diagonally dominant (so inv/det/logdet are well
conditioned and det > 0), scalars away from 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .printer import to_text
from .tree import SCALAR, declare, np_shape, resolve, var_shapes


@dataclass(frozen=True)
class Problem:
    expr: object
    wrt: tuple
    order: int = 1
    layout: str = "numerator"
    sizes: tuple = (("n", 3), ("m", 2))          # size key -> concrete value at the point
    tokens: tuple = (("n", "n"), ("m", "m"))     # size key -> as declared ('n' or '3')
    form: str = "auto"                           # auto | differential | index | kron
    mixed: bool = False                          # ∂ᵏf/∂w₁…∂w_k: one variable per round

    @property
    def rounds(self) -> list:
        """The variables of each round of differentiation."""
        return [(w,) for w in self.wrt] if self.mixed else [self.wrt] * self.order

    @property
    def n_rounds(self) -> int:
        return len(self.rounds)

    @property
    def text(self) -> str:
        return to_text(self.expr)

    @property
    def size_values(self) -> dict:
        return dict(self.sizes)

    @property
    def var_shapes(self) -> dict:
        return var_shapes(self.expr)

    @property
    def shapes(self) -> dict:
        """Every variable's declaration, as passed to matcalc.derive."""
        tokens = dict(self.tokens)
        return {k: declare(s, tokens) for k, s in self.var_shapes.items()}

    @property
    def wrt_arg(self):
        return self.wrt[0] if len(self.wrt) == 1 else list(self.wrt)

    @property
    def out_shape(self) -> tuple:
        return np_shape(self.expr.shape, self.size_values)

    @property
    def wrt_shape(self) -> tuple:
        shapes, sizes = self.var_shapes, self.size_values
        if len(self.wrt) == 1:
            return np_shape(shapes[self.wrt[0]], sizes)
        return (sum(math.prod(np_shape(shapes[w], sizes)) for w in self.wrt),)

    @property
    def deriv_shape(self) -> tuple:
        if self.mixed:
            shapes, sizes = self.var_shapes, self.size_values
            return self.out_shape + tuple(d for w in self.wrt
                                          for d in np_shape(shapes[w], sizes))
        return self.out_shape + self.wrt_shape * self.order

    @property
    def mode(self) -> str:
        kinds = {tok.isdigit() for key, tok in self.tokens if key in self._keys()}
        return "integer" if kinds == {True} else "symbolic" if kinds == {False} else \
            "mixed" if kinds else "none"

    def _keys(self) -> set:
        keys = set()
        for s in self.var_shapes.values():
            keys.update(d for d in s if isinstance(d, str))
        return keys

    def family(self) -> str:
        """e.g. 'scalar by vector', 'order 2: scalar by matrix', 'mixed: scalar by vector,
        matrix', with the form asked for in brackets (for the tally)."""
        def kind(shape):
            return "scalar" if shape == SCALAR else "vector" if 1 in shape else "matrix"
        by = ",".join(kind(self.var_shapes[w]) for w in self.wrt)
        what = f"{kind(self.expr.shape)} by {by}"
        if self.mixed:
            what = "mixed: " + what
        elif self.order > 1:
            what = f"order {self.order}: " + what
        return what + (f" [{self.form}]" if self.form != "auto" else "")

    def to_2d(self, point: dict) -> dict:
        sizes = self.size_values
        return {k: np.reshape(np.asarray(point[k], dtype=float),
                              tuple(resolve(d, sizes) for d in s))
                for k, s in self.var_shapes.items()}

    def describe(self, point: dict | None = None) -> str:
        out = (f"text={self.text!r} wrt={self.wrt_arg!r} shapes={self.shapes} "
               f"order={self.order} layout={self.layout!r}")
        out += (f" form={self.form!r}" if self.form != "auto" else "") + \
            (" mixed=True" if self.mixed else "")
        if point is not None:
            pts = {k: np.round(np.asarray(v, dtype=float), 4).tolist() for k, v in point.items()}
            out += f" point={pts}"
        return out


def sample_point(problem: Problem, rng: np.random.Generator, positive: bool) -> dict:
    """{name: value} in the contract's shapes: float, 1-D vector, 2-D matrix."""
    sizes = problem.size_values
    point = {}
    for name, shape in problem.var_shapes.items():
        r, c = (resolve(d, sizes) for d in shape)
        if shape == SCALAR:
            sign = 1.0 if positive else rng.choice([-1.0, 1.0])
            point[name] = float(sign * rng.uniform(0.3, 1.5))
            continue
        low = 0.3 if positive else -1.5
        a = rng.uniform(low, 1.5, (r, c))
        if r == c:
            a = a + (r + 1) * np.eye(r)
        point[name] = a.reshape(-1) if 1 in shape else a
    return point
