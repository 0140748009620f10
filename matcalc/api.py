"""The public entry points that turn text into typed trees (derivation lives in `derive`)."""
from __future__ import annotations

from .parser import parse_raw
from .shapes import infer
from .tree import Expr


def parse(text: str, shapes=None) -> Expr:
    """The typed tree of `text`; `shapes` declares variables ({"w": "n", "A": "m,n"}).

    >>> str(parse("w.x + b").shape)
    '(1, 1)'
    """
    return parse_with_shapes(text, shapes)[0]


def parse_with_shapes(text: str, shapes=None):
    """(typed tree, {variable: shape}) — the shapes of every variable, declared or inferred."""
    raw = parse_raw(text)
    return infer(raw, shapes, text)
