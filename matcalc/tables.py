"""The reference tables of Parr & Howard §8, regenerated from rules/ (`matcalc table`).

Owns: `render(format, only)` in Markdown (GitHub math), LaTeX (a standalone document) and
HTML (one offline file, math as native MathML), and `entries()`, the checked rows.
Invariants: every row is a rule's worked example derived by the engine and verified by
`Derivation.check()` while the tables are generated — a row that fails aborts generation
with a MatcalcError naming its rule id; rules from the paper and the project's extensions
(`extension = true`, or an extension section) are never mixed in one table; the output is a
function of rules/ and the engine alone (no dates, timings or paths), so it is reproducible.
"""
from __future__ import annotations

import html as _html
import re
import unicodedata
from dataclasses import dataclass

from .errors import MatcalcError
from .rulebook import load

FORMATS = ("markdown", "latex", "html")
COLUMNS = ("Expression", "Shapes", "By", "matcalc", "Paper", "Rule · source")
EXT_COLUMNS = COLUMNS[:4] + ("Statement",) + COLUMNS[5:]
LAW_COLUMNS = ("Chain rule", "Paper's statement", "When it applies", "Source")
TITLE = "Matrix calculus reference"
PART_PAPER = "From the paper: Parr & Howard (2018), §8 “Matrix Calculus Reference”"
PART_EXT = "matcalc's extensions — not from the paper"
EXT_NOTE = ("These rows go beyond the paper; each cites where its identity comes from (the "
            "Matrix Cookbook, calculus, or a derivation from the paper's rules).")
INTRO = ("Regenerated from `rules/` by `matcalc table`: every entry is a worked example of a "
         "rule, derived by matcalc and verified (entry by entry with SymPy, and numerically) "
         "when this file was generated. Jacobians are in numerator layout (the paper's); a "
         "scalar by a matrix has the matrix's shape; `𝟏` is the vector of ones, `I` the "
         "identity, ⊗ and ⊘ element-wise product and division, · the dot product.")


@dataclass
class Row:
    rule: object
    example: dict
    derivation: object
    first: bool            # the rule's first example (its paper statement is shown there)


@dataclass
class Table:
    section: object
    rows: list
    extension: bool


def names(rulebook=None) -> list[str]:
    """The table names `only` accepts, in document order (nothing is derived to say so)."""
    rb = rulebook if rulebook is not None else load()
    return list(dict.fromkeys(s.table for s in rb.sections
                              if s.laws or any(r.section is s and r.derivations
                                               for r in rb.rules)))


_ENTRIES: dict = {}


def clear_cache() -> None:
    """Forget the derived rows (they are kept per rulebook for the life of the process)."""
    _ENTRIES.clear()


def entries(rulebook=None, only: str | None = None) -> tuple:
    """Derive and check every example of the rulebook (of one table with `only`); the
    paper's tables first, then the extensions."""
    rb = rulebook if rulebook is not None else load()
    key = (id(rb), only)
    if key not in _ENTRIES:
        _ENTRIES[key] = (rb, _entries(rb, only))
    return _ENTRIES[key][1]


def _entries(rb, only) -> tuple:
    from .derivation import derive
    paper, ext = [], []
    for sec in rb.sections:
        if only is not None and sec.table != only:
            continue
        rules = [r for r in rb.rules if r.section is sec and r.derivations]
        if not rules and not sec.laws:
            continue
        for extension, out in ((False, paper), (True, ext)):
            chosen = [r for r in rules if (r.extension or sec.extension) == extension]
            rows = [Row(r, ex, _derive(derive, r, ex, rb), i == 0)
                    for r in chosen for i, ex in enumerate(r.derivations)]
            if rows or (sec.laws and not extension):
                out.append(Table(sec, rows, extension))
    return tuple(paper + ext)


def _derive(derive, rule, ex, rb):
    where = f"table entry {rule.id} ({ex['expr']} by {ex['wrt']})"
    try:
        d = derive(ex["expr"], ex["wrt"], shapes=ex.get("shapes"), rulebook=rb)
        report = d.check()
    except MatcalcError as e:
        raise MatcalcError(f"{where} cannot be derived: {e.message}",
                           label="table-entry") from None
    if not report.passed:
        raise MatcalcError(f"{where} failed its check:\n{report}", label="table-entry")
    return d


