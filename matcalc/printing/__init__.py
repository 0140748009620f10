"""Printers: text (parses back), LaTeX, MathML, code.  Importing the package makes
`str(expr)` the text printer and Jupyter's rendering the LaTeX one."""
from __future__ import annotations

from ..tree import set_text_printer
from .text import to_text


def _to_latex(*args, **kwargs):
    """The LaTeX printer, imported on first use: a plain `matcalc derive` prints no LaTeX,
    and importing the printer is a large share of the cold start."""
    from .latex import to_latex
    return to_latex(*args, **kwargs)


def __getattr__(name):                  # `from matcalc.printing import to_latex`
    if name == "to_latex":
        from .latex import to_latex
        return to_latex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


set_text_printer(to_text, _to_latex)
