"""The generated reference tables (matcalc.tables): complete, checked, paper and extensions
apart, each format well-formed, and docs/reference.md identical to a fresh run."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import matcalc
from matcalc import tables
from matcalc.printing.mathml import to_mathml
from matcalc.rulebook import load

ROOT = Path(__file__).resolve().parent.parent
REGENERATE = ("regenerate it with `matcalc table --output docs/reference.md` (or python -c "
              "\"import matcalc.tables as t; open('docs/reference.md', 'w').write("
              "t.render('markdown'))\") and commit the result")
TABLE_NAMES = ["scalar", "elementwise", "scalar-expansion", "reductions", "axes", "chain", "matrix",
               "matfun", "tensor", "by-matrix"]


def _row_ids(markdown: str) -> list[str]:
    return re.findall(r"^\| `[^\n]*\| `([\w.-]+)`", markdown, re.M)


def test_docs_reference_md_is_fresh():
    path = ROOT / "docs" / "reference.md"
    assert path.exists(), f"docs/reference.md is missing: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == tables.render("markdown"), \
        f"docs/reference.md differs from a fresh run: {REGENERATE}"


def _entry(rb, rid):
    """A row's rule, or its [[identity]]."""
    return rb.by_id.get(rid) or next(i for i in rb.identities if i.id == rid)


def test_every_rule_example_is_one_row():
    rb = load()
    expected = sorted([r.id for r in rb.rules for _ in r.derivations]
                      + [i.id for i in rb.identities])
    assert sorted(_row_ids(tables.render("markdown"))) == expected


def test_extensions_are_apart_and_marked():
    md = tables.render("markdown")
    paper, ext = md.split("## " + tables.PART_EXT)
    rb = load()
    for rid in _row_ids(paper):
        assert not _entry(rb, rid).extension, f"{rid} is an extension but sits in the paper part"
    for rid in _row_ids(ext):
        assert _entry(rb, rid).extension, f"{rid} is from the paper but sits in the extensions"
    assert tables.EXT_NOTE in ext and "Matrix Cookbook" in ext


@pytest.mark.parametrize("name", TABLE_NAMES)
@pytest.mark.parametrize("fmt", tables.FORMATS)
def test_only_one_table(name, fmt):
    out = tables.render(fmt, only=name)
    titles = {s.table: s.title for s in load().sections}
    assert (titles[name].replace("§", "\\S{}") if fmt == "latex" else titles[name]) in out
    others = [t for n, t in titles.items() if n != name and n in TABLE_NAMES]
    assert not any(t in out for t in others if t not in titles[name])


def test_table_names_are_the_sections():
    assert tables.names() == TABLE_NAMES


@pytest.mark.parametrize("only,fmt,match", [
    ("nope", "markdown", "elementwise, scalar-expansion"),
    (None, "pdf", "markdown, latex, html"),
])
def test_bad_choice_is_a_matcalc_error(only, fmt, match):
    with pytest.raises(matcalc.MatcalcError, match=match):
        tables.render(fmt, only=only)


def test_a_failing_entry_aborts_naming_its_rule(monkeypatch):
    from matcalc.derivation import Derivation

    class Failed:
        passed = False

        def __str__(self):
            return "check: numeric FAILED"
    monkeypatch.setattr(Derivation, "check", lambda self, *a, **k: Failed())
    tables.clear_cache()
    try:
        with pytest.raises(matcalc.MatcalcError, match=r"scalar\.constant .*failed its check"):
            tables.render("markdown")
    finally:
        tables.clear_cache()


def test_generation_is_deterministic():
    first = tables.render("html")
    tables.clear_cache()
    assert tables.render("html") == first


def test_markdown_rows_keep_their_columns():
    for line in tables.render("markdown").splitlines():
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            assert len(cells) in (len(tables.COLUMNS), len(tables.LAW_COLUMNS)), line


def test_html_is_standalone_and_math_is_mathml():
    page = tables.render("html")
    assert page.startswith("<!DOCTYPE html>") and page.count("<math") > 60
    assert not re.search(r"(src|href)=|https?://|<script", page)
    assert "\\mathbf" not in page and "$`" not in page       # no raw LaTeX left


def test_latex_document_compiles():
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "reference.tex").write_text(tables.render("latex"), encoding="utf-8")
        proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                               "reference.tex"], cwd=tmp, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert (Path(tmp) / "reference.pdf").exists()


@pytest.mark.parametrize("expr,shapes,fragments", [
    ("x'", {"x": "n"}, ['class="b">x</mi>', '<mi mathvariant="normal">T</mi>']),
    ("inv(X)'", {"X": "n,n"}, ["<msup><mrow><mo", "<mn>1</mn>"]),
    ("w ⊙ x / 2", {"w": "n", "x": "n"}, ["<mo>⊙</mo>", "<mfrac>"]),   # ⊙ in every output
    ("w ⊘ x", {"w": "n", "x": "n"}, ["<mo>⊘</mo>"]),
    ("norm(x) + sigmoid(b)", {"x": "n"}, ["‖", "<mi>σ</mi>"]),
    ("W1 @ x_i", {"W1": "m,n", "x_i": "n"}, ["<msub><mi>W</mi><mn>1</mn></msub>",
                                             '<msub><mi mathvariant="normal" class="b">x</mi>'
                                             '<mi>i</mi></msub>']),
    ("[3x^2 y, 2x + y^8]", {}, ["<mtable>", "<msup><mi>y</mi><mn>8</mn></msup>"]),
])
def test_mathml_printer(expr, shapes, fragments):
    out = to_mathml(matcalc.parse(expr, shapes))
    assert out.startswith("<math>") and out.endswith("</math>")
    for f in fragments:
        assert f in out, out