def render(format: str = "markdown", only: str | None = None, rulebook=None) -> str:
    """The reference tables as one document.

    >>> render("markdown", only="elementwise").splitlines()[0]
    '# Matrix calculus reference'
    """
    if format not in FORMATS:
        raise MatcalcError(f"no table format {format!r}; choose one of {', '.join(FORMATS)}",
                           label="bad-format")
    if only is not None and only not in names(rulebook):
        raise MatcalcError(f"no table named {only!r}; the tables are: "
                           f"{', '.join(names(rulebook))}", label="unknown-table")
    tables = list(entries(rulebook, only))
    return {"markdown": _markdown, "latex": _latex, "html": _html_doc}[format](tables)


def shapes_text(ex: dict) -> str:
    """{'w': 'n', 'x': 'n', 'b': 'scalar'} -> 'w, x: n; b: scalar'."""
    groups: dict = {}
    for name, decl in (ex.get("shapes") or {}).items():
        groups.setdefault(str(decl), []).append(name)
    if not groups:
        return "scalars"
    return "; ".join(f"{', '.join(ns)}: {d.replace(',', '×')}" for d, ns in groups.items())


def _heading(t: Table) -> str:
    return t.section.title + (" (extensions)" if t.extension and not t.section.extension
                              else "")


def _cells(row: Row, math, text, code, sep=" · "):
    """The six cells of a row; `math(derivation)`, `text(str)`, `code(str)` format them."""
    r, ex = row.rule, row.example
    paper = text(r.paper) if (r.paper and row.first) else (text("″") if r.paper else "")
    return [code(ex["expr"]), text(shapes_text(ex)), code(ex["wrt"]), math(row),
            paper, code(r.id) + (sep + text(r.cite()) if r.cite() else "")]


def _latex_of(row: Row) -> str:
    try:
        return row.derivation.latex
    except Exception as e:  # noqa: BLE001 — a printer failure names the entry
        raise MatcalcError(f"table entry {row.rule.id}: no LaTeX for {row.derivation}: {e}",
                           label="table-entry") from None


def _parts(tables):
    for extension in (False, True):
        chosen = [t for t in tables if t.extension == extension]
        if chosen:
            yield (PART_EXT if extension else PART_PAPER), extension, chosen


# -- Markdown (GitHub: inline math as $`…`$, which Markdown cannot mangle) ----------------------

def _md_text(s: str) -> str:
    return re.sub(r"([\\`*_|<>\[\]$])", r"\\\1", s)


def _md_code(s: str) -> str:
    return "`" + s.replace("|", "\\|") + "`"


def _md_math(tex: str) -> str:
    return "$`" + tex.replace("\\|", "\\Vert ").replace("|", "\\vert ") + "`$"


def _markdown(tables) -> str:
    out = [f"# {TITLE}", "", INTRO, ""]
    for part, extension, chosen in _parts(tables):
        out += [f"## {part}", ""] + ([f"> {EXT_NOTE}", ""] if extension else [])
        for t in chosen:
            out += [f"### {_heading(t)}", "", f"*Source: {_md_text(t.section.source)}*", ""]
            if t.section.laws and not extension:
                out += _md_table(LAW_COLUMNS, [[
                    _md_text(law.get("name", law["id"])), _md_math(law.get("paper", "")),
                    _md_text(law.get("when", "")), _md_code(law["id"]) + " · " +
                    _md_text(law.get("source", ""))] for law in t.section.laws])
            if t.rows:
                out += _md_table(EXT_COLUMNS if extension else COLUMNS, [_cells(r, lambda row: _md_math(_latex_of(row)),
                                                  _md_text, _md_code) for r in t.rows])
    return "\n".join(out).rstrip() + "\n"


