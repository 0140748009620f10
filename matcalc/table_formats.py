"""The reference tables as a LaTeX document and as one offline HTML page (MathML).

Owns: `latex_document(tables)`, `html_document(tables)`, `escape_html`.  The cells are
`table_cells`'; fractions are display-style, the paper's statements typeset
(`printing.statement`).
Invariant: the output is a function of the tables alone (no dates, timings or paths).
"""
from __future__ import annotations

import html as _html
import re
import unicodedata

from .printing.statement import statement_latex_cell, statement_mathml
from .table_cells import (COLUMNS, EXT_COLUMNS, EXT_NOTE, INTRO, LAW_COLUMNS, TITLE, caption,
                          cells, heading, latex_of, parts)

# -- LaTeX (a standalone document: pdflatex reference.tex) ---------------------------------

_TEX_CHARS = {"§": r"\S{}", "²": r"\textsuperscript{2}", "¹": r"\textsuperscript{1}",
              "ᵀ": r"\textsuperscript{T}", "⁻": r"\textsuperscript{-}", "…": r"\ldots{}",
              "ᵢ": r"\textsubscript{i}", "₁": r"\textsubscript{1}", "₂": r"\textsubscript{2}",
              "ₓ": r"\textsubscript{x}", "ₙ": r"\textsubscript{n}", "“": "``", "”": "''",
              "—": "---", "–": "--", "’": "'"}
_TEX_MATH = {"·": r"\cdot", "×": r"\times", "‖": r"\|", "↔": r"\leftrightarrow",
             "⇒": r"\Rightarrow", "∂": r"\partial", "∇": r"\nabla", "−": "-", "≠": r"\neq",
             "≤": r"\leq", "≥": r"\geq", "⊗": r"\otimes", "⊘": r"\oslash", "⊙": r"\odot",
             "𝟏": r"\mathbf{1}", "𝟎": r"\mathbf{0}", "″": "''", "√": r"\surd", "∑": r"\sum"}
_TEX_ESCAPE = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
               "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}


def _tex_char(c: str) -> str:
    if c in _TEX_ESCAPE:
        return _TEX_ESCAPE[c]
    if ord(c) < 128:
        return c
    if c in _TEX_CHARS:
        return _TEX_CHARS[c]
    if c in _TEX_MATH:
        return rf"\ensuremath{{{_TEX_MATH[c]}}}"
    m = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER (\w+)", unicodedata.name(c, ""))
    if m:
        word = m.group(2).lower()
        return rf"\ensuremath{{\{word if m.group(1) == 'SMALL' else word.capitalize()}}}"
    return rf"\texttt{{[U+{ord(c):04X}]}}"


def _tex_text(s: str) -> str:
    out = []
    for i, c in enumerate(s):
        if c == "\u20d7":                      # combining arrow: the paper's 1⃗
            continue
        if s[i + 1:i + 2] == "\u20d7":
            out.append(rf"\ensuremath{{\vec{{{_TEX_MATH.get(c, c)}}}}}")
        else:
            out.append(_tex_char(c))
    return "".join(out)


def latex_document(tables) -> str:
    out = [r"\documentclass[10pt]{article}", r"\usepackage[T1]{fontenc}",
           r"\usepackage[utf8]{inputenc}", r"\usepackage[landscape,margin=1.5cm]{geometry}",
           r"\usepackage{amsmath,amssymb,longtable,array}",
           r"\newcolumntype{L}[1]{>{\raggedright\arraybackslash}p{#1}}",
           rf"\title{{{TITLE}}}", r"\date{}", r"\begin{document}", r"\maketitle",
           _tex_text(INTRO.replace("`", "")), ""]
    for part, extension, chosen in parts(tables):
        out += [rf"\section*{{{_tex_text(part)}}}"] + ([_tex_text(EXT_NOTE), ""] if extension else [])
        for t in chosen:
            out += [rf"\subsection*{{{_tex_text(heading(t))}}}",
                    rf"\emph{{Source: {_tex_text(t.section.source)}}}", ""]
            if t.section.laws and not extension:
                out += _tex_table("L{3.6cm}L{7cm}L{7.6cm}L{4.8cm}", caption(t, True), LAW_COLUMNS, [[
                    _tex_text(law.get("name", law["id"])), f"${law.get('paper', '')}$",
                    _tex_text(law.get("when", "")),
                    rf"\texttt{{{_tex_text(law['id'])}}} · {_tex_text(law.get('source', ''))}"
                    .replace("·", _tex_char("·"))] for law in t.section.laws])
            if t.rows:
                out += _tex_table("L{3.2cm}L{2.4cm}L{0.9cm}L{4.6cm}L{5.4cm}L{5.6cm}",
                                  caption(t), EXT_COLUMNS if extension else COLUMNS, [
                    cells(r, lambda row: rf"$\displaystyle {latex_of(row)}$", _tex_text,
                          lambda s: rf"\texttt{{{_tex_text(s)}}}",
                          statement_latex_cell,
                          sep=" \\ensuremath{\\cdot} ")
                    for r in t.rows])
    return "\n".join(out + [r"\end{document}"]) + "\n"


