"""Tokens of printed text: the unit of `matcalc.readability`'s measure of an answer's size.

Owns: `tokens(text)`, `token_count(text)`, `shared_size(main, defs)`.  Names (`x`, `W1`,
`sigmoid`, `𝟏`), numbers (`2`, `0.5`, `1e-3`), operators (`+ - / ^ ⊙ ⊘ · @ ᵀ , ; =`) and
brackets (each one) are one token each; the space of a juxtaposition is none.
Invariant: a function of the text alone.

>>> tokens("(2 / N) xᵀ")
['(', '2', '/', 'N', ')', 'x', 'ᵀ']
"""
from __future__ import annotations

import re

_TOKEN = re.compile(r"""
    (?P<const>𝟏|𝟎)
  | (?P<num>[0-9]+\.?[0-9]*(?:e-?[0-9]+)?|\.[0-9]+(?:e-?[0-9]+)?)
  | (?P<name>[^\W\dᵀ][^\Wᵀ]*)
  | (?P<op>[-+*/^⊙⊘⊗·@ᵀ,;=()\[\]'])
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE)


def tokens(text: str) -> list[str]:
    """The tokens of printed text (see the module's docstring)."""
    return [m.group(0) for m in _TOKEN.finditer(text) if m.lastgroup != "space"]


def token_count(text: str) -> int:
    return len(tokens(text))


def shared_size(main: str, defs: list) -> int:
    """Tokens of an answer printed with named parts: `main` and its `(name, text)` lines."""
    return token_count(main) + sum(2 + token_count(body) for _, body in defs)