def _md_table(header, rows) -> list[str]:
    return (["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(r) + " |" for r in rows] + [""])


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


def _latex(tables) -> str:
    out = [r"\documentclass[10pt]{article}", r"\usepackage[T1]{fontenc}",
           r"\usepackage[utf8]{inputenc}", r"\usepackage[landscape,margin=1.5cm]{geometry}",
           r"\usepackage{amsmath,amssymb,longtable,array}",
           r"\newcolumntype{L}[1]{>{\raggedright\arraybackslash}p{#1}}",
           rf"\title{{{TITLE}}}", r"\date{}", r"\begin{document}", r"\maketitle",
           _tex_text(INTRO.replace("`", "")), ""]
    for part, extension, chosen in _parts(tables):
        out += [rf"\section*{{{_tex_text(part)}}}"] + ([_tex_text(EXT_NOTE), ""] if extension else [])
        for t in chosen:
            out += [rf"\subsection*{{{_tex_text(_heading(t))}}}",
                    rf"\emph{{Source: {_tex_text(t.section.source)}}}", ""]
            if t.section.laws and not extension:
                out += _tex_table("L{3.6cm}L{7cm}L{7.6cm}L{4.8cm}", LAW_COLUMNS, [[
                    _tex_text(law.get("name", law["id"])), f"${law.get('paper', '')}$",
                    _tex_text(law.get("when", "")),
                    rf"\texttt{{{_tex_text(law['id'])}}} · {_tex_text(law.get('source', ''))}"
                    .replace("·", _tex_char("·"))] for law in t.section.laws])
            if t.rows:
                out += _tex_table("L{3.2cm}L{2.4cm}L{0.9cm}L{4.6cm}L{5.4cm}L{5.6cm}",
                                  EXT_COLUMNS if extension else COLUMNS, [
                    _cells(r, lambda row: f"${_latex_of(row)}$", _tex_text,
                           lambda s: rf"\texttt{{{_tex_text(s)}}}", sep=" \\ensuremath{\\cdot} ")
                    for r in t.rows])
    return "\n".join(out + [r"\end{document}"]) + "\n"


def _tex_table(spec, header, rows) -> list[str]:
    head = " & ".join(rf"\textbf{{{_tex_text(h)}}}" for h in header) + r" \\ \hline"
    return ([rf"\begin{{longtable}}{{{spec}}}", head, r"\endhead"]
            + [" & ".join(r) + r" \\" for r in rows] + [r"\end{longtable}", ""])


# -- HTML (one offline file: MathML, which browsers render without scripts or fonts) -------

_CSS = """body{font-family:system-ui,sans-serif;max-width:90rem;margin:2rem auto;padding:0 1rem;
color:#1b1b1b;line-height:1.45}table{border-collapse:collapse;width:100%;margin:.5rem 0 2rem}
th,td{border:1px solid #c8c8c8;padding:.35rem .55rem;vertical-align:top;text-align:left}
th{background:#eef1f5}tr:nth-child(even) td{background:#fafbfc}
code{font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.9em}
math{font-size:1.15em}.b{font-weight:bold}section.ext{border-left:4px solid #c76b00;
padding-left:1rem}.src{color:#555;font-style:italic}"""


def _html_doc(tables) -> str:
    from .printing.mathml import to_mathml
    e = escape_html
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(TITLE)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{e(TITLE)}</h1>",
           "<p>" + re.sub(r"`([^`]*)`", r"<code>\1</code>", e(INTRO)) + "</p>"]
    for part, extension, chosen in _parts(tables):
        out.append(('<section class="ext">' if extension else "<section>") + f"<h2>{e(part)}</h2>")
        out += [f"<p>{e(EXT_NOTE)}</p>"] if extension else []
        for t in chosen:
            out += [f"<h3>{e(_heading(t))}</h3>", f'<p class="src">Source: {e(t.section.source)}</p>']
            if t.section.laws and not extension:
                out += _html_table(LAW_COLUMNS, [[
                    e(law.get("name", law["id"])), e(law.get("statement", "")),
                    e(law.get("when", "")), f"<code>{e(law['id'])}</code> · "
                    f"{e(law.get('source', ''))}"] for law in t.section.laws])
            if t.rows:
                out += _html_table(EXT_COLUMNS if extension else COLUMNS, [_cells(
                    r, lambda row: to_mathml(row.derivation.result), e,
                    lambda s: f"<code>{e(s)}</code>") for r in t.rows])
        out.append("</section>")
    return "\n".join(out + ["</body></html>"]) + "\n"


def _html_table(header, rows) -> list[str]:
    return (["<table><thead><tr>" + "".join(f"<th>{escape_html(h)}</th>" for h in header)
             + "</tr></thead><tbody>"]
            + ["<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows]
            + ["</tbody></table>"])


def escape_html(s: str) -> str:
    return _html.escape(s, quote=False)