def _tex_table(spec, title, header, rows) -> list[str]:
    head = " & ".join(rf"\textbf{{{_tex_text(h)}}}" for h in header) + r" \\ \hline"
    return ([rf"\begin{{longtable}}{{{spec}}}",
             rf"\multicolumn{{{len(header)}}}{{l}}{{\emph{{{_tex_text(title)}}}}} \\", head,
             r"\endhead"]
            + [" & ".join(r) + r" \\" for r in rows] + [r"\end{longtable}", ""])


# -- HTML (one offline file: MathML, which browsers render without scripts or fonts) -------

_CSS = """body{font-family:system-ui,sans-serif;max-width:90rem;margin:2rem auto;padding:0 1rem;
color:#1b1b1b;line-height:1.45}table{border-collapse:collapse;width:100%;margin:.5rem 0 2rem}
th,td{border:1px solid #c8c8c8;padding:.35rem .55rem;vertical-align:top;text-align:left}
th{background:#eef1f5}tr:nth-child(even) td{background:#fafbfc}
code{font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.9em}
math{font-size:1.15em}.b{font-weight:bold}section.ext{border-left:4px solid #c76b00;
padding-left:1rem}.src{color:#555;font-style:italic}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0;color:#333}
table{table-layout:fixed}td{overflow-wrap:anywhere}
.m{overflow-x:auto;overflow-y:hidden;max-width:100%;padding:2px 0}
.note{font-size:.9em;color:#444}"""
_WIDTHS = {6: (12, 9, 4, 22, 35, 18), 4: (18, 32, 32, 18)}   # per cent, by column count


def html_document(tables) -> str:
    from .printing.mathml import to_mathml
    e = escape_html
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(TITLE)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{e(TITLE)}</h1>",
           "<p>" + re.sub(r"`([^`]*)`", r"<code>\1</code>", e(INTRO)) + "</p>"]
    for part, extension, chosen in parts(tables):
        out.append(('<section class="ext">' if extension else "<section>") + f"<h2>{e(part)}</h2>")
        out += [f"<p>{e(EXT_NOTE)}</p>"] if extension else []
        for t in chosen:
            out += [f"<h3>{e(heading(t))}</h3>", f'<p class="src">Source: {e(t.section.source)}</p>']
            if t.section.laws and not extension:
                out += _html_table(caption(t, True), LAW_COLUMNS, [[
                    e(law.get("name", law["id"])), statement_mathml(law.get("statement", "")),
                    e(law.get("when", "")), f"<code>{e(law['id'])}</code> · "
                    f"{e(law.get('source', ''))}"] for law in t.section.laws])
            if t.rows:
                out += _html_table(caption(t), EXT_COLUMNS if extension else COLUMNS, [cells(
                    r, lambda row: to_mathml(row.derivation.result, displaystyle=True), e,
                    lambda s: f"<code>{e(s)}</code>", statement_mathml) for r in t.rows])
        out.append("</section>")
    return "\n".join(out + ["</body></html>"]) + "\n"


def _html_table(title, header, rows) -> list[str]:
    cols = "".join(f'<col style="width:{w}%">' for w in _WIDTHS.get(len(header), ()))
    rows = [[f'<div class="m">{c}</div>' if c.startswith("<math") else c for c in r]
            for r in rows]
    return ([f"<table><caption>{escape_html(title)}</caption><colgroup>{cols}</colgroup>"
             "<thead><tr>" + "".join(f"<th>{escape_html(h)}</th>" for h in header)
             + "</tr></thead><tbody>"]
            + ["<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows]
            + ["</tbody></table>"])


def escape_html(s: str) -> str:
    return _html.escape(s, quote=False)
