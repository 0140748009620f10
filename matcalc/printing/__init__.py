"""Printers: text (parses back), LaTeX, MathML, code.  Importing the package makes
`str(expr)` the text printer and Jupyter's rendering the LaTeX one."""
from __future__ import annotations

from ..tree import set_text_printer
from .latex import to_latex
from .text import to_text

set_text_printer(to_text, to_latex)
