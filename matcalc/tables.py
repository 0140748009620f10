"""The reference tables of Parr & Howard §8, regenerated from rules/ (`matcalc table`).

Owns: `render(format, only)` in Markdown (GitHub math), LaTeX (a standalone document) and
HTML (one offline file, math as native MathML), and `entries()`, the checked rows.
Invariants: every row is a rule's worked example (or a file's `[[identity]]`) derived by the engine and verified by
`Derivation.check()` while the tables are generated — a row that fails aborts generation
with a MatcalcError naming its rule id; rules from the paper and the project's extensions
(`extension = true`, or an extension section) are never mixed in one table; the output is a
function of rules/ and the engine alone (no dates, timings or paths), so it is reproducible.
"""
from __future__ import annotations

import re

from .errors import MatcalcError
from .printing.statement import statement_latex
from .rulebook import load
from .table_cells import (COLUMNS, EXT_COLUMNS, EXT_NOTE, FORMATS, INTRO, LAW_COLUMNS,  # noqa: F401
                          PART_EXT, PART_PAPER, TITLE, Row, Table, caption, cells, heading,
                          latex_of, parts, shapes_text)
from .table_formats import escape_html, html_document, latex_document  # noqa: F401


def names(rulebook=None) -> list[str]:
    """The table names `only` accepts, in document order (nothing is derived to say so)."""
    rb = rulebook if rulebook is not None else load()
    return list(dict.fromkeys(s.table for s in rb.sections
                              if s.laws or s.identities or any(r.section is s and r.derivations
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
        if not rules and not sec.laws and not sec.identities:
            continue
        for extension, out in ((False, paper), (True, ext)):
            chosen = [r for r in rules if (r.extension or sec.extension) == extension]
            rows = [Row(r, ex, _derive(derive, r, ex, rb), i == 0)
                    for r in chosen for i, ex in enumerate(r.derivations)]
            rows += [_identity_row(i, rb) for i in sec.identities if extension]
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


def _identity_row(ident, rb) -> Row:
    """An `[[identity]]` derived, compared with its `expect` and proved (in both vec orders
    where it names one); a failure is a RuleFileError naming its file and id."""
    from .identity_check import verify
    ds = verify(ident, rb)
    return Row(ident, ident.examples[0], ds["row"], True, ds.get("column"))


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
    return {"markdown": _markdown, "latex": latex_document, "html": html_document}[format](tables)


# -- Markdown (GitHub: inline math as $`…`$, which Markdown cannot mangle) ----------------------

def _md_text(s: str) -> str:
    return re.sub(r"([\\`*_|<>\[\]$])", r"\\\1", s)


def _md_code(s: str) -> str:
    return "`" + s.replace("|", "\\|") + "`"


def _md_math(tex: str) -> str:
    return "$`" + tex.replace("\\|", "\\Vert ").replace("|", "\\vert ") + "`$"


def _markdown(tables) -> str:
    out = [f"# {TITLE}", "", INTRO, ""]
    for part, extension, chosen in parts(tables):
        out += [f"## {part}", ""] + ([f"> {EXT_NOTE}", ""] if extension else [])
        for t in chosen:
            out += [f"### {heading(t)}", "", f"*Source: {_md_text(t.section.source)}*", ""]
            if t.section.laws and not extension:
                out += [f"**{_md_text(caption(t, True))}**", ""] + _md_table(LAW_COLUMNS, [[
                    _md_text(law.get("name", law["id"])), _md_math(law.get("paper", "")),
                    _md_text(law.get("when", "")), _md_code(law["id"]) + " · " +
                    _md_text(law.get("source", ""))] for law in t.section.laws])
            if t.rows:
                out += [f"**{_md_text(caption(t))}**", ""] + _md_table(
                    EXT_COLUMNS if extension else COLUMNS,
                    [cells(r, lambda row: _md_math(latex_of(row)), _md_text, _md_code,
                           lambda s: _md_math(statement_latex(s))) for r in t.rows])
    return "\n".join(out).rstrip() + "\n"


def _md_table(header, rows) -> list[str]:
    return (["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(r) + " |" for r in rows] + [""])


