"""The public entry points that turn text into typed trees (derivation lives in `derive`).

Owns: `parse`, `parse_with_shapes` (their results: the typed tree and every variable's
shape), both in either dialect; the whole reading (which shapes were inferred, the notes) is
`reader.read`'s.
"""
from __future__ import annotations

from collections.abc import Mapping

from .reader import read
from .tree import Expr


def parse(text: str, shapes: Mapping | None = None, dialect: str | None = None) -> Expr:
    """The typed tree of `text`; `shapes` declares variables ({"w": "n", "A": "m,n"});
    `dialect` is 'matcalc' (the default) or 'matrixcalculus' (docs/language.md).

    >>> str(parse("w.x + b").shape)
    '(1, 1)'
    """
    return read(text, shapes, dialect).expr


def parse_with_shapes(text: str, shapes: Mapping | None = None,
                      dialect: str | None = None) -> tuple[Expr, dict]:
    """(typed tree, {variable: shape}) — the shapes of every variable, declared or inferred."""
    r = read(text, shapes, dialect)
    return r.expr, dict(r.shapes)
