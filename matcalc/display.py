"""How a derivation's parts show themselves in Jupyter and at the Python prompt.

Owns: `Steps` — the derivation's steps as a list (each a `steps.Step`) that prints as the
numbered text `matcalc derive --steps` shows (`str`, `repr`), renders as an HTML table
(`_repr_html_`) and as the `align*` derivation (`_repr_latex_`); `check_report_html`, the
HTML of a `check.CheckReport`.  Imports the steps module lazily: displaying costs nothing
until something is shown.
"""
from __future__ import annotations

import html


class Steps(list):
    """The steps of a derivation: a list of `Step` that displays readably."""

    def __str__(self) -> str:
        from .steps import steps_text
        return steps_text(self)

    def __repr__(self) -> str:
        return self.__str__() if self else "Steps([])"

    def _repr_pretty_(self, p, cycle) -> None:          # IPython's plain-text display
        p.text(self.__str__())

    def _repr_latex_(self) -> str:
        from .steps import steps_latex
        return "$$" + steps_latex(self) + "$$"

    def _repr_html_(self) -> str:
        rows = []
        for i, s in enumerate(self, 1):
            cite = html.escape(s.source or s.rule or "")
            text = html.escape(s.text)
            if s.kind == "header":
                rows.append(f'<tr><td></td><td colspan="2"><b>{text}</b></td></tr>')
            else:
                rows.append(f"<tr><td style=\"text-align:right\">{i}.</td>"
                            f"<td style=\"text-align:left\">{text}</td>"
                            f"<td style=\"text-align:left\"><small>{cite}</small></td></tr>")
        return ('<table class="matcalc-steps">' + "".join(rows) + "</table>")


def check_report_html(report) -> str:
    """A `CheckReport` as an HTML table: method, status, sizes and note, time."""
    verdict = "passed" if report.passed else "FAILED"
    rows = []
    for m in report.methods:
        status = "skipped" if m.skipped else "passed" if m.passed else "FAILED"
        colour = {"passed": "green", "FAILED": "red"}.get(status, "gray")
        sizes = ", ".join(f"{k}={v}" for k, v in m.sizes.items())
        inside = html.escape("; ".join(s for s in (sizes, m.note) if s))
        rows.append(f"<tr><td>{html.escape(m.name)}</td>"
                    f'<td style="color:{colour}"><b>{status}</b></td>'
                    f'<td style="text-align:left">{inside}</td><td>{m.seconds:.2f} s</td></tr>')
    return (f'<table class="matcalc-check"><caption>check: {verdict}</caption>'
            "<tr><th>method</th><th>status</th><th>sizes, details</th><th>time</th></tr>"
            + "".join(rows) + "</table>")
